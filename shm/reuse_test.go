package shm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// memDir is a directory on tmpfs, where pools are used, removed with
// whatever protected files a test left.
func memDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "weir-shm-test-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { RemoveAll(dir) })
	return dir
}

// released writes a committed-looking segment of n bytes of 0xAB.
func released(t *testing.T, dir, name string, n int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, bytes.Repeat([]byte{0xAB}, n), 0o444); err != nil {
		t.Fatal(err)
	}
	protect(path)
	return path
}

func openTestPool(t *testing.T, limit int64) (*Pool, string) {
	t.Helper()
	dir := memDir(t)
	p, err := OpenPool(dir, "run1", limit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, dir
}

// A released segment goes into the pool, comes out zeroed at the size
// asked for, and is counted as held until taken.
func TestPoolPutTake(t *testing.T) {
	p, dir := openTestPool(t, 1<<30)
	seg := released(t, dir, "seg", 3*zeroWindow/2) // two windows, one partial
	if err := p.Put(seg); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := os.Stat(seg); !os.IsNotExist(err) {
		t.Errorf("the released name still exists: %v", err)
	}
	p.Flush()
	if ready := p.files(readyPrefix); len(ready) != 1 {
		t.Fatalf("ready files after Flush: %v", ready)
	}
	if got := p.Held(); got != 3*zeroWindow/2 {
		t.Errorf("Held = %d, want %d", got, 3*zeroWindow/2)
	}
	dest := filepath.Join(dir, "out.partial"+ZeroedSuffix)
	if p.Take(dest, 1000) {
		t.Fatal("Take cut a 96 MiB file down to 1000 bytes")
	}
	if !p.Take(dest, zeroWindow) {
		t.Fatal("Take found nothing")
	}
	b, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != zeroWindow || !bytes.Equal(b, make([]byte, zeroWindow)) {
		t.Errorf("taken file: %d bytes, zero: %v", len(b), bytes.Equal(b, make([]byte, len(b))))
	}
	if p.Held() != 0 {
		t.Errorf("Held = %d after Take, want 0", p.Held())
	}
	if p.Take(filepath.Join(dir, "other"), 10) {
		t.Error("Take found a second file in a pool of one")
	}
}

// The pool refuses what it must not recycle; the caller then removes the
// segment as before.
func TestPoolRefuses(t *testing.T) {
	p, dir := openTestPool(t, reuseMin)
	cases := []struct {
		name  string
		setup func(path string) (undo func())
	}{
		{"open elsewhere", func(path string) func() {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return func() { f.Close() }
		}},
		{"mapped elsewhere", func(path string) func() {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			b, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ, unix.MAP_SHARED)
			f.Close() // the mapping alone holds the file
			if err != nil {
				t.Fatal(err)
			}
			return func() { unix.Munmap(b) }
		}},
		{"another name", func(path string) func() {
			setImmutable(path, false)
			if err := os.Link(path, path+".link"); err != nil {
				t.Fatal(err)
			}
			return func() { os.Remove(path + ".link") }
		}},
		{"too small", func(path string) func() {
			setImmutable(path, false)
			if err := os.Truncate(path, reuseMin-1); err != nil {
				t.Fatal(err)
			}
			return func() {}
		}},
		{"over the limit", func(path string) func() {
			setImmutable(path, false)
			if err := os.Truncate(path, 2*reuseMin); err != nil {
				t.Fatal(err)
			}
			return func() {}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seg := released(t, dir, "seg-"+c.name, reuseMin)
			undo := c.setup(seg)
			defer undo()
			if err := p.Put(seg); err == nil {
				t.Fatal("Put accepted it")
			}
			b, err := os.ReadFile(seg)
			if err != nil || b[0] != 0xAB {
				t.Errorf("the segment changed: %v", err)
			}
			remove(seg)
		})
	}
}

// Take prefers the smallest file that covers the size.
func TestPoolTakeFit(t *testing.T) {
	p, dir := openTestPool(t, 1<<30)
	for _, n := range []int{1 << 20, 4 << 20, 16 << 20} {
		if err := p.Put(released(t, dir, "s", n)); err != nil {
			t.Fatal(err)
		}
	}
	p.Flush()
	dest := filepath.Join(dir, "out")
	if !p.Take(dest, 3<<20) {
		t.Fatal("Take found nothing")
	}
	var st unix.Stat_t
	if err := unix.Stat(dest, &st); err != nil {
		t.Fatal(err)
	}
	// The 4 MiB file, cut to 3 MiB: its pages, not fresh ones.
	if st.Size != 3<<20 || st.Blocks*512 < 3<<20 {
		t.Errorf("size %d, %d bytes allocated; want 3 MiB of existing pages", st.Size, st.Blocks*512)
	}
	if got := p.Held(); got != 17<<20 {
		t.Errorf("Held = %d, want the 1 and 16 MiB files", got)
	}
	freed, err := ClearPool(dir, false)
	if err != nil || freed != 17<<20 {
		t.Errorf("ClearPool freed %d, %v; want 17 MiB", freed, err)
	}
	if entries, _ := os.ReadDir(PoolDir(dir)); len(entries) != 0 {
		t.Errorf("left in the pool: %v", entries)
	}
}

// Create takes over the zeroed file weir left beside the output path.
func TestCreateTakesZeroed(t *testing.T) {
	dir := memDir(t)
	path := filepath.Join(dir, "out.partial")
	if err := os.WriteFile(path+ZeroedSuffix, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	var before unix.Stat_t
	unix.Stat(path+ZeroedSuffix, &before)
	seg, err := Create(path, 4096)
	if err != nil {
		t.Fatal(err)
	}
	copy(seg.Bytes(), "hello")
	if err := seg.Close(); err != nil {
		t.Fatal(err)
	}
	var after unix.Stat_t
	if err := unix.Stat(path, &after); err != nil {
		t.Fatal(err)
	}
	if after.Ino != before.Ino || after.Size != 4096 {
		t.Errorf("inode %d (zeroed file's %d), size %d; want the zeroed file at 4096 bytes", after.Ino, before.Ino, after.Size)
	}
	if _, err := os.Stat(path + ZeroedSuffix); !os.IsNotExist(err) {
		t.Errorf("the zeroed file is still there: %v", err)
	}
	b, _ := os.ReadFile(path)
	if string(b[:5]) != "hello" || !bytes.Equal(b[5:], make([]byte, 4091)) {
		t.Error("the bytes are not what was written over zeros")
	}
}

// A pool that closes leaves what it did not zero dirty, never half-zeroed
// under a ready name; the next engine that opens the pool zeroes the dirty
// files (here also one an earlier engine left) before any producer gets
// them.
func TestPoolDirtyFilesZeroedByTheNextEngine(t *testing.T) {
	dir := memDir(t)
	a, err := OpenPool(dir, "runA", 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Put(released(t, dir, "seg", zeroWindow+reuseMin)); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil { // at once: most likely mid-zeroing
		t.Fatal(err)
	}
	if leftover := a.files(zeroingPrefix); len(leftover) != 0 {
		t.Fatalf("left being zeroed: %v", leftover)
	}
	if n := len(a.files(dirtyPrefix)) + len(a.files(readyPrefix)); n != 1 {
		t.Fatalf("%d dirty or ready files, want 1", n)
	}
	// And one an engine left before it, full of another segment's bytes.
	if err := os.WriteFile(filepath.Join(PoolDir(dir), dirtyPrefix+"1-runZ"), bytes.Repeat([]byte{0xCD}, 2*reuseMin), 0o600); err != nil {
		t.Fatal(err)
	}

	// Full, so that a producer waits for the zeroing rather than take
	// fresh pages to let the pool grow.
	b, err := OpenPool(dir, "runB", zeroWindow+3*reuseMin)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, size := range []int64{2 * reuseMin, zeroWindow + reuseMin} {
		dest := filepath.Join(dir, "out")
		if !b.Take(dest, size) {
			t.Fatalf("Take(%d) found nothing", size)
		}
		got, err := os.ReadFile(dest)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != size || !bytes.Equal(got, make([]byte, size)) {
			t.Fatalf("Take(%d): %d bytes, all zero: %v", size, len(got), bytes.Equal(got, make([]byte, len(got))))
		}
		os.Remove(dest)
	}
	if b.Held() != 0 {
		t.Errorf("Held = %d: b put nothing in", b.Held())
	}
}

func TestBestFit(t *testing.T) {
	for _, c := range []struct {
		sizes []int64
		size  int64
		want  int
	}{
		{nil, 10, -1},
		{[]int64{10, 20, 30}, 15, 1}, // smallest that covers
		{[]int64{5, 8, 3}, 10, 1},    // none covers: the largest
		{[]int64{50}, 10, -1},        // far too large: left alone
		{[]int64{50, 40}, 10, 1},     // 4x is still fine
		{[]int64{50, 6}, 10, 1},
	} {
		if got := bestFit(c.sizes, c.size); got != c.want {
			t.Errorf("bestFit(%v, %d) = %d, want %d", c.sizes, c.size, got, c.want)
		}
	}
}

// Two engines share a pool: files move between them by rename only, so no
// file reaches two producers, and every file a producer gets is zeros,
// whatever the interleaving of releases, zeroing, takes and closes.
func TestPoolSharedByTwoEngines(t *testing.T) {
	dir := memDir(t)
	const rounds = 20
	var wg sync.WaitGroup
	taken := make(chan string, 2*rounds)
	for e := range 2 {
		p, err := OpenPool(dir, fmt.Sprintf("engine%d", e), 4*reuseMin)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer p.Close()
			for i := range rounds {
				seg := filepath.Join(dir, fmt.Sprintf("seg-%d-%d", e, i))
				if err := os.WriteFile(seg, bytes.Repeat([]byte{0xAB}, reuseMin), 0o444); err != nil {
					t.Error(err)
					return
				}
				if err := p.Put(seg); err != nil {
					remove(seg) // a full pool refuses: the caller removes
				}
				dest := filepath.Join(dir, fmt.Sprintf("out-%d-%d", e, i))
				if p.Take(dest, reuseMin) {
					taken <- dest
				}
			}
		})
	}
	wg.Wait()
	close(taken)
	n := 0
	for dest := range taken {
		n++
		b, err := os.ReadFile(dest)
		if err != nil {
			t.Fatalf("%s: %v (taken twice?)", dest, err)
		}
		if !bytes.Equal(b, make([]byte, reuseMin)) {
			t.Fatalf("%s is not all zeros", dest)
		}
	}
	if n == 0 {
		t.Fatal("no producer got a file: the test proves nothing")
	}
	t.Logf("%d of %d takes got a file", n, 2*rounds)
	// What the pools hold after both closed is whole files, dirty or
	// ready, never one half-way.
	if left, _ := filepath.Glob(filepath.Join(PoolDir(dir), zeroingPrefix+"*")); len(left) != 0 {
		t.Errorf("left being zeroed: %v", left)
	}
}

// A .zeroing- file whose engine died (nobody holds its lock) is zeroed by
// the next engine; one whose engine lives (its lock held) is left alone.
func TestPoolAdoptsOnlyOrphans(t *testing.T) {
	dir := memDir(t)
	if err := os.MkdirAll(PoolDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(PoolDir(dir), zeroingPrefix+"1-deadrun")
	live := filepath.Join(PoolDir(dir), zeroingPrefix+"1-liverun")
	for _, path := range []string{orphan, live} {
		if err := os.WriteFile(path, bytes.Repeat([]byte{0xAB}, reuseMin), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	held, err := os.OpenFile(live, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if !lockZeroing(held) {
		t.Fatal("cannot lock the live engine's file")
	}

	p, err := OpenPool(dir, "run2", 2*reuseMin) // full: Take waits for zeroing
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out")
	if !p.Take(dest, reuseMin) {
		t.Fatal("the orphan was not zeroed for a producer")
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, make([]byte, reuseMin)) {
		t.Error("the orphan's bytes show through")
	}
	if p.Take(filepath.Join(dir, "out2"), reuseMin) {
		t.Error("Take handed out the file a live engine is zeroing")
	}
	p.Close()
	if b, err := os.ReadFile(live); err != nil || b[0] != 0xAB {
		t.Errorf("the live engine's file was touched: %v", err)
	}
}
