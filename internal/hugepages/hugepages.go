// Package hugepages asks the kernel to back a large, freshly allocated
// slice with transparent huge pages.
//
// A resume of a million tasks allocates some 400 MB of tasks and 170 MB of
// the scheduler's state and touches every page of them once, before its
// first task can start. With 4 KiB pages that is a fault every 4 KiB,
// seconds on a VM; with the transparent huge pages most Linux machines
// offer on request ("madvise" mode), a fault every 2 MiB. The Go runtime
// does not ask for them itself.
package hugepages

import "unsafe"

// least is the smallest slice worth the advice: a huge page is 2 MiB.
const least = 4 << 20

// Advise asks for huge pages under s, which should not be touched yet.
// Advice only: where it is not taken, nothing changes.
func Advise[T any](s []T) {
	var zero T
	n := uintptr(len(s)) * unsafe.Sizeof(zero)
	if n < least {
		return
	}
	advise(unsafe.Pointer(unsafe.SliceData(s)), n)
}
