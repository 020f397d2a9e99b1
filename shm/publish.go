package shm

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Publish copies a committed segment to dest atomically: the copy is
// written beside dest and renamed over it, so a reader of dest never sees
// half a file and a failed copy leaves any earlier dest as it was.
func Publish(segment, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	src, err := os.Open(segment)
	if err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*")
	if err != nil {
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("shm: publish %s: %w", dest, err)
	}
	return nil
}
