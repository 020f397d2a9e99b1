// Package proc starts, tracks and reaps every child process of weir.
//
// # Never use os/exec after Init
//
// Init makes weir a child subreaper and starts ONE goroutine that reaps
// every child of the process with wait4(-1): orphaned grandchildren that
// the kernel reparents to weir (whose statuses are simply discarded, so no
// zombie is left behind for long), and, where the kernel has no pidfds, the
// children weir starts too. With pidfds (Linux 5.3) a started child's
// waiter reaps it through its pidfd (Process.WaitUntil) and the reaper
// sweeps for orphans every 100 ms. The reaper also takes the exit status
// of children started any other way.
// Once Init has run, os/exec, os.StartProcess and syscall.ForkExec MUST NOT
// be used anywhere in the engine, nor by any library it calls: their Wait
// fails with "no child processes" or reports nothing. Start tasks with Start
// and run helper commands (sbatch, squeue, ...) with Output.
//
// # What a child gets
//
// Start forks with syscall.ForkExec. Every child gets its own process group
// (SignalGroup reaches the whole group), a parent-death signal (SIGKILL by
// default), /dev/null as stdin unless given one, only file descriptors 0, 1
// and 2, the CPU affinity asked for, the environment it is given and nothing
// of weir's (a nil Env is an empty environment), and a high RLIMIT_NOFILE
// soft limit (Init raises weir's soft limit to the hard one, which also
// stops Go from restoring the lower original soft limit in children).
// Argv[0] without a slash is looked up in the PATH of the child's Env, not
// weir's.
//
// # Threads and the parent-death signal
//
// The kernel sends the parent-death signal when the OS thread that forked
// the child exits, not when weir exits (golang/go#27505). Start forks on a
// goroutine that locks its OS thread only for Attr.Before, the fork and the
// after hook, then unlocks it, so the thread goes back to the runtime, which
// never ends a thread on its own. The consequence for the rest of the
// engine: no goroutine in weir may return while holding
// runtime.LockOSThread, because the runtime then ends that thread and every
// task ever forked from it is killed by its parent-death signal. For the
// same reason a thread whose cgroup or affinity cannot be restored after a
// fork is parked for good, not ended. The main thread never forks (on cgroup
// v1 it would join the task's cgroup, and an OOM there kills the engine).
//
// The package is Linux-only; elsewhere Init and Start return
// errors.ErrUnsupported.
package proc
