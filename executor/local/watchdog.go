package local

import (
	"sync"
	"syscall"

	"github.com/shirou/gopsutil/v3/process"
)

// tree is the watchdog's view of an attempt's processes when no cgroup can
// hold them: the main process and every descendant seen so far. A
// descendant whose parent died is reparented to the engine (a child
// subreaper), so it no longer hangs below the main process; the tree
// remembers it from earlier samples. Sampling can miss a process that
// lives shorter than the interval, and a spike between samples: the
// kernel's cgroup limit has neither weakness, which is why it is preferred.
type tree struct {
	mu    sync.Mutex // sample runs on the supervisor, signal also from Stop
	root  int32
	known map[int32]int64 // pid -> creation time (ms), to tell a reused pid
	peak  int64
}

func newTree(pid int) *tree {
	return &tree{root: int32(pid), known: map[int32]int64{}}
}

// sample refreshes the tree and returns its resident memory in bytes.
// Descendants come from one scan of the process table (gopsutil's Children
// runs pgrep, a child process the engine must not start behind its reaper's
// back).
func (t *tree) sample() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	pids, err := process.Pids()
	if err != nil {
		return 0
	}
	children := map[int32][]*process.Process{}
	byPid := map[int32]*process.Process{}
	for _, pid := range pids {
		p, err := process.NewProcess(pid)
		if err != nil {
			continue
		}
		byPid[pid] = p
		if ppid, err := p.Ppid(); err == nil {
			children[ppid] = append(children[ppid], p)
		}
	}
	var total int64
	seen := map[int32]bool{}
	queue := []int32{t.root}
	for pid := range t.known {
		queue = append(queue, pid)
	}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		p, ok := byPid[pid]
		if !ok || seen[pid] {
			continue
		}
		seen[pid] = true
		created, err := p.CreateTime()
		if err != nil {
			continue // gone
		}
		if prev, ok := t.known[pid]; ok && prev != created {
			continue // a new process under a reused pid is not ours
		}
		t.known[pid] = created
		if mi, err := p.MemoryInfo(); err == nil {
			total += int64(mi.RSS)
		}
		for _, c := range children[pid] {
			queue = append(queue, c.Pid)
		}
	}
	if total > t.peak {
		t.peak = total
	}
	return total
}

// alive counts the known processes still running.
func (t *tree) alive() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for pid, created := range t.known {
		if pid != t.root && t.same(pid, created) {
			n++
		}
	}
	return n
}

// signal sends sig to every known process that is still the one seen.
func (t *tree) signal(sig syscall.Signal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for pid, created := range t.known {
		if t.same(pid, created) {
			syscall.Kill(int(pid), sig)
		}
	}
}

func (t *tree) same(pid int32, created int64) bool {
	p, err := process.NewProcess(pid)
	if err != nil {
		return false
	}
	c, err := p.CreateTime()
	return err == nil && c == created
}

// peakMemory is the largest tree RSS sampled.
func (t *tree) peakMemory() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peak
}
