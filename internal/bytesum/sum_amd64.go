package bytesum

import "golang.org/x/sys/cpu"

// sumAVX2 adds up the n bytes at p, n a multiple of 128.
//
//go:noescape
func sumAVX2(p *byte, n int) uint64

// sumVector adds up the longest prefix of b it can with vector
// instructions (AVX2: 32 bytes an instruction, as fast as memory delivers
// them) and says how many bytes that was.
func sumVector(b []byte) (uint64, int) {
	n := len(b) &^ 127
	if n == 0 || !cpu.X86.HasAVX2 {
		return 0, 0
	}
	return sumAVX2(&b[0], n), n
}
