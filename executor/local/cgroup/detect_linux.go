package cgroup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	cgroups "github.com/containerd/cgroups/v3"
	"golang.org/x/sys/unix"
)

// ErrUnavailable means no memory cgroup can be made here (not root, no
// delegation, no memory controller); Detect's error wraps it and says why.
// Fall back to a watchdog.
var ErrUnavailable = errors.New("cgroup: no writable memory cgroup")

// Detect finds how memory can be capped on this host and creates the
// engine's parent cgroup: v2 where its memory controller can be delegated
// to a child of the engine's own cgroup, else v1's memory controller below
// the engine's own memory cgroup. Detection runs once per engine, so it may
// use containerd/cgroups (mode, /proc/self/cgroup); the per-task calls are
// hand-written (see New).
func Detect() (*Manager, error) {
	mode := cgroups.Mode()
	legacy, unified, err := cgroups.ParseCgroupFileUnified("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("%w: read /proc/self/cgroup: %v", ErrUnavailable, err)
	}
	mounts, err := readMountinfo("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var why []string
	if mode == cgroups.Unified || mode == cgroups.Hybrid {
		m, err := detectV2(mounts, unified, true)
		if err == nil {
			return m, nil
		}
		why = append(why, err.Error())
	}
	if mode == cgroups.Legacy || mode == cgroups.Hybrid {
		m, err := detectV1(mounts, legacy["memory"])
		if err == nil {
			return m, nil
		}
		why = append(why, err.Error())
	}
	if mode == cgroups.Unavailable {
		why = append(why, "no cgroup filesystem mounted at /sys/fs/cgroup")
	}
	return nil, fmt.Errorf("%w: %s", ErrUnavailable, strings.Join(why, "; "))
}

// detectV1 makes the engine's parent below its own v1 memory cgroup.
func detectV1(mounts []mount, own string) (*Manager, error) {
	if own == "" {
		return nil, errors.New("v1: no memory line in /proc/self/cgroup")
	}
	mnt, ok := findMount(mounts, func(m mount) bool { return m.fstype == "cgroup" && slices.Contains(m.super, "memory") })
	if !ok {
		return nil, errors.New("v1: memory controller not mounted")
	}
	ownDir := mnt.dir(own)
	m := &Manager{mode: V1, own: ownDir, memory: true, ownTasks: -1, pid: os.Getpid()}
	if err := m.makeParent(); err != nil {
		return nil, fmt.Errorf("v1: %v", err)
	}
	if !exists(filepath.Join(m.dir, "memory.limit_in_bytes")) {
		m.removeParent()
		return nil, fmt.Errorf("v1: %s has no memory.limit_in_bytes", m.dir)
	}
	m.feat.MemSwap = exists(filepath.Join(m.dir, "memory.memsw.limit_in_bytes"))
	m.feat.Peak = true
	// Kept open: each start writes a thread id back to it.
	fd, err := open(filepath.Join(ownDir, "tasks"), unix.O_WRONLY)
	if err != nil {
		m.removeParent()
		return nil, fmt.Errorf("v1: %v", err)
	}
	m.ownTasks = fd
	return m, nil
}

// detectV2 makes the engine's parent below its own v2 cgroup, delegating
// the memory controller to it. needMemory false builds a Manager without
// memory (cgroup.kill, clone into cgroup and identity only): tests use it
// to exercise the v2 code on hybrid hosts whose v2 tree has no memory.
func detectV2(mounts []mount, own string, needMemory bool) (*Manager, error) {
	mnt, ok := findMount(mounts, func(m mount) bool { return m.fstype == "cgroup2" })
	if !ok {
		return nil, errors.New("v2: not mounted")
	}
	if own == "" {
		return nil, errors.New("v2: no 0:: line in /proc/self/cgroup")
	}
	ownDir := mnt.dir(own)
	m := &Manager{mode: V2, own: ownDir, memory: needMemory, ownTasks: -1, pid: os.Getpid()}
	if needMemory {
		ctrl, err := readFile(filepath.Join(ownDir, "cgroup.controllers"), nil)
		if err != nil {
			return nil, fmt.Errorf("v2: %v", err)
		}
		if !slices.Contains(strings.Fields(string(ctrl)), "memory") {
			return nil, fmt.Errorf("v2: no memory controller in %s (bound to v1, or not delegated)", ownDir)
		}
		if err := m.delegate("memory"); err != nil {
			return nil, fmt.Errorf("v2: %v", err)
		}
	}
	if err := m.makeParent(); err != nil {
		return nil, fmt.Errorf("v2: %v", err)
	}
	if needMemory {
		if err := writeFile(filepath.Join(m.dir, "cgroup.subtree_control"), []byte("+memory")); err != nil {
			m.removeParent()
			return nil, fmt.Errorf("v2: enable memory for tasks: %v", err)
		}
		// Files of the memory controller appear in children only; probe
		// one.
		probe := filepath.Join(m.dir, "probe")
		if err := unix.Mkdir(probe, 0o755); err != nil {
			m.removeParent()
			return nil, fmt.Errorf("v2: %v", &os.PathError{Op: "mkdir", Path: probe, Err: err})
		}
		m.feat.SwapMax = exists(filepath.Join(probe, "memory.swap.max"))
		m.feat.OOMGroup = exists(filepath.Join(probe, "memory.oom.group"))
		m.feat.Peak = exists(filepath.Join(probe, "memory.peak"))
		hasMax := exists(filepath.Join(probe, "memory.max"))
		unix.Rmdir(probe)
		if !hasMax {
			m.removeParent()
			return nil, fmt.Errorf("v2: %s has no memory.max", probe)
		}
	}
	m.feat.CgroupKill = exists(filepath.Join(m.dir, "cgroup.kill"))
	return m, nil
}

// delegate makes sure children of the engine's own v2 cgroup get
// controller (always "memory" outside tests). See the package doc for the
// no-internal-processes rule and the engine's leaf.
func (m *Manager) delegate(controller string) error {
	subtree := filepath.Join(m.own, "cgroup.subtree_control")
	sc, err := readFile(subtree, nil)
	if err != nil {
		return err
	}
	if slices.Contains(strings.Fields(string(sc)), controller) {
		return nil
	}
	var leaf string
	// The root cgroup has no cgroup.type and is exempt from the rule.
	if exists(filepath.Join(m.own, "cgroup.type")) {
		procs, err := readFile(filepath.Join(m.own, "cgroup.procs"), nil)
		if err != nil {
			return err
		}
		pids, err := parsePids(procs)
		if err != nil {
			return fmt.Errorf("%s/cgroup.procs: %v", m.own, err)
		}
		self := os.Getpid()
		for _, p := range pids {
			if p != self {
				return fmt.Errorf("%s holds other processes (pid %d), so its children can't get the %s controller (no internal processes rule); run weir in a cgroup of its own, e.g. systemd-run --scope -p Delegate=yes", m.own, p, controller)
			}
		}
		if len(pids) > 0 {
			if leaf, err = m.moveEngineToLeaf(); err != nil {
				return err
			}
		}
	}
	if err := writeFile(subtree, []byte("+"+controller)); err != nil {
		if leaf != "" {
			// Back where it was: allowed, as nothing was enabled.
			writeFile(filepath.Join(m.own, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())))
			unix.Rmdir(leaf)
		}
		return fmt.Errorf("enable %s in %s: %v", controller, m.own, err)
	}
	return nil
}

// moveEngineToLeaf moves the whole engine process (all its threads) into
// <own>/weir-engine-<pid>-<start>.
func (m *Manager) moveEngineToLeaf() (string, error) {
	start, err := startTime(os.Getpid())
	if err != nil {
		return "", err
	}
	leaf := filepath.Join(m.own, engineLeafPrefix+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(start, 10))
	if err := unix.Mkdir(leaf, 0o755); err != nil && err != unix.EEXIST {
		return "", &os.PathError{Op: "mkdir", Path: leaf, Err: err}
	}
	if err := writeFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid()))); err != nil {
		unix.Rmdir(leaf)
		return "", fmt.Errorf("move the engine into a leaf: %v", err)
	}
	return leaf, nil
}

// mount is one cgroup line of /proc/self/mountinfo.
type mount struct {
	root   string // the mount's root within its hierarchy (not "/" in some containers)
	point  string
	fstype string
	super  []string // super options: controllers for v1
}

// dir maps a path from /proc/self/cgroup to a directory under the mount.
func (mt mount) dir(cgPath string) string {
	rel := cgPath
	if mt.root != "/" {
		if r, err := filepath.Rel(mt.root, cgPath); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
	}
	return filepath.Join(mt.point, rel)
}

func findMount(ms []mount, ok func(mount) bool) (mount, bool) {
	for _, m := range ms {
		if ok(m) {
			return m, true
		}
	}
	return mount{}, false
}

// readMountinfo returns the cgroup and cgroup2 mounts.
func readMountinfo(path string) ([]mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseMountinfo(f)
}

func parseMountinfo(f interface{ Read([]byte) (int, error) }) ([]mount, error) {
	var ms []mount
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
		pre, post, ok := bytes.Cut(s.Bytes(), []byte(" - "))
		if !ok {
			continue
		}
		f1, f2 := strings.Fields(string(pre)), strings.Fields(string(post))
		if len(f1) < 5 || len(f2) < 3 || (f2[0] != "cgroup" && f2[0] != "cgroup2") {
			continue
		}
		ms = append(ms, mount{
			root:   unescapeMount(f1[3]),
			point:  unescapeMount(f1[4]),
			fstype: f2[0],
			super:  strings.Split(f2[2], ","),
		})
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return ms, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// startTime is field 22 of /proc/<pid>/stat: the process's start in clock
// ticks since boot. With the pid it names a process uniquely.
func startTime(pid int) (uint64, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	var a [512]byte
	b, err := readFile(path, a[:0])
	if err != nil {
		return 0, err
	}
	return parseStartTime(b)
}

func parseStartTime(stat []byte) (uint64, error) {
	// The command name (field 2) may hold spaces and parentheses; fields
	// after the last ')' are plain.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("cgroup: bad /proc stat line")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state), so field 22 is f[19].
	if len(f) < 20 {
		return 0, errors.New("cgroup: short /proc stat line")
	}
	return strconv.ParseUint(f[19], 10, 64)
}
