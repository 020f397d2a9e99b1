#include "textflag.h"

// func sumAVX2(p *byte, n int) uint64
// n is a multiple of 128. VPSADBW against zero adds each group of eight
// bytes into a 64-bit lane, which cannot overflow.
TEXT ·sumAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y15, Y15, Y15

loop:
	CMPQ CX, $128
	JB   done
	VPSADBW (SI), Y15, Y4
	VPSADBW 32(SI), Y15, Y5
	VPSADBW 64(SI), Y15, Y6
	VPSADBW 96(SI), Y15, Y7
	VPADDQ  Y4, Y0, Y0
	VPADDQ  Y5, Y1, Y1
	VPADDQ  Y6, Y2, Y2
	VPADDQ  Y7, Y3, Y3
	ADDQ    $128, SI
	SUBQ    $128, CX
	JMP     loop

done:
	VPADDQ       Y1, Y0, Y0
	VPADDQ       Y3, Y2, Y2
	VPADDQ       Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDQ       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDQ       X1, X0, X0
	VMOVQ        X0, AX
	VZEROUPPER
	MOVQ         AX, ret+16(FP)
	RET
