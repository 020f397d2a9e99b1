// Package shmtest has test helpers for code that commits segments.
package shmtest

import (
	"testing"

	"github.com/weirflow/weir/shm"
)

// TempDir is t.TempDir for tests that commit segments in it: committed
// segments are immutable where the test runs as root, and the testing
// package's own cleanup could not remove them.
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { shm.Unprotect(dir) }) // runs before TempDir's removal
	return dir
}
