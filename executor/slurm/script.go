package slurm

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
)

// Script is the batch script of an attempt. sbatch gets it on stdin, so no
// file has to be shared with the nodes. It enters the attempt's directory
// and execs its argv under `env -i` with exactly the attempt's environment
// plus the job's SLURM_* variables (a stage may run srun). Every value is
// single-quoted, so spaces, quotes and newlines arrive as they are.
func Script(s *executor.Spec) ([]byte, error) {
	cd, exec, err := commands(s)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# weir run %s, task %s, attempt %d\n", oneLine(s.RunID), oneLine(s.Task.ID), s.Attempt)
	b.WriteString(cd)
	b.WriteString(slurmVars)
	b.WriteString(exec)
	return []byte(b.String()), nil
}

// slurmVars puts NAME=VALUE of every SLURM_* variable in "$@"; awk's
// ENVIRON holds exact names, whatever newlines the values hold.
const slurmVars = `set --
for weir_v in $(awk 'BEGIN { for (k in ENVIRON) if (k ~ /^SLURM_[A-Za-z0-9_]*$/) print k }'); do
	eval "set -- \"\$@\" \"$weir_v=\${$weir_v}\""
done
`

// commands are the lines of a script that enter the attempt's directory
// (none without one) and exec its argv, with "$@" from slurmVars.
func commands(s *executor.Spec) (cd, exec string, err error) {
	if len(s.Argv) == 0 {
		return "", "", errors.New("slurm: empty argv")
	}
	for _, kv := range s.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return "", "", fmt.Errorf("slurm: environment entry %q is not KEY=VALUE", kv)
		}
	}
	if s.Dir != "" {
		q, err := quote(s.Dir)
		if err != nil {
			return "", "", err
		}
		cd = fmt.Sprintf("cd %s || { echo \"weir: cannot enter the working directory\" %s >&2; exit 127; }\n", q, q)
	}
	var b strings.Builder
	b.WriteString(`exec /usr/bin/env -i -- "$@"`)
	words := make([]string, 0, len(s.Env)+len(s.Argv)+3)
	words = append(words, s.Env...)
	if strings.Contains(s.Argv[0], "=") {
		// env would take it for a variable: let a shell exec it.
		words = append(words, "/bin/sh", "-c", `exec "$0" "$@"`)
	}
	words = append(words, s.Argv...)
	for _, w := range words {
		q, err := quote(w)
		if err != nil {
			return "", "", err
		}
		b.WriteString(" \\\n\t")
		b.WriteString(q)
	}
	b.WriteByte('\n')
	return cd, b.String(), nil
}

// quote single-quotes s for sh.
func quote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("slurm: %q holds a NUL byte, which no process can be given", s)
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'", nil
}

// oneLine keeps a comment on its line.
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// JobName is the name an attempt's job gets: unique per run, task and
// attempt, so that a job whose id never reached the journal (the engine
// died right after sbatch) can still be found by name.
func JobName(s *executor.Spec) string {
	return "weir-" + s.RunID + "-" + dag.Slug(s.Task.ID) + "-" + strconv.Itoa(s.Attempt)
}

// sbatchArgs are the options of an attempt's sbatch: its name, logs and
// working directory, then resourceArgs.
func sbatchArgs(s *executor.Spec, pool *dag.Pool) []string {
	args := []string{
		"--job-name=" + JobName(s),
		"--output=" + pathPattern(s.Stdout),
		"--error=" + pathPattern(s.Stderr),
	}
	if s.Dir != "" {
		args = append(args, "--chdir="+s.Dir)
	}
	return append(args, resourceArgs(s, pool)...)
}

// resourceArgs are the options an attempt shares with the other attempts
// of a job array: its caps and the pool's settings, whose sbatch_args come
// last so that they win.
func resourceArgs(s *executor.Spec, pool *dag.Pool) []string {
	args := []string{
		// sbatch runs with a small environment (commandEnv); the script
		// replaces it with the attempt's. NONE would make slurmd build a
		// login environment first (--get-user-env), which is slow.
		"--export=ALL",
		"--no-requeue",
	}
	if s.Memory > 0 {
		args = append(args, "--mem="+strconv.FormatInt(ceilDiv(s.Memory, 1<<20), 10)+"M")
	}
	if cpus := s.Task.CPUs; cpus > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(int(math.Ceil(cpus))))
	}
	if s.Timeout > 0 {
		// Slurm counts whole minutes and checks limits about every 30 s.
		args = append(args, "--time="+strconv.FormatInt(ceilDiv(int64(s.Timeout), 60e9), 10))
	}
	if pool != nil {
		if pool.Partition != "" {
			args = append(args, "--partition="+pool.Partition)
		}
		if pool.Account != "" {
			args = append(args, "--account="+pool.Account)
		}
		if pool.QOS != "" {
			args = append(args, "--qos="+pool.QOS)
		}
		args = append(args, pool.SbatchArgs...)
	}
	return args
}

// pathPattern escapes a path for --output/--error, where % starts a
// replacement (%j is the job id).
func pathPattern(p string) string { return strings.ReplaceAll(p, "%", "%%") }

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
