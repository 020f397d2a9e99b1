package libbench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/weirflow/weir/executor/local/cgroup"
	"golang.org/x/sys/unix"
)

const limit = 100 << 20

func ownMemory(b *testing.B) string {
	paths, err := cgroup1.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		b.Fatal(err)
	}
	return paths["memory"]
}

func memOnly() ([]cgroup1.Subsystem, error) {
	return []cgroup1.Subsystem{cgroup1.NewMemory("/sys/fs/cgroup")}, nil
}

func res() *specs.LinuxResources {
	l := int64(limit)
	return &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &l, Swap: &l}}
}

// Weir's own: New (mkdir + limit + memsw) + Delete (rmdir).
func BenchmarkV1Weir(b *testing.B) {
	m, err := cgroup.Detect()
	if err != nil {
		b.Skip(err)
	}
	defer m.Close()
	for b.Loop() {
		c, err := m.New("x", limit)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkV1WeirStats(b *testing.B) {
	m, err := cgroup.Detect()
	if err != nil {
		b.Skip(err)
	}
	defer m.Close()
	c, _ := m.New("x", limit)
	defer c.Delete()
	for b.Loop() {
		if _, err := c.Peak(); err != nil {
			b.Fatal(err)
		}
		if _, err := c.OOMKills(); err != nil {
			b.Fatal(err)
		}
	}
}

// containerd/cgroups with a static path and a memory-only hierarchy: the
// cheapest way to use it.
func BenchmarkV1LibMemoryOnly(b *testing.B) {
	base := filepath.Join(ownMemory(b), fmt.Sprintf("weirlib-%d", os.Getpid()))
	i := 0
	for b.Loop() {
		i++
		cg, err := cgroup1.New(cgroup1.StaticPath(fmt.Sprintf("%s/%d", base, i)), res(), cgroup1.WithHierarchy(memOnly))
		if err != nil {
			b.Fatal(err)
		}
		if err := cg.Delete(); err != nil {
			b.Fatal(err)
		}
	}
	os.Remove("/sys/fs/cgroup/memory" + base)
}

// As containerd's README shows it: NestedPath re-reads /proc/self/cgroup
// and mountinfo, and the default hierarchy touches every v1 controller.
func BenchmarkV1LibDefault(b *testing.B) {
	i := 0
	for b.Loop() {
		i++
		cg, err := cgroup1.New(cgroup1.NestedPath(fmt.Sprintf("weirlib-%d-%d", os.Getpid(), i)), res())
		if err != nil {
			b.Fatal(err)
		}
		if err := cg.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

// Load + Stat: what the engine would call for peak and oom_kill.
func BenchmarkV1LibStats(b *testing.B) {
	p := filepath.Join(ownMemory(b), fmt.Sprintf("weirlib-stat-%d", os.Getpid()))
	cg, err := cgroup1.New(cgroup1.StaticPath(p), res(), cgroup1.WithHierarchy(memOnly))
	if err != nil {
		b.Fatal(err)
	}
	defer cg.Delete()
	for b.Loop() {
		c, err := cgroup1.Load(cgroup1.StaticPath(p), cgroup1.WithHierarchy(memOnly))
		if err != nil {
			b.Fatal(err)
		}
		st, err := c.Stat(cgroup1.IgnoreNotExist)
		if err != nil {
			b.Fatal(err)
		}
		_ = st.Memory.Usage.Max + st.MemoryOomControl.OomKill
	}
}

// The thread move through the library (AddTask), against one write.
func BenchmarkV1LibAddTask(b *testing.B) {
	own := ownMemory(b)
	p := filepath.Join(own, fmt.Sprintf("weirlib-task-%d", os.Getpid()))
	cg, err := cgroup1.New(cgroup1.StaticPath(p), res(), cgroup1.WithHierarchy(memOnly))
	if err != nil {
		b.Fatal(err)
	}
	defer cg.Delete()
	parent, err := cgroup1.Load(cgroup1.StaticPath(own), cgroup1.WithHierarchy(memOnly))
	if err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	for b.Loop() {
		if err := cg.AddTask(cgroup1.Process{Pid: tid}, cgroup1.Memory); err != nil {
			b.Fatal(err)
		}
		if err := parent.AddTask(cgroup1.Process{Pid: tid}, cgroup1.Memory); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkV1WeirEnterThread(b *testing.B) {
	m, err := cgroup.Detect()
	if err != nil {
		b.Skip(err)
	}
	defer m.Close()
	c, _ := m.New("x", limit)
	defer c.Delete()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if unix.Gettid() == os.Getpid() {
		b.Skip("main thread")
	}
	for b.Loop() {
		restore, err := c.EnterThread()
		if err != nil {
			b.Fatal(err)
		}
		if err := restore(); err != nil {
			b.Fatal(err)
		}
	}
}

// v2 (on the hybrid host's unified tree, no memory controller): the
// library's NewChild + Delete against mkdir + rmdir.
func BenchmarkV2Lib(b *testing.B) {
	if !strings.Contains(mustRead("/proc/self/mountinfo"), "/sys/fs/cgroup/unified") {
		b.Skip("no unified tree")
	}
	parent, err := cgroup2.NewManager("/sys/fs/cgroup/unified", fmt.Sprintf("/weirlib-%d", os.Getpid()), &cgroup2.Resources{})
	if err != nil {
		b.Fatal(err)
	}
	defer parent.Delete()
	i := 0
	for b.Loop() {
		i++
		c, err := parent.NewChild(fmt.Sprint(i), &cgroup2.Resources{})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkV2Hand(b *testing.B) {
	dir := fmt.Sprintf("/sys/fs/cgroup/unified/weirhand-%d", os.Getpid())
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Skip(err)
	}
	defer os.Remove(dir)
	for b.Loop() {
		if err := unix.Mkdir(dir+"/t", 0o755); err != nil {
			b.Fatal(err)
		}
		if err := unix.Rmdir(dir + "/t"); err != nil {
			b.Fatal(err)
		}
	}
}

func mustRead(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}
