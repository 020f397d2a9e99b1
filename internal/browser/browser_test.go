package browser

import (
	"os"
	"path/filepath"
	"testing"
)

// Start and Close leave nothing in the temporary directory: neither the
// profile nor the singleton socket Chromium makes there.
func TestCloseLeavesNoTempFiles(t *testing.T) {
	// Short enough for the socket's path inside it (t.TempDir's is not).
	tmp, err := os.MkdirTemp("", "wb")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	t.Setenv("TMPDIR", tmp)
	tab := New(t)
	tab.Close()
	left, err := filepath.Glob(filepath.Join(tmp, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}
