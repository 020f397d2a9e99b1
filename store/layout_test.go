package store

import (
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/weirflow/weir/dag"
)

// The layout's paths are what filepath.Join makes of the run's directory
// and their parts, for any directory, and a task's bucket is its FNV-1a
// hash modulo 16 in hex (where earlier runs' logs are).
func TestDirLayoutPaths(t *testing.T) {
	tasks := []string{"extract", "shard[3]", "s[a/b]", "", ".", "x-1_y.z"}
	for _, root := range []string{"/state/runs/r1", "/state/runs/r1/", "/a//b/../c", "rel/dir", "", ".", "/", "./x"} {
		d := DirLayout{Root: root}
		for _, task := range tasks {
			h := fnv.New32a()
			h.Write([]byte(task))
			b := fmt.Sprintf("%x", h.Sum32()%16)
			base := filepath.Join(root, "logs", b, dag.Slug(task)+".2")
			if out, errp := d.Logs(task, 2); out != base+".stdout" || errp != base+".stderr" {
				t.Errorf("root %q task %q: Logs = %q, %q; want %q.stdout, .stderr", root, task, out, errp, base)
			}
			if got := d.Samples(task, 2); got != base+".mem" {
				t.Errorf("root %q task %q: Samples = %q, want %q", root, task, got, base+".mem")
			}
			if got, want := d.TaskTmpDir(task, 3), filepath.Join(root, "tmp", "task", dag.Slug(task)+".3"); got != want {
				t.Errorf("root %q task %q: TaskTmpDir = %q, want %q", root, task, got, want)
			}
		}
		if got, want := d.TmpDir("two", 1), filepath.Join(root, "tmp", "two."+strconv.Itoa(1)); got != want {
			t.Errorf("root %q: TmpDir = %q, want %q", root, got, want)
		}
	}
}
