package cgroup

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountinfo(t *testing.T) {
	const info = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
40 35 0:35 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
41 35 0:36 /docker/abc /sys/fs/cgroup/cpu\040x rw,relatime - cgroup cgroup rw,cpu,cpuacct
42 35 0:37 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
`
	ms, err := parseMountinfo(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{
		{root: "/", point: "/sys/fs/cgroup/memory", fstype: "cgroup", super: []string{"rw", "memory"}},
		{root: "/docker/abc", point: "/sys/fs/cgroup/cpu x", fstype: "cgroup", super: []string{"rw", "cpu", "cpuacct"}},
		{root: "/", point: "/sys/fs/cgroup/unified", fstype: "cgroup2", super: []string{"rw", "nsdelegate"}},
	}
	if !reflect.DeepEqual(ms, want) {
		t.Fatalf("got %+v\nwant %+v", ms, want)
	}
	// A container's mount rooted at its own cgroup: /proc/self/cgroup
	// shows the full path, which maps to the mount point.
	if got := ms[1].dir("/docker/abc/sub"); got != "/sys/fs/cgroup/cpu x/sub" {
		t.Errorf("dir = %s", got)
	}
	if got := ms[0].dir("/process_api/x"); got != "/sys/fs/cgroup/memory/process_api/x" {
		t.Errorf("dir = %s", got)
	}
}

func TestKeyValue(t *testing.T) {
	oomControl := []byte("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
	if n, ok := keyValue(oomControl, "oom_kill"); !ok || n != 3 {
		t.Errorf("oom_kill = %d, %v", n, ok)
	}
	events := []byte("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 1")
	if n, ok := keyValue(events, "oom_group_kill"); !ok || n != 1 {
		t.Errorf("oom_group_kill = %d, %v", n, ok)
	}
	if _, ok := keyValue(events, "oom_kil"); ok {
		t.Error("found a prefix of a key")
	}
}

func TestParseStartTime(t *testing.T) {
	stat := []byte("4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615")
	if st, err := parseStartTime(stat); err != nil || st != 987654 {
		t.Fatalf("start = %d, %v", st, err)
	}
	if _, err := parseStartTime([]byte("1 (x) S 1")); err == nil {
		t.Fatal("short line parsed")
	}
}

func TestParseEngineDir(t *testing.T) {
	for name, want := range map[string][2]uint64{
		"weir-12-345":        {12, 345},
		"weir-engine-12-345": {12, 345},
	} {
		pid, start, ok := parseEngineDir(name)
		if !ok || uint64(pid) != want[0] || start != want[1] {
			t.Errorf("%s: %d %d %v", name, pid, start, ok)
		}
	}
	for _, name := range []string{"weir-12", "weir-x-1", "weir--1", "other-1-2", "weir-0-1", "weir-1-2x"} {
		if _, _, ok := parseEngineDir(name); ok {
			t.Errorf("%s parsed", name)
		}
	}
}

func TestReadFileGrows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	data := strings.Repeat("1234567\n", 1000)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var a [16]byte
	b, err := readFile(path, a[:0])
	if err != nil || string(b) != data {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	pids, err := parsePids(b)
	if err != nil || len(pids) != 1000 {
		t.Fatalf("%d pids, %v", len(pids), err)
	}
}

// A file of one record (a value, memory.oom_control) ends at a short
// read: one pread for a line. A list (cgroup.procs) comes a seq_file page
// at a time, each read short of a large buffer, and is read to its end.
func TestReadStopsAtShortReadOfOneRecord(t *testing.T) {
	list := strings.Repeat("12345\n", 20)
	for _, tc := range []struct {
		name   string
		read   func(int, []byte) ([]byte, error)
		data   string
		chunk  int // the most one pread returns, as a seq_file's page
		buf    int
		preads int
	}{
		{"record: one line", readRecord, "1234\n", 4096, 32, 1},
		{"record: fills the buffer, then a short read", readRecord, strings.Repeat("x", 40), 4096, 32, 2},
		{"record: exactly the buffer, then the end", readRecord, strings.Repeat("x", 32), 4096, 32, 2},
		{"record: empty", readRecord, "", 4096, 32, 1},
		{"list: a page at a time", readFD, list, 30, 64, 6},
		{"list: one line", readFD, "1234\n", 4096, 32, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			fd, err := open(path, unix.O_RDONLY)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			calls := 0
			pread = func(fd int, p []byte, off int64) (int, error) {
				calls++
				return unix.Pread(fd, p[:min(len(p), tc.chunk)], off)
			}
			defer func() { pread = unix.Pread }()
			b, err := tc.read(fd, make([]byte, 0, tc.buf))
			if err != nil || string(b) != tc.data {
				t.Fatalf("read %q, %v; want %q", b, err, tc.data)
			}
			if calls != tc.preads {
				t.Errorf("%d preads, want %d", calls, tc.preads)
			}
		})
	}
}
