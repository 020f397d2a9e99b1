package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/internal/procstat"
)

// waitOwn waits for cmd to exit and returns the CPU its own threads used,
// apart from the children it reaped (weir's tasks): it is read from
// /proc/PID/stat while the process is a zombie, before Wait reaps it. The
// tasks' CPU is the same whoever spawns them and dwarfs what the engine
// adds; this is the part a change to the engine moves.
func waitOwn(cmd *exec.Cmd) (time.Duration, error) {
	pid := cmd.Process.Pid
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("waitid %d: %w", pid, err)
		}
		break
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return procstat.ParseCPU(b)
}
