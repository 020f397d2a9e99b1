package shm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/internal/testenv"
)

// TestShmDirPerUser: a missing shm_dir is made 0700; one another user
// made first (as /dev/shm/weir was, 0755, by the first user) is refused
// rather than used, and another user cannot lock this one out of its own.
func TestShmDirPerUser(t *testing.T) {
	base, err := os.MkdirTemp("", "weir-shmdir-") // reachable by the other user
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	own := filepath.Join(base, "weir-me")
	r, err := OpenRun(own, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(own); fi.Mode().Perm() != 0o700 {
		t.Errorf("shm_dir made %v, want 0700", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(r.Dir()); fi.Mode().Perm() != 0o700 {
		t.Errorf("run dir made %v, want 0700", fi.Mode().Perm())
	}

	uid, gid := testenv.OtherUser(t)
	link := filepath.Join(base, "link") // planted by the other user
	os.Symlink(own, link)
	os.Lchown(link, uid, gid)
	if _, err := OpenRun(link, "r2"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a linked shm_dir: %v, want a refusal", err)
	}
	os.Chmod(base, 0o1777) // as /dev/shm
	theirs := filepath.Join(base, "weir")
	cmd := testenv.AsUser(t, uid, gid, "mkdir", "-m", "0755", theirs)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkdir as uid %d: %v\n%s", uid, err, out)
	}
	if _, err := OpenRun(theirs, "r3"); err == nil || !strings.Contains(err.Error(), "belongs to uid") {
		t.Errorf("another user's shm_dir: %v, want a refusal", err)
	}
	// The other user can make its own beside, and so can this one.
	cmd = testenv.AsUser(t, uid, gid, "mkdir", "-m", "0700", filepath.Join(base, "weir-them"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := OpenRun(filepath.Join(base, "weir-me2"), "r4"); err != nil {
		t.Fatal(err)
	}
}
