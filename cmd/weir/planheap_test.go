package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/weirflow/weir/engine"
)

// TestLoadKeepsThePlanHeap: loading the workflow of a resume, whatever its
// size, leaves the collector off for the plan (engine.PlanHeap), as resume
// loads it: a target of the load's own turned it on again, and the first
// collection ended the plan's phase.
func TestLoadKeepsThePlanHeap(t *testing.T) {
	for _, c := range []struct {
		name string
		keys int
	}{
		{"a small file of many tasks", 200000},
		{"a small file of a few tasks", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.hcl")
			src := fmt.Sprintf("stage \"work\" {\n  for_each = range(%d)\n  command  = [\"true\", each.key]\n}\n", c.keys)
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			defer engine.TuneHeap()()
			defer engine.PlanHeap()()
			var stderr bytes.Buffer
			if _, err := (&loadFlags{}).load(&options{env: os.Environ(), stderr: &stderr}, path); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			if !engine.PlanningHeap() {
				t.Error("the collector ran while the workflow loaded: the plan's phase ended")
			}
		})
	}
}
