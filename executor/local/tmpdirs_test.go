package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor/local"
	"github.com/weirflow/weir/store"
)

// TestTmpDirIsPrivateAndEmpty: one slot, attempts one after another, each
// leaving its temporary directory in a different state; every attempt
// still finds its own empty, private directory, and nothing is left once
// the runner is closed.
func TestTmpDirIsPrivateAndEmpty(t *testing.T) {
	leave := []string{
		"true",                      // left empty: kept as it is
		"echo x > \"$TMPDIR/file\"", // a file
		"mkdir -p \"$TMPDIR/a/b\"; touch \"$TMPDIR/a/b/c\" \"$TMPDIR/.hidden\"", // a tree
		"chmod 755 \"$TMPDIR\"", // its mode
		"rmdir \"$TMPDIR\"",     // gone
		"chmod 000 \"$TMPDIR\"", // unreadable
		"true",
	}
	// Every attempt checks what it was given before it leaves its mark.
	const check = `[ -d "$TMPDIR" ] && [ "$TMPDIR" = "$WEIR_TMPDIR" ] && [ "$(stat -c %a "$TMPDIR")" = 700 ] && [ -z "$(ls -A "$TMPDIR")" ] || { echo "given $(ls -ld "$TMPDIR") $(ls -A "$TMPDIR")" >&2; exit 9; }; `
	var tasks []*dag.Task
	for i, script := range leave {
		tk := shTask(fmt.Sprintf("t%d", i), check+script)
		if i > 0 {
			tk.Deps = []string{fmt.Sprintf("t%d", i-1)}
		}
		tasks = append(tasks, tk)
	}
	eachEnforcement(t, func(t *testing.T, r *local.Runner) {
		var f fixture
		s := f.run(t, context.Background(), r, dag.Pool{Processes: 1}, tasks...)
		for _, tk := range tasks {
			if got := lastResult(t, s, tk.ID); got.Reason != event.Succeeded {
				_, stderr := store.DirLayout{Root: f.runDir}.Logs(tk.ID, 1)
				b, _ := os.ReadFile(stderr)
				t.Errorf("%s: %s %s: %s", tk.ID, got.Reason, got.Detail, b)
			}
		}
		r.Close()
		if left, _ := filepath.Glob(filepath.Join(f.runDir, "tmp", "*")); len(left) > 0 {
			t.Errorf("left after Close: %v", left)
		}
	})
}
