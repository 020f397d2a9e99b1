package local

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTmpDirsTrustChangeTimeOnlyWhenOld: a directory kept empty for longer
// than ctimeMargin is judged by its change time alone, and whatever an
// attempt does to it (an entry made, made and removed, its mode) is still
// seen; a directory changed just before its attempt is read whole.
func TestTmpDirsTrustChangeTimeOnlyWhenOld(t *testing.T) {
	tests := []struct {
		name  string
		do    func(dir string) error
		empty bool
	}{
		{"untouched", func(string) error { return nil }, true},
		{"a file", func(dir string) error { return os.WriteFile(filepath.Join(dir, "f"), nil, 0o600) }, false},
		{"a file made and removed", func(dir string) error {
			f := filepath.Join(dir, "f")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				return err
			}
			return os.Remove(f)
		}, true},
		{"a directory", func(dir string) error { return os.Mkdir(filepath.Join(dir, "d"), 0o700) }, false},
		{"its mode", func(dir string) error { return os.Chmod(dir, 0o755) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d tmpDirs
			dir := filepath.Join(t.TempDir(), "slot")
			if err := d.take(dir); err != nil {
				t.Fatal(err)
			}
			if remove := d.put(dir); remove != nil {
				t.Fatal("a fresh empty directory was not kept")
			}
			time.Sleep(ctimeMargin + 20*time.Millisecond)
			if err := d.take(dir); err != nil {
				t.Fatal(err)
			}
			e := d.taken[dir]
			if !unchanged(dir, e) {
				t.Fatal("an old, untouched directory was not trusted by its change time")
			}
			if err := tc.do(dir); err != nil {
				t.Fatal(err)
			}
			if got, want := unchanged(dir, e), tc.name == "untouched"; got != want {
				t.Errorf("unchanged = %v, want %v", got, want)
			}
			remove := d.put(dir)
			if kept := remove == nil && d.kept[dir] != (emptyDir{}); kept != tc.empty {
				t.Errorf("kept = %v, want %v", kept, tc.empty)
			}
			if remove != nil {
				remove()
			}
			if err := d.take(dir); err != nil {
				t.Fatal(err)
			}
			if names, err := os.ReadDir(dir); err != nil || len(names) > 0 {
				t.Errorf("the next attempt got %v, %v", names, err)
			}
			if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("the next attempt got mode %v, %v", st.Mode(), err)
			}
		})
	}
}

// TestTmpDirsReadRecentDirectories: a change time within ctimeMargin of
// the attempt is not trusted, even when the directory is untouched.
func TestTmpDirsReadRecentDirectories(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "slot")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	e, ok := reusable(dir)
	if !ok {
		t.Fatal("an empty private directory is not reusable")
	}
	e.taken = time.Now()
	if unchanged(dir, e) {
		t.Error("a change time from just now was trusted")
	}
}
