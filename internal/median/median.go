// Package median is the middle value the benchmarks report: of an odd
// number of rounds the middle one, of an even number the upper middle.
package median

import (
	"cmp"
	"slices"
)

// Of returns the median of xs, leaving xs as it is. xs must not be empty.
func Of[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
