package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of this weir process to the file
// WEIR_CPUPROFILE names, for measuring the engine itself (go tool pprof
// reads it); stop ends it. Without the variable it does nothing.
func startProfile(env []string, stderr io.Writer) (stop func()) {
	path := envOr(env, "WEIR_CPUPROFILE", "")
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
