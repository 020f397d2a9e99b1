package proc

import (
	"errors"
	"fmt"
	"github.com/weirflow/weir/internal/procstat"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Start starts a child as Attr describes; the reaper collects its exit
// (Process.Wait). Init must have been called.
//
// The fork runs on a fresh goroutine that holds its OS thread locked across
// Before, the affinity change, the fork and the undoing of both, so the
// thread-wide state they change is exactly what the child inherits. The
// thread is then unlocked and returned to the runtime, never ended (which
// would fire the parent-death signal of its children). If the thread's state
// cannot be restored, the child is killed, Start fails, and the goroutine
// stays parked on its locked thread forever instead. The main thread never
// forks: on cgroup v1, a task cgroup holding the thread-group leader makes
// an OOM there kill the whole engine.
func Start(a Attr) (*Process, error) {
	s, err := newSpawn(a)
	if err != nil {
		return nil, err
	}
	go s.run(nil)
	res := <-s.res
	return res.p, res.err
}

func newSpawn(a Attr) (*spawn, error) {
	r := global.Load()
	if r == nil {
		return nil, errors.New("proc: start: proc.Init has not been called")
	}
	if len(a.Argv) == 0 || a.Argv[0] == "" {
		return nil, errors.New("proc: start: empty argv")
	}
	env := dedupEnv(a.Env)
	path, err := lookPath(a.Argv[0], env, a.Dir)
	if err != nil {
		return nil, err
	}
	s := &spawn{
		r:     r,
		path:  path,
		argv:  a.Argv,
		attr:  a,
		files: [3]*os.File{orNull(a.Stdin, r), orNull(a.Stdout, r), orNull(a.Stderr, r)},
		sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: a.Pdeathsig},
		res:   make(chan spawnResult, 1),
	}
	s.pa = syscall.ProcAttr{Dir: a.Dir, Env: env, Sys: s.sys}
	if s.sys.Pdeathsig == 0 {
		s.sys.Pdeathsig = syscall.SIGKILL
	}
	if len(a.CPUSet) > 0 {
		s.cpus = new(unix.CPUSet)
		for _, c := range a.CPUSet {
			if c < 0 || c >= 8*int(unsafe.Sizeof(*s.cpus)) {
				return nil, fmt.Errorf("proc: start %q: cpu %d out of range", a.Argv[0], c)
			}
			s.cpus.Set(c)
		}
	}
	return s, nil
}

func orNull(f *os.File, r *reaper) *os.File {
	if f == nil {
		return r.devNull
	}
	return f
}

type spawn struct {
	r     *reaper
	path  string
	argv  []string
	attr  Attr
	files [3]*os.File
	pa    syscall.ProcAttr
	sys   *syscall.SysProcAttr
	cpus  *unix.CPUSet
	res   chan spawnResult
}

type spawnResult struct {
	p   *Process
	err error
}

// run is the body of the spawning goroutine. locked, if not nil, is closed
// once run holds a thread other than the main one.
func (s *spawn) run(locked chan<- struct{}) {
	runtime.LockOSThread()
	if syscall.Gettid() == s.r.pid {
		// On the main thread: hand over to a goroutine that cannot be
		// scheduled here while this one keeps the thread locked.
		next := make(chan struct{})
		go s.run(next)
		<-next
		runtime.UnlockOSThread()
		return
	}
	if locked != nil {
		close(locked)
	}
	p, tainted, err := s.onLockedThread()
	if tainted {
		// The thread is in an unknown cgroup or affinity: it must not run
		// other goroutines, and must not exit either, since earlier tasks
		// forked from it would get their parent-death signal. Park it.
		s.res <- spawnResult{nil, err}
		select {}
	}
	runtime.UnlockOSThread()
	s.res <- spawnResult{p, err}
}

// onLockedThread prepares the thread, forks, and restores the thread.
// tainted reports that the restore failed (the child is then dead).
func (s *spawn) onLockedThread() (p *Process, tainted bool, err error) {
	name := s.argv[0]
	var after func() error
	if s.attr.Before != nil {
		if after, err = s.attr.Before(s.sys); err != nil {
			return nil, false, fmt.Errorf("proc: start %q: prepare: %w", name, err)
		}
	}
	var old unix.CPUSet
	var restoreErr error
	if s.cpus != nil {
		// The child inherits the forking thread's mask; set it on this
		// thread only for the fork.
		if err = unix.SchedGetaffinity(0, &old); err == nil {
			err = unix.SchedSetaffinity(0, s.cpus)
		}
		if err != nil {
			err = fmt.Errorf("proc: start %q: set affinity %v: %w", name, s.attr.CPUSet, err)
			if after != nil {
				if aerr := after(); aerr != nil {
					return nil, true, errors.Join(err, fmt.Errorf("proc: start %q: undo prepare: %w", name, aerr))
				}
			}
			return nil, false, err
		}
	}
	p, err = s.forkRegister()
	// Undo in this order: moving the thread back into a cpuset cgroup
	// resets its mask, so the original mask goes back last.
	if after != nil {
		if aerr := after(); aerr != nil {
			restoreErr = fmt.Errorf("proc: start %q: undo prepare: %w", name, aerr)
		}
	}
	if s.cpus != nil {
		if aerr := unix.SchedSetaffinity(0, &old); aerr != nil {
			restoreErr = errors.Join(restoreErr, fmt.Errorf("proc: start %q: restore affinity: %w", name, aerr))
		}
	}
	if restoreErr != nil {
		if p != nil {
			p.SignalGroup(syscall.SIGKILL)
			p.Wait()
		}
		return nil, true, errors.Join(err, restoreErr)
	}
	return p, false, err
}

// forkRegister forks and registers the child with the reaper, holding
// spawnMu for reading throughout so the reaper cannot collect the child
// before it is registered and its start time read.
func (s *spawn) forkRegister() (*Process, error) {
	r := s.r
	name := s.argv[0]
	r.spawnMu.RLock()
	defer r.spawnMu.RUnlock()
	if r.closeRange {
		// Cheap, and catches descriptors opened without O_CLOEXEC since
		// Init (by cgo or a careless library).
		unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	}
	s.pa.Files = []uintptr{s.files[0].Fd(), s.files[1].Fd(), s.files[2].Fd()}
	pidfd := -1
	if r.pidfds {
		s.sys.PidFD = &pidfd
	}
	before, clock := procstat.BootTicks()
	pid, err := syscall.ForkExec(s.path, s.argv, &s.pa)
	after, _ := procstat.BootTicks()
	runtime.KeepAlive(s.files) // their fds were used by the fork
	if err != nil {
		if s.pa.Dir != "" {
			if _, derr := os.Stat(s.pa.Dir); derr != nil {
				return nil, fmt.Errorf("proc: start %q: working directory: %w", name, derr)
			}
		}
		return nil, fmt.Errorf("proc: start %q (%s): %w", name, s.path, err)
	}
	p := &Process{Pid: pid, done: make(chan struct{})}
	if pidfd >= 0 {
		p.exited, p.blocking = pidfdFile(pidfd)
	}
	r.register(p)
	if clock && before == after {
		p.StartTime = before // forked within this clock tick
		return p, nil
	}
	// Cannot race with the reaper: even a child that has already exited
	// is a zombie with a stat file until spawnMu is released.
	_, p.StartTime, err = procstat.Read(pid)
	if err != nil {
		// Without a start time the child cannot be told from a reused pid
		// later; do not leave it running untracked.
		syscall.Kill(-pid, syscall.SIGKILL)
		return nil, fmt.Errorf("proc: start %q: pid %d: %w", name, pid, err)
	}
	return p, nil
}

// SignalGroup sends sig to the child's process group. A group with no
// process left is not an error. After the child was reaped, the signal still
// reaches what is left of its group; once that is empty the number may in
// time be reused (pid_max can be as low as 32768), so stop signalling a
// group whose task is known to be over.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	err := syscall.Kill(-p.Pid, sig)
	if err != nil && err != syscall.ESRCH {
		return fmt.Errorf("proc: signal group %d: %w", p.Pid, err)
	}
	return nil
}

// lookPath finds prog as the child would: in the PATH of its environment,
// with relative PATH entries relative to its working directory. The result
// is what to pass to exec after the chdir to dir.
func lookPath(prog string, env []string, dir string) (string, error) {
	if strings.Contains(prog, "/") {
		return prog, nil // ForkExec reports a missing file
	}
	pathVal, set := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVal, set = v, true // dedupEnv left one at most
		}
	}
	if pathVal != "" {
		for _, d := range filepath.SplitList(pathVal) {
			if d == "" {
				d = "." // POSIX: an empty entry is the working directory
			}
			cand := filepath.Join(d, prog)
			check := cand
			if !filepath.IsAbs(cand) && dir != "" {
				check = filepath.Join(dir, cand)
			}
			if executable(check) {
				return cand, nil // execve does no search: a bare name is relative
			}
		}
	}
	return "", &NotFoundError{Program: prog, Path: pathVal, Set: set}
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// dedupEnv keeps the last value of each key, as os/exec does, so the PATH
// used for the lookup is the one the child sees.
func dedupEnv(env []string) []string {
	seen := make(map[string]bool, len(env))
	dup := false
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if seen[k] {
			dup = true
			break
		}
		seen[k] = true
	}
	if !dup {
		return env
	}
	clear(seen)
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		k, _, _ := strings.Cut(env[i], "=")
		if !seen[k] {
			seen[k] = true
			out = append(out, env[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
