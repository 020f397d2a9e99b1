package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestNoteLastRunConcurrent: every weir of a user notes its last run in
// the same file, often several at once; the file always holds one whole
// note, and no temp file is left.
func TestNoteLastRunConcurrent(t *testing.T) {
	home := t.TempDir()
	o := &options{env: []string{"XDG_STATE_HOME=" + home}}
	var dirs []string
	for i := range 16 {
		d := filepath.Join(home, fmt.Sprintf("state%02d", i)+strings.Repeat("x", i*7))
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	for round := range 20 {
		var wg sync.WaitGroup
		for i, d := range dirs {
			wg.Go(func() { o.noteLastRun(d, fmt.Sprintf("flow%02d.hcl", i)) })
		}
		wg.Wait()
		state, workflow := o.lastRun()
		i := slices.Index(dirs, state)
		if i < 0 || workflow != fmt.Sprintf("flow%02d.hcl", i) {
			t.Fatalf("round %d: last run %q of %q: not one whole note", round, state, workflow)
		}
	}
	ents, err := os.ReadDir(filepath.Join(home, "weir"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "last-run" {
		t.Errorf("left in the state home: %v", ents)
	}
}
