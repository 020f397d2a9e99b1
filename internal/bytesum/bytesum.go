// Package bytesum adds up every byte of a buffer as fast as the machine
// can: what the consumers of the segment benchmarks do with a GiB they
// read, so that they cost what reading the memory costs. On amd64 with
// AVX2 the bulk goes through VPSADBW; elsewhere, and for the tail, plain
// Go.
package bytesum

import "unsafe"

// Sum adds up every byte of b.
func Sum(b []byte) uint64 {
	total, n := sumVector(b)
	return total + sumScalar(b[n:])
}

// sumScalar adds up every byte of b in plain Go. Whole words are summed
// eight bytes at a time: the even and the odd bytes of each word masked
// apart into 16-bit lanes, eight words an iteration into four
// accumulators, folded into the total every 128 words, before a lane can
// overflow (128 x 2 x 255 < 65536).
func sumScalar(b []byte) uint64 {
	var total uint64
	if len(b) >= 8 && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		const m = 0x00FF00FF00FF00FF
		words := unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
		for len(words) >= 128 {
			blk := words[:128:128]
			var a0, a1, a2, a3 uint64
			for i := 0; i < 128; i += 8 {
				w0, w1, w2, w3 := blk[i], blk[i+1], blk[i+2], blk[i+3]
				w4, w5, w6, w7 := blk[i+4], blk[i+5], blk[i+6], blk[i+7]
				a0 += w0&m + w4&m + (w0>>8)&m + (w4>>8)&m
				a1 += w1&m + w5&m + (w1>>8)&m + (w5>>8)&m
				a2 += w2&m + w6&m + (w2>>8)&m + (w6>>8)&m
				a3 += w3&m + w7&m + (w3>>8)&m + (w7>>8)&m
			}
			total += fold(a0 + a1 + a2 + a3)
			words = words[128:]
		}
		b = b[(len(b)/8-len(words))*8:]
	}
	for _, c := range b {
		total += uint64(c)
	}
	return total
}

// fold adds the four 16-bit lanes of a.
func fold(a uint64) uint64 {
	a = a&0x0000FFFF0000FFFF + (a>>16)&0x0000FFFF0000FFFF
	return a&0xFFFFFFFF + a>>32
}
