// Package executor runs a dag.Plan: the scheduler admits ready tasks by pool
// slots and memory budget, longest remaining path first; a Runner starts each
// attempt (a local process in its own cgroup, or a Slurm job) behind one
// interface; retries, timeouts, cancellation and the failure policy live
// here, and every transition is recorded in a Journal before the scheduler
// acts on it.
package executor
