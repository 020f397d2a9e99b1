package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckOutput(t *testing.T) {
	seg := filepath.Join(t.TempDir(), "r1")
	victim := t.TempDir() // what a crafted record points at
	mkfile := func(p string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("rows"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(to, at string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(at), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(to, at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	good := mkfile(filepath.Join(seg, "extract", "rows"))
	mkfile(filepath.Join(victim, "rows"))
	link(victim, filepath.Join(seg, "dirlink"))
	link(filepath.Join(victim, "rows"), filepath.Join(seg, "filelink", "rows"))
	if err := os.MkdirAll(filepath.Join(seg, "isdir", "rows"), 0o700); err != nil {
		t.Fatal(err)
	}
	foreign := mkfile(filepath.Join(seg, "foreign", "rows"))
	root := os.Geteuid() == 0
	if root {
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	d := RunDirs{ID: "r1", Segments: []string{seg}}

	tests := []struct {
		name     string
		task     string
		out      OutputRecord
		exists   bool
		ok       bool
		needRoot bool
	}{
		{"own output", "extract", OutputRecord{Name: "rows", Path: good}, true, true, false},
		{"released", "extract", OutputRecord{Name: "gone", Path: filepath.Join(seg, "extract", "gone")}, false, true, false},
		{"outside the run", "extract", OutputRecord{Name: "rows", Path: filepath.Join(victim, "rows")}, false, false, false},
		{"another task's", "shard", OutputRecord{Name: "rows", Path: good}, false, false, false},
		{"climbs", "extract", OutputRecord{Name: "rows", Path: seg + "/extract/../../rows"}, false, false, false},
		{"name climbs", "extract", OutputRecord{Name: "..", Path: seg}, false, false, false},
		{"name with a slash", "extract", OutputRecord{Name: "a/b", Path: filepath.Join(seg, "extract", "a", "b")}, false, false, false},
		{"no name", "extract", OutputRecord{Path: filepath.Join(seg, "extract")}, false, false, false},
		{"task dir a link", "dirlink", OutputRecord{Name: "rows", Path: filepath.Join(seg, "dirlink", "rows")}, true, false, false},
		{"file a link", "filelink", OutputRecord{Name: "rows", Path: filepath.Join(seg, "filelink", "rows")}, true, false, false},
		{"a directory", "isdir", OutputRecord{Name: "rows", Path: filepath.Join(seg, "isdir", "rows")}, true, false, false},
		{"someone else's", "foreign", OutputRecord{Name: "rows", Path: foreign}, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needRoot && !root {
				t.Skip("needs root to give a file to another user")
			}
			exists, err := CheckOutput(d, tt.task, tt.out)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckOutput = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrUnsafe) {
				t.Errorf("error %v does not wrap ErrUnsafe", err)
			}
			if tt.ok && exists != tt.exists {
				t.Errorf("exists = %v, want %v", exists, tt.exists)
			}
		})
	}
	// With no checked segment directory nothing is the run's.
	if _, err := CheckOutput(RunDirs{ID: "r1"}, "extract", OutputRecord{Name: "rows", Path: good}); err == nil {
		t.Error("an output accepted without a checked segment directory")
	}
}

// BenchmarkCheckOutput is what a resume adds per reused output, against
// the os.Stat that was all it did before (Baseline), in the same run.
func BenchmarkCheckOutput(b *testing.B) {
	seg := filepath.Join(b.TempDir(), "r1")
	path := filepath.Join(seg, "extract", "rows")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("rows"), 0o600); err != nil {
		b.Fatal(err)
	}
	d := RunDirs{ID: "r1", Segments: []string{seg}}
	o := OutputRecord{Name: "rows", Path: path}
	b.Run("Baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := os.Stat(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if _, err := CheckOutput(d, "extract", o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
