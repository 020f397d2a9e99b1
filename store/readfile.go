package store

import (
	"io"

	"github.com/weirflow/weir/internal/beneath"
)

// readRunFile reads a file of a run directory below state dir dir with no
// symbolic link followed: run files are views a copied state dir may have
// replaced with links to other files of the user's.
func readRunFile(dir, path string) ([]byte, error) {
	f, err := beneath.Open(dir, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
