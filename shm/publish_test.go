package shm

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPublishLinks: a link another user planted on the way to a publish
// target is refused and nothing is written where it points; the user's own
// links are followed; a link at the target itself is replaced, never
// written through.
func TestPublishLinks(t *testing.T) {
	root := os.Geteuid() == 0
	tests := []struct {
		name string
		// plant makes the layout under dir and returns the publish target
		// and the file a hostile link would have weir write.
		plant    func(t *testing.T, dir string) (dest, victim string)
		ok       bool
		needRoot bool
	}{
		{"plain", func(t *testing.T, dir string) (string, string) {
			return filepath.Join(dir, "results", "out.bin"), ""
		}, true, false},
		{"parent a link of another user's", func(t *testing.T, dir string) (string, string) {
			victimDir := mkdirs(t, dir, "victim")
			foreignLink(t, victimDir, filepath.Join(dir, "results"))
			return filepath.Join(dir, "results", "out.bin"), filepath.Join(victimDir, "out.bin")
		}, false, true},
		{"grandparent a link of another user's", func(t *testing.T, dir string) (string, string) {
			victimDir := mkdirs(t, dir, "victim")
			mkdirs(t, victimDir, "sub")
			foreignLink(t, victimDir, filepath.Join(dir, "results"))
			return filepath.Join(dir, "results", "sub", "out.bin"), filepath.Join(victimDir, "sub", "out.bin")
		}, false, true},
		{"own link to another user's link", func(t *testing.T, dir string) (string, string) {
			victimDir := mkdirs(t, dir, "victim")
			foreignLink(t, victimDir, filepath.Join(dir, "hop"))
			if err := os.Symlink(filepath.Join(dir, "hop"), filepath.Join(dir, "results")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "results", "out.bin"), filepath.Join(victimDir, "out.bin")
		}, false, true},
		{"own link", func(t *testing.T, dir string) (string, string) {
			mkdirs(t, dir, "elsewhere")
			if err := os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "results")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "results", "out.bin"), ""
		}, true, false},
		{"target a link", func(t *testing.T, dir string) (string, string) {
			victim := filepath.Join(mkdirs(t, dir, "victim"), "secret")
			if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(mkdirs(t, dir, "results"), "out.bin")
			if err := os.Symlink(victim, dest); err != nil {
				t.Fatal(err)
			}
			return dest, victim
		}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needRoot && !root {
				t.Skip("needs root to plant a link of another user's")
			}
			dir := t.TempDir()
			seg := filepath.Join(dir, "seg")
			if err := os.WriteFile(seg, []byte("data"), 0o444); err != nil {
				t.Fatal(err)
			}
			dest, victim := tt.plant(t, dir)
			err := Publish(seg, dest)
			if (err == nil) != tt.ok {
				t.Fatalf("Publish = %v, want ok %v", err, tt.ok)
			}
			if victim != "" {
				if b, _ := os.ReadFile(victim); string(b) == "data" {
					t.Errorf("the copy was written through a link to %s", victim)
				}
			}
			if !tt.ok {
				return
			}
			fi, err := os.Lstat(dest)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != PublishMode {
				t.Fatalf("dest %v, %v: want a regular file of mode %o", fi.Mode(), err, PublishMode)
			}
			if b, _ := os.ReadFile(dest); string(b) != "data" {
				t.Errorf("dest = %q", b)
			}
		})
	}
}

func mkdirs(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// foreignLink makes a link at at to to, owned by nobody (65534).
func foreignLink(t *testing.T, to, at string) {
	t.Helper()
	if err := os.Symlink(to, at); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(at, 65534, 65534); err != nil {
		t.Fatal(err)
	}
}
