package shm

import (
	"os"
	"path/filepath"
	"testing"
)

// Prune removes empty directories of the run, and the run's own once it
// is empty, but never a file, a non-empty directory or what a link leads
// to.
func TestPrune(t *testing.T) {
	tests := []struct {
		name     string
		make     func(t *testing.T, dir, outside string)
		left     []string // relative to the run dir; nil: the run dir is gone
		outsides []string // relative to outside, still there
	}{
		{"nothing in it", func(*testing.T, string, string) {}, nil, nil},
		{"empty task dirs", func(t *testing.T, dir, _ string) {
			mkdir(t, filepath.Join(dir, "a"))
			mkdir(t, filepath.Join(dir, "b"))
		}, nil, nil},
		{"a kept segment", func(t *testing.T, dir, _ string) {
			mkdir(t, filepath.Join(dir, "a"))
			mkdir(t, filepath.Join(dir, "b"))
			write(t, filepath.Join(dir, "b", "out"))
		}, []string{"b/out"}, nil},
		{"a partial file of a killed attempt", func(t *testing.T, dir, _ string) {
			mkdir(t, filepath.Join(dir, "a"))
			write(t, filepath.Join(dir, "a", "out"+partialSuffix))
		}, []string{"a/out" + partialSuffix}, nil},
		{"a link to a directory", func(t *testing.T, dir, outside string) {
			mkdir(t, filepath.Join(outside, "empty"))
			if err := os.Symlink(filepath.Join(outside, "empty"), filepath.Join(dir, "a")); err != nil {
				t.Fatal(err)
			}
		}, []string{"a"}, []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shmDir, outside := t.TempDir(), t.TempDir()
			r, err := OpenRun(shmDir, "run1")
			if err != nil {
				t.Fatal(err)
			}
			tt.make(t, r.Dir(), outside)
			r.Prune()
			_, err = os.Lstat(r.Dir())
			if tt.left == nil && err == nil {
				t.Errorf("the run dir is still there")
			}
			for _, p := range tt.left {
				if _, err := os.Lstat(filepath.Join(r.Dir(), p)); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
			for _, p := range tt.outsides {
				if _, err := os.Lstat(filepath.Join(outside, p)); err != nil {
					t.Errorf("outside %s: %v", p, err)
				}
			}
		})
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p string) {
	t.Helper()
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}
