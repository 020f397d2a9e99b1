package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/weirflow/weir/internal/beneath"
)

// TestRunFilesNoLinks: events.jsonl or run.json replaced by a link to
// another file of the user's is refused, not read.
func TestRunFilesNoLinks(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte(`{"seq":1,"kind":"run_started"}`+"\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, "runs", "r1"), 0o700)
	os.Symlink(secret, filepath.Join(dir, "runs", "r1", eventsJSONL))
	if _, err := ReadEvents(dir, "r1"); !errors.Is(err, beneath.ErrNotRegular) {
		t.Errorf("ReadEvents through a link: %v, want ErrNotRegular", err)
	}
	os.Symlink(secret, filepath.Join(dir, "runs", "r1", runJSON))
	if _, _, err := summaryFromLog(dir, "r1"); err == nil {
		t.Error("summaryFromLog read run.json through a link")
	}
}
