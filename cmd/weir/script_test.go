package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/testenv"
	"github.com/weirflow/weir/shm"
)

// TestMain lets the test binary run as `weir` inside scripts: testscript
// copies it into $PATH under that name and picks the command by argv[0].
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"weir": func() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	// The example workflows live at the module root; scripts reach them
	// through $WORKFLOWS and skip when they are absent.
	workflows, err := filepath.Abs("../../workflows")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("WEIR_UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("WORKFLOWS", workflows)
			// Scripts match plain text; stderr is never a terminal there
			// anyway, but a developer's NO_COLOR must not matter either way.
			env.Setenv("NO_COLOR", "1")
			// Segments a failed run left are immutable when the tests run
			// as root; the work dir could not be removed otherwise.
			env.Defer(func() { shm.Unprotect(env.WorkDir) })
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":     exitcode,
			"waitfile":     waitfile,
			"sleep":        sleep,
			"openreport":   openreport,
			"defer_umount": deferUmount,
			"freeport":     freeport,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "workflows":
				st, err := os.Stat(workflows)
				return err == nil && st.IsDir(), nil
			case "root":
				return os.Geteuid() == 0, nil
			case "cgroup":
				// weir can make a memory cgroup per task here.
				m, err := cgroup.Detect()
				if err != nil {
					return false, nil
				}
				return true, m.Close()
			case "tmpfs-tmp":
				// The work dir is in memory: no directory there stands
				// for a disk.
				var st unix.Statfs_t
				return unix.Statfs(os.TempDir(), &st) == nil && st.Type == unix.TMPFS_MAGIC, nil
			case "chromium":
				if _, err := browser.Path(); err == nil {
					return true, nil
				}
				if testenv.RequireAll() {
					return false, errors.New("chromium is missing and WEIR_REQUIRE_ALL=1: " + browser.Install)
				}
				return false, nil
			case "slurm":
				// A cluster that accepts jobs: scripts/slurm-cluster start.
				if testenv.SlurmUp() {
					return true, nil
				}
				if testenv.RequireAll() {
					return false, errors.New("no Slurm cluster is up and WEIR_REQUIRE_ALL=1: run scripts/slurm-cluster start")
				}
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// exitcode N PROGRAM ARGS... runs a program like exec, and checks that it
// exits with status N: scripts otherwise only see success or failure, and
// weir's codes (1 a task failed, 2 invalid, 130 cancelled) are promises.
func exitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// waitfile PATH waits up to 10 seconds for a file to exist: a task writes
// it to say it has started.
func waitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile path [timeout]")
	}
	path := ts.MkAbs(args[0])
	// A cluster job may queue behind others: Slurm scripts wait longer.
	limit := 10 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		if err != nil {
			ts.Fatalf("waitfile: %v", err)
		}
		limit = d
	}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	ts.Fatalf("waitfile: %s did not appear within %s", args[0], limit)
}

// sleep DURATION pauses the script, for signals that must not arrive
// together (two pending SIGINTs merge into one).
func sleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep duration")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("sleep: %v", err)
	}
	time.Sleep(d)
}

// defer_umount DIR unmounts DIR (mounted by the script) when the script
// ends, however it ends, before its work dir is removed.
func deferUmount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: defer_umount dir")
	}
	dir := ts.MkAbs(args[0])
	ts.Defer(func() { exec.Command("umount", "-l", dir).Run() })
}

// freeport NAME sets $NAME to a TCP port on 127.0.0.1 that is free now, so
// that scripts running at once (and suites running at once) do not share
// one.
func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport name")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.Fatalf("freeport: %v", err)
	}
	defer ln.Close()
	ts.Setenv(args[0], strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
}
