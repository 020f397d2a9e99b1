package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// The heap profile is written while the process runs, near its largest
// live heap, and is one go tool pprof reads.
func TestHeapProfile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   bool
		wantF bool
	}{
		{"unset writes nothing", false, false},
		{"set writes a profile", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "heap.out")
			var env []string
			if tc.set {
				env = []string{"WEIR_HEAPPROFILE=" + path}
			}
			stop := startProfile(env, io.Discard)
			keep := make([][]byte, 0, 64)
			for range 64 {
				keep = append(keep, make([]byte, 1<<20))
			}
			runtime.GC()
			time.Sleep(1200 * time.Millisecond) // two samples of the heap
			stop()
			runtime.KeepAlive(keep)
			f, err := os.Open(path)
			if !tc.wantF {
				if err == nil {
					f.Close()
					t.Fatal("a profile was written without WEIR_HEAPPROFILE")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// A pprof profile is a gzipped protocol buffer.
			z, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("not a profile: %v", err)
			}
			b, err := io.ReadAll(z)
			if err != nil || len(b) < 100 {
				t.Fatalf("a profile of %d bytes (%v)", len(b), err)
			}
		})
	}
}
