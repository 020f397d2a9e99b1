//go:build !linux

package proc

import (
	"errors"
	"os"
)

// unread cannot ask the pipe here: Output then stops reading at once.
func unread(*os.File) (int, error) { return 0, errors.New("proc: unread: not on this system") }
