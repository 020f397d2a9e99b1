package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor/slurm"
)

// arrayWindow is how long a Slurm task's start waits for others of its
// stage to share one job array.
const arrayWindow = 20 * time.Millisecond

// usesSlurm reports whether any pool of the plan runs its tasks on Slurm.
func usesSlurm(plan *dag.Plan) bool {
	for _, p := range plan.Pools {
		if p.Executor == "slurm" {
			return true
		}
	}
	return false
}

// newSlurmRunner starts the runner of the plan's Slurm pools, after
// checking that the Slurm commands are there to run.
func newSlurmRunner(log io.Writer, env []string, plan *dag.Plan) (*slurm.Runner, error) {
	for _, cmd := range []string{"sbatch", "squeue", "scontrol", "scancel"} {
		if !onPath(env, cmd) {
			var pools []string
			for _, p := range plan.Pools {
				if p.Executor == "slurm" {
					pools = append(pools, fmt.Sprintf("%q", p.Name))
				}
			}
			return nil, fmt.Errorf("pool %s runs its tasks on Slurm (executor = \"slurm\"), but %s is not on PATH: run weir where the Slurm client tools are installed (Debian: slurm-client)",
				strings.Join(pools, ", "), cmd)
		}
	}
	// The tasks of a for_each stage that start together go to Slurm as one
	// job array, as Slurm users expect: one sbatch instead of hundreds.
	// Submissions that wait for the cluster's limits (MaxJobCount,
	// MaxArraySize) say so: a run may sit still for minutes.
	notify := func(msg string) { fmt.Fprintf(log, "weir: %s\n", msg) }
	return slurm.New(slurm.Options{Pools: plan.Pools, Env: env, ArrayWindow: arrayWindow, Notify: notify}), nil
}

// onPath reports whether program is an executable file in env's PATH.
func onPath(env []string, program string) bool {
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		if st, err := os.Stat(filepath.Join(dir, program)); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}
