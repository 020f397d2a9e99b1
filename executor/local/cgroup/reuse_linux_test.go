package cgroup

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/weirflow/weir/internal/testenv"
)

// TestReuse: one cgroup serves attempts one after another: an OOM kill
// under a small cap, then a larger cap that the next child fits in (no
// stale OOM count, a fresh peak), then a smaller one again, then none. A
// cgroup still charged with a tmpfs file is not reusable.
func TestReuse(t *testing.T) {
	m := newManager(t)
	if m.Mode() != V1 {
		t.Skip("cgroups are reused on v1 only")
	}
	c, err := m.New("reuse", 64*mib)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete()
	steps := []struct {
		limit int64 // 0: none
		alloc int
		oom   bool
	}{
		{64 * mib, 200 * mib, true},
		{256 * mib, 150 * mib, false},
		// The helper itself needs about 15 MiB under the race detector.
		{48 * mib, 100 * mib, true},
		{48 * mib, 8 * mib, false}, // the same cap: only the counts start over
		{0, 100 * mib, false},
		{40 * mib, 8 * mib, false},
	}
	for i, st := range steps {
		if i > 0 {
			if !c.Reusable() {
				u, _ := c.Usage()
				t.Fatalf("step %d: not reusable (usage %d)", i, u)
			}
			if err := c.Reuse(st.limit); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if peak, _ := c.Peak(); peak > ReuseLimit {
			t.Errorf("step %d: peak %d before the child started", i, peak)
		}
		cmd := helperCmd("alloc:" + strconv.Itoa(st.alloc))
		if err := startIn(c, cmd); err != nil {
			t.Fatal(err)
		}
		werr := cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		kills, err := c.OOMKills()
		if err != nil {
			t.Fatal(err)
		}
		peak, _ := c.Peak()
		t.Logf("step %d: cap %d MiB, alloc %d MiB: %v, oom kills %d, peak %.1f MiB", i, st.limit/mib, st.alloc/mib, werr, kills, float64(peak)/mib)
		switch {
		case st.oom && (kills != 1 || !ws.Signaled()):
			t.Errorf("step %d: %d OOM kills, exit %v; want one", i, kills, werr)
		case !st.oom && (kills != 0 || werr != nil):
			t.Errorf("step %d: %d OOM kills, exit %v; want none", i, kills, werr)
		case !st.oom && peak < int64(st.alloc):
			t.Errorf("step %d: peak %d below the %d allocated", i, peak, st.alloc)
		case st.limit > 0 && peak > st.limit+mib:
			t.Errorf("step %d: peak %d above the cap %d", i, peak, st.limit)
		}
	}

	// A process still in it, or a cgroup below it, keeps it from reuse.
	sleeper := exec.Command("sleep", "30")
	if err := startIn(c, sleeper); err != nil {
		t.Fatal(err)
	}
	if c.Reusable() {
		t.Error("reusable with a process in it")
	}
	sleeper.Process.Kill()
	sleeper.Wait()
	if err := os.Mkdir(c.Path()+"/below", 0o755); err != nil {
		t.Fatal(err)
	}
	if c.Reusable() {
		t.Error("reusable with a cgroup below it")
	}
	if err := os.Remove(c.Path() + "/below"); err != nil {
		t.Fatal(err)
	}
	if !c.Reusable() {
		t.Error("not reusable once empty again")
	}

	// A tmpfs file written from the cgroup keeps it charged.
	path := fmt.Sprintf("/dev/shm/weir-cgroup-reuse-%d", os.Getpid())
	t.Cleanup(func() { os.Remove(path) })
	if err := c.Reuse(64 * mib); err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("shm:" + path + "," + strconv.Itoa(4*ReuseLimit))
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if c.Reusable() {
		u, _ := c.Usage()
		t.Errorf("reusable with %d bytes of a tmpfs file charged", u)
	}
}

// TestDeleteClosesFiles: the descriptors a cgroup keeps open for its
// attempts are closed by Delete.
func TestDeleteClosesFiles(t *testing.T) {
	m := newManager(t)
	before := testenv.OpenFDs(t)
	c, err := m.New("files", 64*mib)
	if err != nil {
		t.Fatal(err)
	}
	c.Peak()
	c.Usage()
	c.OOMKills()
	c.Procs()
	if m.Mode() == V1 {
		c.Reusable()
		c.Reuse(32 * mib)
	}
	if n := testenv.OpenFDs(t); n <= before {
		t.Errorf("%d descriptors open with the cgroup in use, %d before: none kept?", n, before)
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	if n := testenv.OpenFDs(t); n != before {
		t.Errorf("%d descriptors open after Delete, %d before", n, before)
	}
}
