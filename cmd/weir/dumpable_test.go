package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/internal/testenv"
)

// TestStageCannotReadEngineEnviron: a stage runs as the engine's user, so
// on its own it could read /proc/$PPID/environ, and with it a secret
// exported before weir run that its own clean environment lacks. The
// engine is not dumpable, so the read fails. weir runs as an unprivileged
// user: root reads every environ.
func TestStageCannotReadEngineEnviron(t *testing.T) {
	uid, gid := testenv.OtherUser(t)
	dir, err := os.MkdirTemp("", "weir-dumpable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The test binary is weir; the other user needs a copy it may run.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	weir := filepath.Join(dir, "weir")
	copyFile(t, exe, weir, 0o755)
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o700)
	wf := `workflow "peek" {
  shm_dir = "shm"
}
stage "peek" {
  env_passthrough = ["PATH"]
  script = <<-EOT
    env | grep -c WEIR_TEST_SECRET > own || true
    if tr '\0' '\n' < /proc/$PPID/environ > parent 2>err; then echo read > how; else echo denied > how; fi
    tr '\0' ' ' < /proc/$PPID/cmdline > parent_cmdline
  EOT
}
`
	os.WriteFile(filepath.Join(work, "wf.hcl"), []byte(wf), 0o644)
	for _, p := range []string{dir, work, filepath.Join(work, "wf.hcl")} {
		os.Chown(p, uid, gid)
	}
	cmd := testenv.AsUser(t, uid, gid, weir, "run", "-q", "wf.hcl")
	cmd.Dir = work
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + work, "WEIR_TEST_SECRET=hunter2"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("weir run as uid %d: %v\n%s", uid, err, out)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(work, name))
		return strings.TrimSpace(string(b))
	}
	if !strings.Contains(read("parent_cmdline"), "weir run") {
		t.Fatalf("the stage's parent is %q, not the engine", read("parent_cmdline"))
	}
	if read("own") != "0" {
		t.Fatalf("the stage's own environment has the secret (%s lines)", read("own"))
	}
	if read("how") != "denied" || strings.Contains(read("parent"), "hunter2") {
		t.Fatalf("the stage read the engine's environ (%s): %q", read("how"), read("parent"))
	}
	t.Logf("reading /proc/$PPID/environ: %s", read("err"))
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
