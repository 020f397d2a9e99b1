package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/internal/procstat"
	"github.com/weirflow/weir/store"
)

// signalEngine sends sig to the engine of run, in state dir dir, once it
// is proven to be that engine: run.json is a file anyone may have written
// (a copied state dir), so its pid alone would let weir cancel signal any
// process. The proof: the store's lock is held by the engine engine.lock
// names; that engine is the run's (pid and a non-zero start time); the
// process with that pid, held by a pidfd so it cannot be swapped, started
// then, belongs to this user and runs weir. The signal goes through the
// pidfd.
func signalEngine(dir string, run store.RunRecord, sig syscall.Signal) error {
	e := run.Engine
	refuse := func(why string) error {
		return fmt.Errorf("will not signal pid %d for run %s: %s; if the run is really running, stop it with Ctrl-C in its terminal", e.Pid, run.ID, why)
	}
	if e.Pid <= 0 || e.StartTime == 0 {
		return refuse("its record has no engine pid and start time")
	}
	held, err := store.Holding(dir)
	if err != nil {
		return refuse(err.Error())
	}
	if held.Pid != e.Pid || held.StartTime != e.StartTime {
		return refuse(fmt.Sprintf("the engine holding %s is pid %d, not the run's", dir, held.Pid))
	}
	pidfd, err := unix.PidfdOpen(e.Pid, 0)
	if err != nil && !errors.Is(err, unix.ENOSYS) {
		return refuse(fmt.Sprintf("pidfd_open: %v", err))
	}
	if pidfd >= 0 {
		defer unix.Close(pidfd)
	}
	// Read after the pidfd is open: if pid is still that start time now,
	// the pidfd is that process and stays it.
	if _, start, err := procstat.Read(e.Pid); err != nil || start != e.StartTime {
		return refuse("that pid is another process now")
	}
	if uid, err := realUID(e.Pid); err != nil || uid != os.Getuid() {
		return refuse("that process is not yours")
	}
	if !runsWeir(e.Pid) {
		return refuse("that process is not weir")
	}
	if pidfd < 0 { // a kernel before 5.3
		return syscall.Kill(e.Pid, sig)
	}
	return unix.PidfdSendSignal(pidfd, sig, nil, 0)
}

// realUID is the real uid in /proc/<pid>/status, which every user may
// read (an engine is not dumpable, so its /proc directory is root's).
func realUID(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1, err
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("Uid:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				return strconv.Atoi(string(f[0]))
			}
		}
	}
	return -1, errors.New("no Uid line")
}

// runsWeir reports whether pid's argv[0] is weir (or this program's own
// name): /proc/<pid>/exe cannot be read for a process that is not
// dumpable, its cmdline can.
func runsWeir(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(b, []byte{0})
	name := filepath.Base(string(argv0))
	return name == "weir" || name == filepath.Base(os.Args[0])
}
