// Package cgroup gives every task its own memory cgroup: a kernel-enforced
// memory cap with swap off, and an identity that outlives the process tree
// (a grandchild that double-forked and called setsid is still in it, so
// Kill reaches it).
//
// Detect finds how memory can be capped on this host, in this order:
//
//   - cgroup v2 with the memory controller available to a child of the
//     engine's own cgroup (a delegated subtree, or the root);
//   - cgroup v1's memory controller, writable, below the engine's own memory
//     cgroup (read from /proc/self/cgroup: it is often not the root);
//   - neither: an error wrapping ErrUnavailable that says why, so the caller
//     falls back to a watchdog.
//
// Layout, with <own> the engine's own cgroup directory:
//
//	<own>/weir-<pid>-<start>/          one per engine (Manager), removed by Close
//	<own>/weir-<pid>-<start>/<n>-<name> one per task (Cgroup), removed by Delete
//	<own>/weir-engine-<pid>-<start>/   v2 only, see below
//
// <start> is the engine's start time in clock ticks (/proc/<pid>/stat field
// 22), so Sweep can tell a crashed engine's directory from a live one even
// after its pid was reused.
//
// # Starting a child inside its cgroup
//
// The child must be in its cgroup before it runs one instruction of the
// task, or an early allocation escapes the cap. Call Prepare on a goroutine
// locked to its OS thread (runtime.LockOSThread) right before the fork, and
// the function it returns right after the fork returns:
//
//   - v2: Prepare opens the cgroup directory and sets UseCgroupFD/CgroupFD
//     in the SysProcAttr, so clone3(CLONE_INTO_CGROUP) creates the child in
//     the cgroup; after closes the descriptor.
//   - v1 has no clone-into-cgroup. Prepare moves the calling OS thread into
//     the task's cgroup (v1 allows per-thread membership: the thread id goes
//     to the `tasks` file), so the forked child starts there; after moves
//     the thread back to the engine's own cgroup. This costs two writes
//     instead of a re-exec of a join-and-exec shim (platform.md: 0.65 s
//     against 1.1 s for 1,000 `true`).
//
// Rules for the v1 thread move, which the caller must keep:
//
//   - Never on the main thread. Measured here: with the engine's main thread
//     (the thread-group leader) inside a task cgroup when that task hits its
//     cap, the kernel's memcg OOM killer counts the whole engine as a member
//     and killed the engine (it had the larger RSS); with any other thread
//     inside, only the task was killed. Prepare returns ErrMainThread on the
//     main thread. The engine should lock its main goroutine to the main
//     thread in an init function (runtime.LockOSThread), so that no other
//     goroutine ever runs there.
//   - If after returns an error the thread may still be in the task's
//     cgroup: do not call runtime.UnlockOSThread; let the goroutine exit
//     while locked, so the Go runtime ends that thread instead of reusing it.
//   - The Go runtime does not clone new threads from a locked thread (it
//     asks its template thread), so no runtime thread inherits the task's
//     cgroup during the window.
//
// # cgroup v2 and the "no internal processes" rule
//
// A v2 cgroup can hand the memory controller to its children only while it
// holds no processes itself (the root excepted). If the engine's own v2
// cgroup lacks memory in cgroup.subtree_control, Detect enables it; when
// the engine's processes are in that cgroup, it first moves the engine into
// a leaf of its own, <own>/weir-engine-<pid>-<start>, and only if the engine
// is the sole process there (as in a container where weir is PID 1, or a
// `systemd-run --scope -p Delegate=yes` unit). With other processes in the
// cgroup Detect does not touch them and reports v2 unusable. The engine
// stays in its leaf until it exits (moving back would need memory disabled
// again in <own>); Sweep removes leaves of engines that are gone.
package cgroup
