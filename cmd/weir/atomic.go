package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces name with data so that readers see the old or
// the new content, never a half-written file: it writes a temporary file
// beside it and renames it over. The file keeps its mode; a symlink keeps
// pointing at the rewritten target instead of being replaced by a file.
func writeFileAtomic(name string, data []byte) error {
	target, err := filepath.EvalSymlinks(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		target = name
	case err != nil:
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		mode = st.Mode().Perm()
	}

	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	// On any failure below the temporary file must not be left behind.
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	// CreateTemp makes the file 0600; restore the original permissions.
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, unwrapPathError(err))
	}
	ok = true
	return nil
}
