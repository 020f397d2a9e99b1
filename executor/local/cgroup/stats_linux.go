package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

var errNoMemory = errors.New("no memory controller")

// OOMKills is how many processes of c the kernel's OOM killer killed: the
// kernel's verdict that c reached its cap (v1: oom_kill in
// memory.oom_control; v2: oom_kill in memory.events). Not memory.failcnt,
// which stays 0 after an OOM kill on v1, and not exit status 137, which any
// SIGKILL gives. A reused cgroup counts from its last Reuse.
func (c *Cgroup) OOMKills() (int, error) {
	n, err := c.keyed(fileOOM, "oom_kill")
	if err != nil {
		return 0, err
	}
	c.oomSeen, c.oomFresh = int(n), true
	return int(n) - c.oomBase, nil
}

func (c *Cgroup) keyed(f file, key string) (int64, error) {
	if !c.m.memory {
		return 0, fmt.Errorf("cgroup: %s: %w", key, errNoMemory)
	}
	var a [256]byte
	b, err := c.read(f, a[:0])
	if err != nil {
		return 0, fmt.Errorf("cgroup: %s: %w", key, err)
	}
	n, ok := keyValue(b, key)
	if !ok {
		path, _ := c.path(f)
		return 0, fmt.Errorf("cgroup: %s: %w", key, &os.PathError{Op: "parse", Path: path, Err: errors.New("no " + key + " line")})
	}
	return n, nil
}

// Peak is the most memory c has used, in bytes: v1
// memory.max_usage_in_bytes, v2 memory.peak (Linux 5.19). On older v2
// kernels it is memory.current sampled now, a lower bound
// (Features.Peak says which).
func (c *Cgroup) Peak() (int64, error) { return c.readBytes(filePeak) }

// Usage is what c uses now, in bytes, page cache and tmpfs pages it wrote
// included (v1 memory.usage_in_bytes, v2 memory.current).
func (c *Cgroup) Usage() (int64, error) { return c.readBytes(fileUsage) }

func (c *Cgroup) readBytes(f file) (int64, error) {
	path, _ := c.path(f)
	if !c.m.memory {
		return 0, fmt.Errorf("cgroup: read %s: %w", filepath.Base(path), errNoMemory)
	}
	var a [32]byte
	b, err := c.read(f, a[:0])
	if err == nil {
		var n int64
		if n, err = parseInt(b, path); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("cgroup: %w", err)
}
