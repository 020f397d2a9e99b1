package testenv

import (
	"os/exec"
	"strings"
)

// SlurmUp reports whether a Slurm cluster here has a node ready for jobs
// (scripts/slurm-cluster start makes one).
func SlurmUp() bool {
	out, err := exec.Command("sinfo", "-h", "-N", "-o", "%t").Output()
	if err != nil {
		return false
	}
	// A node that is idle, mixed, allocated or completing jobs takes new
	// ones; down, drained, failed or not responding ones do not.
	for _, state := range strings.Fields(string(out)) {
		state = strings.TrimRight(state, "*~#!%$@^-")
		switch {
		case strings.HasPrefix(state, "idle"), strings.HasPrefix(state, "mix"),
			strings.HasPrefix(state, "alloc"), strings.HasPrefix(state, "comp"):
			return true
		}
	}
	return false
}
