package ui

import (
	"io"
	"os"
	"path/filepath"

	"github.com/weirflow/weir/internal/beneath"
)

// open opens a file of the run's directory with no symbolic link followed
// below the state dir: a log replaced by a link to another of the user's
// files must not be served.
func (h *hub) open(path string) (*os.File, error) {
	return beneath.Open(filepath.Dir(filepath.Dir(h.dir)), path)
}

// readFile is os.ReadFile through open.
func (h *hub) readFile(path string) ([]byte, error) {
	f, err := h.open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
