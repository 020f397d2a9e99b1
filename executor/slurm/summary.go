package slurm

import (
	"fmt"
	"strings"
)

// Summary says in one line what the runner asked of Slurm for the attempts
// it submitted: sbatch and squeue calls, in all and per attempt, the other
// commands, the waits for the cluster's limits and the sbatch calls
// slurmctld refused. It is "" when the runner submitted nothing.
func (r *Runner) Summary() string {
	n := r.submitted.Load()
	if n == 0 {
		return ""
	}
	st := r.Stats()
	var b strings.Builder
	fmt.Fprintf(&b, "Slurm: %d attempts submitted with %d sbatch calls (%.3f an attempt) and watched with %d squeue calls (%.3f an attempt); %d other calls",
		n, st.Sbatch, float64(st.Sbatch)/float64(n), st.Squeue, float64(st.Squeue)/float64(n), st.Scontrol+st.Scancel+st.Sacct)
	if waits, waited := r.Waits(); waits > 0 {
		fmt.Fprintf(&b, "; submissions waited %d times (%v in all) for the cluster's limits", waits, waited.Round(1e9))
	}
	if st.Refused > 0 {
		fmt.Fprintf(&b, "; slurmctld refused %d sbatch calls for want of room, and they went again", st.Refused)
	}
	return b.String()
}
