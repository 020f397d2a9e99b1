package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cgroups "github.com/containerd/cgroups/v3"
)

// newV2Manager returns a v2 Manager even where v2 has no memory
// controller (hybrid hosts), to test clone-into-cgroup, cgroup.kill and
// removal there. It skips where no v2 tree is writable: Detect's tests
// cover whichever mode the host caps memory with.
func newV2Manager(t *testing.T) *Manager {
	t.Helper()
	if os.Geteuid() != 0 || cgroups.Mode() == cgroups.Legacy || cgroups.Mode() == cgroups.Unavailable {
		t.Skip("no writable cgroup v2 tree")
	}
	_, unified, err := cgroups.ParseCgroupFileUnified("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	mounts, err := readMountinfo("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	m, err := detectV2(mounts, unified, false)
	if err != nil {
		t.Skipf("cgroup v2 not writable here: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if exists(m.Dir()) {
			t.Errorf("Close left %s", m.Dir())
		}
	})
	return m
}

// On v2 the child is cloned into its cgroup, and Kill (cgroup.kill where
// the kernel has it) takes a tree that left its session.
func TestV2CloneIntoAndKill(t *testing.T) {
	m := newV2Manager(t)
	t.Logf("%v; features %+v", m, m.Features())
	if _, err := m.New("capped", mib); err == nil {
		t.Fatal("New with a cap succeeded without a memory controller")
	}
	c, err := m.New("tree", 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("tree")
	out, _ := cmd.StdoutPipe()
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	if !cmd.SysProcAttr.UseCgroupFD {
		t.Fatal("Prepare did not set UseCgroupFD")
	}
	pids := readLines(t, bufio.NewScanner(out))
	for _, who := range []string{"tree", "grandchild"} {
		line := cgroupLine(t, fmt.Sprintf("/proc/%d/cgroup", pids[who]), V2)
		if !strings.HasSuffix(c.Path(), line) {
			t.Errorf("%s is in %s, want %s", who, line, c.Path())
		}
	}
	if line := cgroupLine(t, "/proc/self/cgroup", V2); strings.HasSuffix(c.Path(), line) {
		t.Errorf("the engine moved into %s", line)
	}
	if procs, _ := c.Procs(); !containsAll(procs, pids["tree"], pids["grandchild"]) {
		t.Fatalf("Procs = %v, helpers %v", procs, pids)
	}
	start := time.Now()
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Kill took %v", time.Since(start))
	cmd.Wait()
	for _, who := range []string{"tree", "daemon", "grandchild"} {
		gone(t, pids[who])
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	if exists(c.Path()) {
		t.Fatalf("%s still exists", c.Path())
	}
}

// The v1 thread move is refused on v2, and ProcAttr on v1.
func TestWrongModeCalls(t *testing.T) {
	m := newV2Manager(t)
	c, err := m.New("mode", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete()
	if _, err := c.EnterThread(); err == nil {
		t.Error("EnterThread on v2 succeeded")
	}
	if _, err := c.ProcAttr(nil); err == nil {
		t.Error("ProcAttr(nil) succeeded")
	}
	v1 := &Cgroup{m: &Manager{mode: V1}, dir: c.Path()}
	if _, err := v1.ProcAttr(nil); err == nil {
		t.Error("ProcAttr on v1 succeeded")
	}
}

// On v2 the engine moves itself into a leaf only when it is alone in its
// cgroup, and moves back when the controller can't be enabled after all.
// The test plays the engine's own cgroup with a fresh one, moving the test
// process there and back to the root.
func TestV2DelegateLeaf(t *testing.T) {
	if os.Geteuid() != 0 || cgroups.Mode() == cgroups.Legacy || cgroups.Mode() == cgroups.Unavailable {
		t.Skip("no writable cgroup v2 tree")
	}
	_, unified, _ := cgroups.ParseCgroupFileUnified("/proc/self/cgroup")
	mounts, err := readMountinfo("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	mnt, ok := findMount(mounts, func(m mount) bool { return m.fstype == "cgroup2" })
	if !ok || unified != "/" || mnt.root != "/" {
		t.Skip("the test process is not in the v2 root, so it could not move back")
	}
	own := fmt.Sprintf("%s/weir-delegate-test-%d", mnt.point, os.Getpid())
	if err := os.Mkdir(own, 0o755); err != nil {
		t.Skip(err)
	}
	self := []byte(strconv.Itoa(os.Getpid()))
	t.Cleanup(func() {
		if err := writeFile(mnt.point+"/cgroup.procs", self); err != nil {
			t.Errorf("move the test process back: %v", err)
		}
		writeFile(own+"/cgroup.subtree_control", []byte("-memory"))
		if err := rmdirTree(own, time.Now().Add(time.Second)); err != nil {
			t.Error(err)
		}
	})
	if err := writeFile(own+"/cgroup.procs", self); err != nil {
		t.Fatal(err)
	}
	m := &Manager{mode: V2, own: own, ownTasks: -1}

	// Not alone: refused, nothing moved.
	other := helperCmd("sleep")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(own+"/cgroup.procs", []byte(strconv.Itoa(other.Process.Pid))); err != nil {
		t.Fatal(err)
	}
	err = m.delegate("memory")
	other.Process.Kill()
	other.Wait()
	if err == nil || !strings.Contains(err.Error(), "other processes") {
		t.Fatalf("delegate with another process inside: %v", err)
	}
	if got := cgroupLine(t, "/proc/self/cgroup", V2); !strings.HasSuffix(own, got) {
		t.Fatalf("the engine moved to %s", got)
	}

	// Alone: into the leaf; where memory can't be had, back again.
	err = m.delegate("memory")
	got := cgroupLine(t, "/proc/self/cgroup", V2)
	subs, _ := subdirs(own)
	if err != nil {
		t.Logf("no memory to delegate here: %v", err)
		if !strings.HasSuffix(own, got) || len(subs) != 0 {
			t.Fatalf("after a failed delegation the engine is in %s, leaves %v", got, subs)
		}
		return
	}
	if len(subs) != 1 || !strings.HasSuffix(subs[0], got) || !strings.HasPrefix(filepath.Base(subs[0]), engineLeafPrefix) {
		t.Fatalf("the engine is in %s, leaves %v", got, subs)
	}
	sc, _ := os.ReadFile(own + "/cgroup.subtree_control")
	if !strings.Contains(string(sc), "memory") {
		t.Fatalf("subtree_control %q", sc)
	}
}
