package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFilePrivate replaces name with data, readable by the user alone
// (0600): a report holds env values and log tails. The data goes to a new
// file made beside name with O_EXCL (os.CreateTemp), which no link planted
// in the directory can redirect, and is renamed over name: a symbolic link
// at name is replaced, never written through. In a sticky directory such
// as /tmp, the rename fails on a file of another user's, as it should.
func writeFilePrivate(name string, data []byte) error {
	fail := func(err error) error {
		return fmt.Errorf("cannot write %s: %w; choose another path with -o", name, unwrapPathError(err))
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fail(err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil { // CreateTemp's mode, stated
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fail(err)
	}
	ok = true
	return nil
}
