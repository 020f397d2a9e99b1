package main

import (
	"fmt"
	"io"
	"os"
	"runtime/trace"
)

// startTrace writes an execution trace of this weir process to the file
// WEIR_TRACE names (go tool trace reads it): where a task's exit waits
// before the next start shows there as goroutine hand-offs and syscalls,
// which a CPU profile does not show. Without the variable it does nothing.
func startExecTrace(path string, stderr io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "weir: warning: no trace: %v\n", err)
		return func() {}
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintf(stderr, "weir: warning: no trace: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		trace.Stop()
		f.Close()
	}
}
