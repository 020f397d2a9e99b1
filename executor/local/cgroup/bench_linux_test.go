package cgroup

import (
	"os/exec"
	"runtime"
	"testing"
)

// BenchmarkNewDelete is the per-task cost of a capped cgroup: mkdir, limits,
// rmdir.
func BenchmarkNewDelete(b *testing.B) {
	m := newManager(b)
	for b.Loop() {
		c, err := m.New("bench", 100*mib)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewStartDelete starts `true` inside a capped cgroup and reads
// what the engine reads after it (OOM kills, peak, leftovers): the whole
// per-task cost. BenchmarkStartBare is the same start without a cgroup.
func BenchmarkNewStartDelete(b *testing.B) {
	m := newManager(b)
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	for b.Loop() {
		c, err := m.New("true", 100*mib)
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(truePath)
		if err := startIn(c, cmd); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.OOMKills(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Peak(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Procs(); err != nil {
			b.Fatal(err)
		}
		if err := c.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStartBare(b *testing.B) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	for b.Loop() {
		cmd := exec.Command(truePath)
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartLocked is BenchmarkStartBare from a goroutine locked to
// its thread, as every cgroup start is: the locking's own share.
func BenchmarkStartLocked(b *testing.B) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	for b.Loop() {
		cmd := exec.Command(truePath)
		errc := make(chan error, 1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			errc <- cmd.Start()
		}()
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}
