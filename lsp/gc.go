package lsp

import (
	"runtime/debug"
	"sync"
)

// An analysis allocates about 340 bytes for every byte of its text, most of
// it garbage by its end, and at the default target the collector runs
// over and over while it does (as for `weir validate`, cmd/weir/load.go).
// A text up to smallText is analyzed at a higher target, whose peak stays
// a few tens of MiB. The target is the process's, and documents are
// analyzed at once, so the first analysis raises it and the last restores
// it.
const (
	smallText      = 256 << 10
	smallGCPercent = 400
)

var gcBoost struct {
	sync.Mutex
	n   int
	old int
}

// boostGC raises the collector's target for the analysis of a text of n
// bytes; the returned function restores it.
func boostGC(n int) func() {
	if n > smallText {
		return func() {}
	}
	gcBoost.Lock()
	if gcBoost.n == 0 {
		gcBoost.old = debug.SetGCPercent(smallGCPercent)
	}
	gcBoost.n++
	gcBoost.Unlock()
	return func() {
		gcBoost.Lock()
		gcBoost.n--
		if gcBoost.n == 0 {
			debug.SetGCPercent(gcBoost.old)
		}
		gcBoost.Unlock()
	}
}
