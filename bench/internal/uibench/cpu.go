package uibench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// On a machine loaded by other work, the page's wall time says more of the
// load than of the page; the CPU time the browser and the server spend on
// it does not grow with the load. Ticks is the CPU time (user and system,
// in clock ticks) of each process of a tree, read from /proc.
type Ticks map[int]int64

// Since is the CPU time the tree spent between prev and t: each process's
// growth, and all of a process started meanwhile. A process that ended
// meanwhile is lost (a renderer swapped by a navigation): its ticks after
// prev are not counted.
func (t Ticks) Since(prev Ticks) time.Duration {
	var sum int64
	for pid, n := range t {
		sum += n - prev[pid]
	}
	return time.Duration(sum) * time.Second / clockTicks
}

// clockTicks is the kernel's USER_HZ, 100 on Linux.
const clockTicks = 100

// BrowserTicks is Tree for the browser of tab and every process under it
// (renderers, GPU, network); nil without a browser process.
func BrowserTicks(tab *browser.Tab) Ticks {
	c := chromedp.FromContext(tab.Ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return nil
	}
	return Tree(c.Browser.Process().Pid)
}

// Tree is the CPU time so far of process root and its descendants.
func Tree(root int) Ticks {
	parent := map[int]int{}
	ticks := Ticks{}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, n, ok := parseStat(b)
		if !ok {
			continue
		}
		parent[pid], ticks[pid] = ppid, n
	}
	out := Ticks{}
	for pid, n := range ticks {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				out[pid] = n
				break
			}
		}
	}
	return out
}

// Proc is the CPU time so far of process pid alone (every thread of it),
// cheaper than Tree for a process without children.
func Proc(pid int) Ticks {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	_, n, ok := parseStat(b)
	if !ok {
		return nil
	}
	return Ticks{pid: n}
}

// parseStat reads the parent pid and utime+stime of a /proc/PID/stat
// line. The command name, in parentheses, may hold spaces: the fields
// that follow it are ppid (4th), utime (14th) and stime (15th).
func parseStat(b []byte) (ppid int, ticks int64, ok bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	ut, err2 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err3 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, false
	}
	return ppid, ut + st, true
}
