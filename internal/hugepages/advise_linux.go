package hugepages

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// advise is madvise(MADV_HUGEPAGE) of the whole pages within the n bytes
// at p.
func advise(p unsafe.Pointer, n uintptr) {
	page := uintptr(unix.Getpagesize())
	start := (uintptr(p) + page - 1) &^ (page - 1)
	end := (uintptr(p) + n) &^ (page - 1)
	if end <= start {
		return
	}
	unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start), unix.MADV_HUGEPAGE)
}
