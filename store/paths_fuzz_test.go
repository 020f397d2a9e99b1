package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheckRun feeds damaged and crafted run records to the checker gc
// relies on: it must not panic, and whatever it accepts lies in the run's
// own directories: <state>/runs/<id>/tmp and <shm_dir>/<id>.
func FuzzCheckRun(f *testing.F) {
	for _, seed := range []string{
		`{"id":"20261126-071512-3fa9c1","shm_dir":"/dev/shm/weir-0/20261126-071512-3fa9c1"}`,
		`{"id":"../../../x","shm_dir":"/some/dir","pool_shm_dirs":["/other"]}`,
		`{"id":"r1","shm_dir":"/tmp/../r1","pool_shm_dirs":["relative/r1","/r1",""]}`,
		`{"id":".."}`, `{"id":"a/b"}`, `{"id":"r1","shm_dir":"/proc/self/cwd/r1"}`, `{}`, `not json`,
	} {
		f.Add([]byte(seed))
	}
	state := f.TempDir()
	os.MkdirAll(filepath.Join(state, "runs"), 0o700)
	f.Fuzz(func(t *testing.T, data []byte) {
		var r RunRecord
		if json.Unmarshal(data, &r) != nil {
			return
		}
		d, err := CheckRun(state, r)
		if err != nil {
			return
		}
		if d.Tmp != filepath.Join(state, "runs", r.ID, "tmp") || strings.Contains(r.ID, "/") || strings.Contains(r.ID, "..") {
			t.Fatalf("accepted id %q, tmp %q", r.ID, d.Tmp)
		}
		for _, s := range d.Segments {
			if !filepath.IsAbs(s) || filepath.Clean(s) != s || filepath.Base(s) != r.ID || filepath.Dir(s) == "/" {
				t.Fatalf("accepted segment dir %q for run %q", s, r.ID)
			}
		}
	})
}
