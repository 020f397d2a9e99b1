package main

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
// it does not grow with the load. browserCPU is the CPU time (user and
// system) the browser's processes have used so far, read from /proc: the
// browser and every process under it (renderer, GPU, network).
func browserCPU(tab *browser.Tab) time.Duration {
	c := chromedp.FromContext(tab.Ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return 0
	}
	root := c.Browser.Process().Pid
	parent := map[int]int{}
	ticks := map[int]int64{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range dirs {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// The command name, in parentheses, may hold spaces: the fields
		// that follow it are ppid (4th), utime (14th) and stime (15th).
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, _ := strconv.Atoi(string(f[1]))
		ut, _ := strconv.ParseInt(string(f[11]), 10, 64)
		st, _ := strconv.ParseInt(string(f[12]), 10, 64)
		parent[pid], ticks[pid] = ppid, ut+st
	}
	var sum int64
	for pid, t := range ticks {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				sum += t
				break
			}
		}
	}
	return time.Duration(sum) * time.Second / clockTicks
}

// clockTicks is the kernel's USER_HZ, 100 on Linux.
const clockTicks = 100
