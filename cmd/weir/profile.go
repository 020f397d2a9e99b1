package main

import (
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// startProfile writes profiles of this weir process, for measuring the
// engine itself (go tool pprof reads them): a CPU profile to the file
// WEIR_CPUPROFILE names, and a heap profile to the file WEIR_HEAPPROFILE
// names, taken near the largest live heap of the process, and an execution
// trace to the file WEIR_TRACE names (exectrace.go). stop ends them. Without
// the variables it does nothing.
func startProfile(env []string, stderr io.Writer) (stop func()) {
	stopCPU := startCPUProfile(envOr(env, "WEIR_CPUPROFILE", ""), stderr)
	stopHeap := startHeapProfile(envOr(env, "WEIR_HEAPPROFILE", ""), stderr)
	stopTrace := startExecTrace(envOr(env, "WEIR_TRACE", ""), stderr)
	return func() {
		stopTrace()
		stopHeap()
		stopCPU()
	}
}

func startCPUProfile(path string, stderr io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "weir: warning: no CPU profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "weir: warning: no CPU profile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// startHeapProfile samples the live heap twice a second and writes a
// profile whenever it is a tenth larger than at the last one written: what
// is live at the end of a run says little about its peak.
func startHeapProfile(path string, stderr io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var written uint64
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(s)
			if live := s[0].Value.Uint64(); live > written+written/10 {
				if err := writeHeapProfile(path); err != nil {
					fmt.Fprintf(stderr, "weir: warning: no heap profile: %v\n", err)
					return
				}
				written = live
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
