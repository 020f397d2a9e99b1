package bytesum

import (
	"math/rand/v2"
	"testing"
)

// Sum agrees with a plain byte loop at every length and alignment, with
// bytes of 255 that would overflow a lane folded too late.
func TestSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 5000)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	full := make([]byte, 4096)
	for i := range full {
		full[i] = 255
	}
	for _, b := range [][]byte{buf, full} {
		for off := range 9 {
			for _, n := range []int{0, 1, 7, 8, 9, 1023, 1024, 1025, 2048, len(b) - off} {
				if off+n > len(b) {
					continue
				}
				part := b[off : off+n]
				var want uint64
				for _, c := range part {
					want += uint64(c)
				}
				if got := Sum(part); got != want {
					t.Fatalf("offset %d, %d bytes: %d, want %d", off, n, got, want)
				}
				// The plain Go path, which machines without AVX2 take.
				if got := sumScalar(part); got != want {
					t.Fatalf("sumScalar: offset %d, %d bytes: %d, want %d", off, n, got, want)
				}
			}
		}
	}
}
