package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Mode is the cgroup version a Manager works with.
type Mode int

// Cgroup versions.
const (
	V1 Mode = 1
	V2 Mode = 2
)

func (v Mode) String() string {
	switch v {
	case V1:
		return "cgroup v1"
	case V2:
		return "cgroup v2"
	}
	return "cgroup mode " + strconv.Itoa(int(v))
}

// Features are what the host's cgroups offer, found once by Detect.
type Features struct {
	Mode Mode
	// MemSwap (v1): memory.memsw.* exists, so swap is capped together with
	// memory (memsw = limit means no swap). Without it tasks get
	// memory.swappiness 0 instead.
	MemSwap bool
	// SwapMax (v2): memory.swap.max exists and is set to 0.
	SwapMax bool
	// OOMGroup (v2): memory.oom.group exists and is set to 1, so an OOM
	// kill takes the whole task, not one of its processes.
	OOMGroup bool
	// Peak: Cgroup.Peak is the kernel's high-water mark (v1
	// max_usage_in_bytes, v2 memory.peak since Linux 5.19). If false, Peak
	// is a sample of current usage: a lower bound that misses spikes.
	Peak bool
	// CgroupKill (v2): cgroup.kill exists (Linux 5.14), so Kill is one
	// write instead of a loop over cgroup.procs.
	CgroupKill bool
}

// Manager creates the task cgroups of one engine below one parent cgroup
// of its own. Its methods are safe for concurrent use; Close ends it.
type Manager struct {
	mode   Mode
	own    string // the engine's own cgroup directory
	dir    string // the engine's parent of task cgroups
	memory bool   // false only for the memory-less v2 Manager of tests
	feat   Features
	// ownTasks (v1) is <own>/tasks, open for the whole life of the
	// Manager: every v1 start writes a thread id back to it, and an open
	// descriptor saves an open and a close per task.
	ownTasks int
	// pid is the engine's, read once: each v1 start compares it with the
	// forking thread's id, and getpid is a syscall.
	pid      int
	seq      atomic.Uint64
	close    sync.Once
	closeErr error
}

const (
	parentPrefix     = "weir-"
	engineLeafPrefix = "weir-engine-"
)

// Mode says whether this Manager works on cgroup v1 or v2.
func (m *Manager) Mode() Mode { return m.mode }

// Features says what this host's cgroups offer.
func (m *Manager) Features() Features {
	f := m.feat
	f.Mode = m.mode
	return f
}

// Dir is the engine's parent cgroup directory, which holds its tasks'.
func (m *Manager) Dir() string { return m.dir }

// String says which enforcement is in force, for the run's log.
func (m *Manager) String() string {
	var extra []string
	switch {
	case m.mode == V1 && m.feat.MemSwap:
		extra = append(extra, "swap off via memsw")
	case m.mode == V1:
		extra = append(extra, "no memsw: swappiness 0")
	case m.feat.SwapMax:
		extra = append(extra, "swap off")
	}
	if !m.feat.Peak {
		extra = append(extra, "peak sampled")
	}
	s := m.mode.String() + " memory cgroups under " + m.dir
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// makeParent creates <own>/weir-<pid>-<start>.
func (m *Manager) makeParent() error {
	start, err := startTime(os.Getpid())
	if err != nil {
		return err
	}
	m.dir = filepath.Join(m.own, parentPrefix+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(start, 10))
	if err := unix.Mkdir(m.dir, 0o755); err != nil {
		return &os.PathError{Op: "mkdir", Path: m.dir, Err: err}
	}
	return nil
}

func (m *Manager) removeParent() {
	unix.Rmdir(m.dir)
}

// Close kills and removes task cgroups still left (a task the engine lost
// track of), then removes the parent. Call it after the last task ended.
// On v2 the engine's own leaf, if Detect made one, stays until the engine
// exits (see the package doc).
func (m *Manager) Close() error {
	m.close.Do(func() {
		m.closeErr = removeTree(m, m.dir, time.Now().Add(killWait))
		if m.ownTasks >= 0 {
			unix.Close(m.ownTasks)
			m.ownTasks = -1
		}
	})
	return m.closeErr
}

// Cgroup is one task's cgroup.
type Cgroup struct {
	m     *Manager
	dir   string
	limit int64 // the memory cap set; 0: none
	// oomBase is the kernel's OOM kill count when the cgroup was last
	// reused: OOMKills counts from there. oomSeen is the count OOMKills
	// last read, and oomFresh says it was read since then: Reuse takes it
	// as the next base instead of reading again.
	oomBase, oomSeen int
	oomFresh         bool

	// files guards fds: the descriptors of the files each attempt uses
	// (files_linux.go), each stored plus one so that 0 is none.
	files sync.Mutex
	fds   [numFiles]int32

	// emptied is set when Procs found no process in c or below it, and
	// cleared when a start prepares a fork into c: in between nothing of
	// weir's can join it (no process is left to fork), so Reusable need
	// not read cgroup.procs again. (Something outside weir writing pids
	// into a task cgroup is not guarded against.)
	emptied atomic.Bool
}

// New creates a task cgroup below the engine's parent with a memory cap of
// limit bytes (0: no cap, but still a cgroup for identity and Kill) and no
// swap. name is any task id; it is sanitized into a bounded, unique
// directory name ("stats[p99]" becomes "17-stats_p99_").
//
// The per-task path is hand-written (mkdir, one write per setting, reads,
// rmdir) because containerd/cgroups costs several times the budget of
// about 0.2 ms per task. Measured on the dev VM (kernel 6.18, cgroup v1, 2
// cores), medians of 3 runs of 2,000, testdata/libbench:
//
//	                               containerd/cgroups/v3     by hand
//	v1 New+Delete, 100 MiB cap     0.20 ms (memory-only      0.05 ms
//	                               hierarchy, StaticPath)
//	                               1.2 ms (NestedPath, every
//	                               controller)
//	v1 peak + oom_kill             0.14 ms (Load + Stat)     0.006 ms
//	v1 thread in and back          0.026 ms (AddTask x2)     0.005 ms
//	v2 child create+delete         0.13 ms (NewChild+Delete) 0.02 ms
//
// Its cgroup1 and cgroup2 packages would also bring in cilium/ebpf, dbus,
// go-systemd and protobuf; only its root package (Mode, /proc/self/cgroup)
// is used, once, by Detect.
func (m *Manager) New(name string, limit int64) (*Cgroup, error) {
	if limit < 0 {
		return nil, fmt.Errorf("cgroup: new %q: negative limit %d", name, limit)
	}
	if limit > 0 && !m.memory {
		return nil, fmt.Errorf("cgroup: new %q: no memory controller to cap memory", name)
	}
	c := &Cgroup{m: m, dir: m.dir + "/" + dirName(m.seq.Add(1), name), limit: limit}
	if err := unix.Mkdir(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cgroup: new %q: %w", name, &os.PathError{Op: "mkdir", Path: c.dir, Err: err})
	}
	if err := c.setLimits(limit); err != nil {
		unix.Rmdir(c.dir)
		return nil, fmt.Errorf("cgroup: new %q: %w", name, err)
	}
	return c, nil
}

func (c *Cgroup) setLimits(limit int64) error {
	var a [24]byte
	lim := strconv.AppendInt(a[:0], limit, 10)
	if c.m.mode == V1 {
		if limit == 0 {
			return nil
		}
		// limit_in_bytes first: the kernel refuses a memsw limit below
		// the memory limit, and the default memory limit is unlimited.
		if err := writeFile(c.dir+"/memory.limit_in_bytes", lim); err != nil {
			return err
		}
		if c.m.feat.MemSwap {
			return writeFile(c.dir+"/memory.memsw.limit_in_bytes", lim)
		}
		return writeFile(c.dir+"/memory.swappiness", []byte("0"))
	}
	if !c.m.memory {
		return nil
	}
	if limit > 0 {
		if err := writeFile(c.dir+"/memory.max", lim); err != nil {
			return err
		}
	}
	if c.m.feat.SwapMax {
		if err := writeFile(c.dir+"/memory.swap.max", []byte("0")); err != nil {
			return err
		}
	}
	if c.m.feat.OOMGroup {
		// Even without a cap of its own a task can meet an ancestor's;
		// then all of it dies, not one process chosen by badness.
		if err := writeFile(c.dir+"/memory.oom.group", []byte("1")); err != nil {
			return err
		}
	}
	return nil
}

// Open returns the task cgroup at path, made by this or an earlier engine
// (for reattaching after a restart). path must be below the engine's own
// cgroup.
func (m *Manager) Open(path string) (*Cgroup, error) {
	path = filepath.Clean(path)
	if !strings.HasPrefix(path, m.own+"/"+parentPrefix) {
		return nil, fmt.Errorf("cgroup: open %s: not a weir task cgroup below %s", path, m.own)
	}
	if !exists(path + "/cgroup.procs") {
		return nil, fmt.Errorf("cgroup: open %s: %w", path, os.ErrNotExist)
	}
	return &Cgroup{m: m, dir: path}, nil
}

// Path is the cgroup's directory, for the journal and for Open.
func (c *Cgroup) Path() string { return c.dir }

// Delete removes the cgroup's directory, and any cgroups a task made below
// it. It kills nothing: it retries while processes are still exiting (the
// kernel refuses rmdir with EBUSY until they are gone), for up to a second,
// then fails. Deleting a deleted cgroup is not an error. On v1 what the
// task left charged (pages of tmpfs files it wrote) moves to the parent.
func (c *Cgroup) Delete() error {
	c.closeFiles()
	if err := rmdirTree(c.dir, time.Now().Add(deleteWait)); err != nil {
		return fmt.Errorf("cgroup: delete: %w", err)
	}
	return nil
}

// deleteWait bounds Delete; exiting processes leave their cgroup within
// microseconds unless stuck in the kernel.
const deleteWait = time.Second

// ErrBusy means a cgroup still held processes after Delete or Kill gave up.
var ErrBusy = errors.New("cgroup: still holds processes")

// rmdirTree removes dir and, when busy, cgroups below it, bottom-up,
// retrying on EBUSY until deadline.
func rmdirTree(dir string, deadline time.Time) error {
	pause := 50 * time.Microsecond
	for {
		err := unix.Rmdir(dir)
		switch err {
		case nil, unix.ENOENT:
			return nil
		case unix.EBUSY, unix.ENOTEMPTY:
		default:
			return &os.PathError{Op: "rmdir", Path: dir, Err: err}
		}
		subs, serr := subdirs(dir)
		if serr == nil && len(subs) > 0 {
			for _, s := range subs {
				if err := rmdirTree(s, deadline); err != nil {
					return err
				}
			}
			continue
		}
		if time.Now().After(deadline) {
			pids, _ := procsTree(dir)
			return fmt.Errorf("rmdir %s: %w: pids %v", dir, ErrBusy, pids)
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// removeTree kills everything in the cgroups below dir, removes them, then
// dir itself.
func removeTree(m *Manager, dir string, deadline time.Time) error {
	subs, err := subdirs(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cgroup: remove %s: %w", dir, err)
	}
	var errs []error
	for _, s := range subs {
		c := &Cgroup{m: m, dir: s}
		_, err := c.kill(deadline)
		c.closeFiles()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := rmdirTree(s, deadline); err != nil {
			errs = append(errs, fmt.Errorf("cgroup: remove: %w", err))
		}
	}
	if err := rmdirTree(dir, deadline); err != nil {
		errs = append(errs, fmt.Errorf("cgroup: remove: %w", err))
	}
	return errors.Join(errs...)
}

// subdirs lists the child cgroups of dir (full paths). A cgroup directory
// counts its child cgroups in its link count (2 + children, kept by
// kernfs), so the common case, none, costs a stat instead of reading the
// dozens of entries of a v1 memory cgroup.
func subdirs(dir string) ([]string, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: dir, Err: err}
	}
	if st.Nlink == 2 {
		return nil, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, dir+"/"+e.Name())
		}
	}
	return out, nil
}
