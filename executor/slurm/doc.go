// Package slurm runs attempts as Slurm batch jobs through the Slurm
// command-line tools: sbatch --parsable submits, one squeue call per poll
// interval watches every job of the runner, scancel stops, and scontrol,
// the jobcomp/filetxt log or sacct tell how a job ended that squeue no
// longer lists (a job that ended while no engine watched it).
//
// Every command runs through proc.Output under a timeout: while slurmctld
// is down, squeue and sbatch block about 10 s and fail.
//
// # What a job runs
//
// The batch script (see Script) is handed to sbatch on stdin and execs the
// task's argv under `env -i` with exactly the attempt's environment, plus
// the SLURM_* variables Slurm sets for the job, so values with spaces,
// quotes or newlines arrive intact and nothing of the engine's environment
// leaks in. sbatch itself runs with a small environment (PATH, HOME, user,
// SLURM_CONF and SBATCH_* defaults), so slurmctld stores nothing secret.
//
// # Outcomes
//
//	COMPLETED                        succeeded
//	FAILED with exit code N:0        exit N
//	FAILED with exit code 0:N        signal N
//	OUT_OF_MEMORY                    oom (past --mem, enforced by Slurm's cgroup)
//	TIMEOUT, DEADLINE                timeout (past --time; minute granularity)
//	CANCELLED                        cancelled, or the cause given to Stop
//	NODE_FAIL, PREEMPTED, BOOT_FAIL  lost (retried where retry allows it)
//
// A task's timeout becomes --time in whole minutes, rounded up, and the
// runner also stops the job itself once the timeout has passed since the
// job started (Options.TimeLimitOnly turns that off): Slurm checks limits
// only about every 30 s. Memory is Slurm's to enforce (--mem, with
// task/cgroup); where the job's cgroup is on this machine the runner
// samples it into Spec.Samples and reports its peak. CPU time needs
// accounting and is not reported. Spec.CPUSet does not apply: placing a
// job on CPUs is Slurm's business.
//
// With Options.ArrayWindow, attempts of one for_each stage that start
// together go to Slurm as one job array (array.go), of at most the
// cluster's MaxArraySize elements.
//
// # Limits
//
// The runner reads MaxJobCount, MaxArraySize and MinJobAge from scontrol
// show config at its first Start, and submits only while slurmctld has
// room: it counts the jobs slurmctld holds (every user's, finished ones
// until MinJobAge) with one squeue when its own estimate says the cluster
// is full, leaves a tenth of MaxJobCount to other jobs, and otherwise
// waits, telling Options.Notify, while finished jobs age out (gate.go).
// A wide stage thus goes in windows instead of sbatch blocking on a full
// controller. An sbatch that slurmctld refuses all the same (it counts
// jobs squeue does not list) is not a failed task: its room is given back,
// the gate learns what the count missed, and it goes again when there is
// room. Options.MaxSubmitJobs bounds the runner's own pending and running
// jobs, as an association's MaxSubmitJobs does; where accounting runs, the
// smallest MaxSubmitJobs of the user's associations (sacctmgr) bounds them
// too (submitlimit.go).
//
// After an engine restart, Runner.Reattach finds an attempt's job again
// from its handle state (the job id), or by its unique job name when the
// engine died between sbatch and its journal entry.
//
// Jobs are submitted with --no-requeue so that a node failure reaches
// weir's retry policy instead of silently running the attempt again; a
// pool's sbatch_args can say --requeue.
package slurm
