package beneath

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestOpen(t *testing.T) {
	root := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("secret"), 0o600)
	os.MkdirAll(filepath.Join(root, "runs", "r1", "logs"), 0o700)
	os.WriteFile(filepath.Join(root, "runs", "r1", "logs", "a.1.stdout"), []byte("ok"), 0o600)
	os.Symlink(secret, filepath.Join(root, "runs", "r1", "logs", "link.stdout"))
	os.Symlink(filepath.Join(root, "runs", "r1"), filepath.Join(root, "runs", "r2"))
	syscall.Mkfifo(filepath.Join(root, "runs", "r1", "logs", "fifo"), 0o600)
	os.Mkdir(filepath.Join(root, "runs", "r1", "logs", "dir"), 0o700)

	for _, force := range []bool{false, true} {
		noOpenat2.Store(force)
		name := "openat2"
		if force {
			name = "O_NOFOLLOW"
		}
		t.Run(name, func(t *testing.T) {
			f, err := Open(root, filepath.Join(root, "runs", "r1", "logs", "a.1.stdout"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(f)
			f.Close()
			if string(b) != "ok" {
				t.Fatalf("read %q", b)
			}
			for _, p := range []string{"runs/r1/logs/link.stdout", "runs/r2/logs/a.1.stdout", "runs/r1/logs/fifo", "runs/r1/logs/dir"} {
				f, err := Open(root, filepath.Join(root, p))
				if err == nil {
					f.Close()
					t.Errorf("%s: opened", p)
				} else if !errors.Is(err, ErrNotRegular) {
					t.Errorf("%s: %v, want ErrNotRegular", p, err)
				}
			}
			if _, err := Open(root, filepath.Join(root, "runs", "r1", "logs", "none")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("missing: %v, want ErrNotExist", err)
			}
			if _, err := Open(root, secret); err == nil {
				t.Error("opened a file outside root")
			}
		})
	}
	noOpenat2.Store(false)
}
