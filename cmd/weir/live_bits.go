package main

import "math/bits"

// bitset is a set of small non-negative ints, walked in order: the live
// view keeps its ready and pending tasks in two, so that a frame finds the
// first few of 100,000 tasks without going through all of them.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)   { b[i/64] |= 1 << (i % 64) }
func (b bitset) clear(i int) { b[i/64] &^= 1 << (i % 64) }

// next is the smallest member at or after i, or -1.
func (b bitset) next(i int) int {
	if i < 0 {
		i = 0
	}
	w := i / 64
	if w >= len(b) {
		return -1
	}
	if m := b[w] >> (i % 64); m != 0 {
		return i + bits.TrailingZeros64(m)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w*64 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}
