package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// WEIR_TRACE writes an execution trace that go tool trace reads, and
// nothing without it.
func TestExecTrace(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  bool
	}{
		{"unset writes nothing", false},
		{"set writes a trace", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.out")
			var env []string
			if tc.set {
				env = []string{"WEIR_TRACE=" + path}
			}
			stop := startProfile(env, io.Discard)
			done := make(chan struct{})
			go close(done)
			<-done
			stop()
			b, err := os.ReadFile(path)
			if !tc.set {
				if err == nil {
					t.Fatal("a trace was written without WEIR_TRACE")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Every trace starts with its format's header.
			if !bytes.HasPrefix(b, []byte("go 1.")) || len(b) < 100 {
				t.Fatalf("not a trace: %d bytes starting %q", len(b), b[:min(len(b), 16)])
			}
		})
	}
}
