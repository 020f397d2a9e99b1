package cgroup

import (
	"fmt"
	"strconv"
)

// A task cgroup can serve one attempt after another: making and removing
// one costs about 0.2 ms of kernel time (mkdir and rmdir in the memory
// hierarchy, and the opens of its files), a fifth of a short task's whole
// start. What an attempt leaves behind decides whether its cgroup may
// serve the next: memory still charged to it (page cache of files it
// wrote, tmpfs pages of segments) would count against the next cap, so
// only a cgroup that holds next to nothing is reused (Reusable).

// ReuseLimit is the most memory a cgroup may still have charged for
// Reusable to pass it on: what a short task's exit leaves (kernel
// structures, the page cache of the files it was first to read, such as
// its program: over 1 MiB for a large one), far below any cap worth
// setting. It bounds how much a reused cgroup's peak can overstate.
const ReuseLimit = 8 << 20

// Reusable reports whether c can serve another attempt: cgroup v1 (whose
// peak can be reset), no process left in it or below it, no cgroup below
// it, and at most ReuseLimit bytes still charged.
func (c *Cgroup) Reusable() bool {
	if c.m.mode != V1 || !c.m.memory {
		// On v2 memory.peak resets only for the file descriptor that
		// wrote to it (Linux 6.12): a fresh cgroup is simpler.
		return false
	}
	if subs, err := c.hasSubdirs(); err != nil || subs {
		return false
	}
	if !c.emptied.Load() {
		if pids, err := c.procs(); err != nil || len(pids) > 0 {
			return false
		}
	}
	used, err := c.Usage()
	return err == nil && used <= ReuseLimit
}

// Reuse readies a Reusable cgroup for the next attempt: its memory cap
// set to limit (0: none) and its peak and OOM kill count started afresh.
// On error the cgroup must not be used again: Delete it. Not safe for
// use concurrently with the cgroup's other methods.
func (c *Cgroup) Reuse(limit int64) error {
	if limit < 0 {
		return fmt.Errorf("cgroup: reuse %s: negative limit %d", c.dir, limit)
	}
	if limit != c.limit {
		// Tasks of one stage share a cap: usually nothing to write.
		if err := c.resetLimits(limit); err != nil {
			return fmt.Errorf("cgroup: reuse: %w", err)
		}
		c.limit = limit
	}
	// Writing 0 starts the peak over from what is used now (at most
	// ReuseLimit).
	if err := c.write(filePeak, []byte("0")); err != nil {
		return fmt.Errorf("cgroup: reuse: %w", err)
	}
	// The count the last attempt's end read stays final: nothing runs in
	// a Reusable cgroup.
	if !c.oomFresh {
		n, err := c.keyed(fileOOM, "oom_kill")
		if err != nil {
			return fmt.Errorf("cgroup: reuse: %w", err)
		}
		c.oomSeen = int(n)
	}
	c.oomBase, c.oomFresh = c.oomSeen, false
	return nil
}

// resetLimits sets the v1 memory and memory+swap limits of a cgroup that
// has had others. The kernel keeps memsw at or above memory at every
// step, so the order depends on the direction: lowering sets memory
// first, raising sets memsw first.
func (c *Cgroup) resetLimits(limit int64) error {
	var a [24]byte
	lim := []byte("-1")
	if limit > 0 {
		lim = strconv.AppendInt(a[:0], limit, 10)
	}
	mem, memsw := c.dir+"/memory.limit_in_bytes", c.dir+"/memory.memsw.limit_in_bytes"
	if !c.m.feat.MemSwap {
		return writeFile(mem, lim)
	}
	first, second := mem, memsw
	if limit == 0 || c.limit > 0 && limit > c.limit {
		first, second = memsw, mem
	}
	if err := writeFile(first, lim); err != nil {
		return err
	}
	return writeFile(second, lim)
}
