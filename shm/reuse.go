package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Reusing the pages of released segments.
//
// On tmpfs most of a fresh handoff is the kernel allocating and clearing
// every page the producer touches (about 0.33 s a GiB here, half of the
// handoff); writing over pages a file already has costs none of that. A
// Pool keeps released segments of one shm_dir, zeroed, in
// <shm_dir>/.reuse, up to a limit, for later producers of this run or of
// a later one, and hands one to a producer that declares its output's
// size: <output path>.zeroed is then a file of that many zero bytes whose
// pages exist. shm.Create renames it to the output path and writes over
// it; a producer that makes its own file never knows, and its output is
// what it would have been.
//
// What makes it safe:
//   - a segment is recycled only when its one name is the released one
//     and no process has it open or mapped (a write lease is granted only
//     then, see lease); else it is removed as before, so committed bytes
//     never change under anyone;
//   - it is zeroed before any producer sees it, so one that writes part of
//     it finds zeros elsewhere, as on fresh pages, never another segment's
//     bytes;
//   - files move between names by rename only: a pool shared by two
//     engines gives a file to one of them.

// ZeroedSuffix names the file of reused zero pages beside an output path.
const ZeroedSuffix = ".zeroed"

const (
	reuseDir      = ".reuse"
	readyPrefix   = "z-"        // zeroed, ready for a producer
	zeroingPrefix = ".zeroing-" // being zeroed; removed by gc if left
	zeroWindow    = 64 << 20    // mapped at a time while zeroing, to bound the engine's RSS
	// reuseMin is the smallest segment kept: below it fresh pages cost
	// less than the bookkeeping.
	reuseMin = 1 << 20
)

// Pool is the reusable pages in one shm_dir, as one engine sees them.
type Pool struct {
	dir   string
	limit int64  // most bytes the pool holds
	owner string // names this engine's files apart from another engine's
	seq   atomic.Int64

	mu    sync.Mutex
	mine  map[string]int64 // files this engine put in and nobody took yet
	jobs  map[*zeroJob]bool
	wg    sync.WaitGroup
	held  atomic.Int64 // sum of mine
	inErr error        // first failure while zeroing, for Wait
}

// OpenPool opens the pool of shm_dir, which keeps at most limit bytes.
// owner (a run id) names the files this engine adds.
func OpenPool(shmDir, owner string, limit int64) (*Pool, error) {
	if !validComponent(owner) {
		return nil, fmt.Errorf("shm: invalid pool owner %q", owner)
	}
	dir := filepath.Join(shmDir, reuseDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("shm: create %s: %w", dir, err)
	}
	return &Pool{dir: dir, limit: limit, owner: owner, mine: map[string]int64{}, jobs: map[*zeroJob]bool{}}, nil
}

// PoolDir is where the pool of shm_dir keeps its files.
func PoolDir(shmDir string) string { return filepath.Join(shmDir, reuseDir) }

// Held is the bytes this engine added to the pool that are still there:
// memory the run holds beside its live segments.
func (p *Pool) Held() int64 { return p.held.Load() }

// Put recycles the released segment at path, or says why not (nil: it is
// the pool's now, and path is gone). The caller removes a segment Put
// refused. The zeroing runs in the background; Wait waits for it.
func (p *Pool) Put(path string) error {
	setImmutable(path, false)
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	size, err := p.claim(f)
	if err != nil {
		f.Close()
		return err
	}
	name := strconv.FormatInt(p.seq.Add(1), 10) + "-" + p.owner
	zeroing := filepath.Join(p.dir, zeroingPrefix+name)
	if err := os.Rename(path, zeroing); err != nil {
		f.Close()
		return err
	}
	// Nobody else knows the new name: the lease has done its work.
	unix.FcntlInt(f.Fd(), unix.F_SETLEASE, unix.F_UNLCK)
	p.add(name, size)
	job := newZeroJob(f, size)
	p.mu.Lock()
	p.jobs[job] = true
	p.mu.Unlock()
	p.wg.Go(func() {
		err := job.run()
		p.mu.Lock()
		delete(p.jobs, job)
		p.mu.Unlock()
		f.Close()
		if err != nil {
			p.fail(name, zeroing, fmt.Errorf("shm: zero %s: %w", zeroing, err))
			return
		}
		if err := os.Rename(zeroing, filepath.Join(p.dir, readyPrefix+name)); err != nil {
			p.fail(name, zeroing, err)
		}
	})
	return nil
}

// claim checks that the file open as f may be recycled: a regular file of
// one name, in room under the limit, that no other open file or mapping
// holds. It returns the file's size, with a write lease held on f.
func (p *Pool) claim(f *os.File) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, err
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return 0, errors.New("not a regular file")
	case st.Nlink != 1:
		return 0, errors.New("it has another name (a resumed run shares it)")
	case st.Size < reuseMin:
		return 0, errors.New("too small to be worth keeping")
	}
	if used := p.bytes(); used+st.Size > p.limit {
		return 0, fmt.Errorf("the pool holds %d of its %d bytes", used, p.limit)
	}
	// A write lease is granted only when no other open file, mapping
	// included, refers to the inode: no reader can see the zeroing.
	if _, err := unix.FcntlInt(f.Fd(), unix.F_SETLEASE, unix.F_WRLCK); err != nil {
		return 0, fmt.Errorf("still open or mapped elsewhere: %w", err)
	}
	return st.Size, nil
}

// bytes is what the pool's files hold, whoever put them there.
func (p *Pool) bytes() int64 {
	var n int64
	for _, f := range p.files("") {
		n += f.size
	}
	return n
}

type poolFile struct {
	name string
	size int64
}

// files lists the pool's files whose names start with prefix ("" for all).
func (p *Pool) files(prefix string) []poolFile {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return nil
	}
	var out []poolFile
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, poolFile{e.Name(), fi.Size()})
		}
	}
	return out
}

// Take moves a zeroed file of the pool to dest and sizes it to size bytes,
// and reports whether there was one. It prefers the smallest file that
// covers size, else the largest: a file cut down frees its tail, one
// grown gets fresh zero pages for the rest.
func (p *Pool) Take(dest string, size int64) bool {
	if p.take(dest, size) {
		return true
	}
	// A file this engine is zeroing is worth the wait: zeroing costs a
	// third of what fresh pages would. Helping zero it shortens the wait.
	p.mu.Lock()
	var jobs []*zeroJob
	for job := range p.jobs {
		jobs = append(jobs, job)
	}
	p.mu.Unlock()
	if len(jobs) == 0 {
		return false
	}
	for _, job := range jobs {
		job.run()
	}
	p.wg.Wait()
	return p.take(dest, size)
}

func (p *Pool) take(dest string, size int64) bool {
	ready := p.files(readyPrefix)
	for len(ready) > 0 {
		best := 0
		for i, f := range ready {
			b := ready[best]
			if (f.size >= size && (b.size < size || f.size < b.size)) || (b.size < size && f.size > b.size) {
				best = i
			}
		}
		f := ready[best]
		ready = append(ready[:best], ready[best+1:]...)
		// Another engine may take the same file first: its rename wins.
		if os.Rename(filepath.Join(p.dir, f.name), dest) != nil {
			continue
		}
		p.taken(strings.TrimPrefix(f.name, readyPrefix))
		if os.Truncate(dest, size) != nil {
			os.Remove(dest)
			return false
		}
		return true
	}
	return false
}

func (p *Pool) add(name string, size int64) {
	p.mu.Lock()
	p.mine[name] = size
	p.mu.Unlock()
	p.held.Add(size)
}

func (p *Pool) taken(name string) {
	p.mu.Lock()
	size, ok := p.mine[name]
	delete(p.mine, name)
	p.mu.Unlock()
	if ok {
		p.held.Add(-size)
	}
}

func (p *Pool) fail(name, path string, err error) {
	os.Remove(path)
	p.taken(name)
	p.mu.Lock()
	if p.inErr == nil {
		p.inErr = err
	}
	p.mu.Unlock()
}

// Wait waits until every file Put gave the pool is zeroed and ready, and
// returns the first error among them (such a file was removed). While the
// run goes on, a file is zeroed on one core; at its end nothing else needs
// the others, so Wait zeroes on all of them.
func (p *Pool) Wait() error {
	p.mu.Lock()
	for job := range p.jobs {
		for range runtime.NumCPU() - 1 {
			go job.run()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inErr
}

// zeroJob writes zeros over a file, zeroWindow bytes at a time, on as
// many goroutines as call run.
type zeroJob struct {
	fd      int
	size    int64
	next    atomic.Int64 // the next window to take
	done    sync.WaitGroup
	errOnce sync.Once
	err     error
}

func newZeroJob(f *os.File, size int64) *zeroJob {
	j := &zeroJob{fd: int(f.Fd()), size: size}
	j.done.Add(int((size + zeroWindow - 1) / zeroWindow))
	return j
}

// run zeroes windows until none is left to take, then waits for those
// other goroutines took, and returns the first error.
func (j *zeroJob) run() error {
	for {
		off := (j.next.Add(1) - 1) * zeroWindow
		if off >= j.size {
			break
		}
		if err := zeroWindowAt(j.fd, off, min(zeroWindow, j.size-off)); err != nil {
			j.errOnce.Do(func() { j.err = err })
		}
		j.done.Done()
	}
	j.done.Wait()
	return j.err
}

// zeroWindowAt writes zeros over n bytes at off through a mapping: on
// tmpfs a third of the cost of pwrite from a buffer of zeros, since
// filling a window's page tables at once is cheaper than copying.
func zeroWindowAt(fd int, off, n int64) error {
	b, err := unix.Mmap(fd, off, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return err
	}
	clear(b)
	return unix.Munmap(b)
}

// ClearPool removes every file of the pool of shm_dir and says how many
// bytes it freed. A file another engine is zeroing right now goes too:
// that engine then fails to make it ready and drops it.
func ClearPool(shmDir string, dryRun bool) (int64, error) {
	dir := PoolDir(shmDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("shm: %w", err)
	}
	var freed int64
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if !dryRun {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return freed, fmt.Errorf("shm: %w", err)
			}
		}
		freed += fi.Size()
	}
	return freed, nil
}
