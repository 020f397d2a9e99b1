package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
// Pool keeps released segments of one shm_dir in <shm_dir>/.reuse, up to
// a limit, for later producers of this run or of a later one, and hands a
// zeroed one to a producer that declares its output's size:
// <output path>.zeroed is then a file of that many zero bytes whose pages
// exist. shm.Create renames it to the output path and writes over it; a
// producer that makes its own file never knows, and its output is what it
// would have been.
//
// A file in the pool is in one of three states, told by its name:
//   - d-NAME, dirty: released, not zeroed. An engine that opens the pool
//     zeroes the dirty files it finds, in the background.
//   - .zeroing-NAME: an engine is zeroing it, holding a lock on it. One
//     that stops (its run ended) renames what it did not finish back to
//     d-NAME; one killed loses the lock, and the next engine to open the
//     pool zeroes the file.
//   - z-NAME, ready: all zeros, for the next producer.
//
// Zeroing runs on one core beside the tasks, starts as soon as a segment
// is released, and never holds up the end of a run: a run that ends first
// leaves the rest dirty, and the next engine finishes it.
//
// What makes it safe:
//   - a segment is recycled only when its one name is the released one
//     and no process has it open or mapped (a write lease is granted only
//     then, see claim); else it is removed as before, so committed bytes
//     never change under anyone;
//   - only a zeroed file goes to a producer, so one that writes part of it
//     finds zeros elsewhere, as on fresh pages, never another segment's
//     bytes;
//   - files move between states by rename only: a pool shared by two
//     engines gives a file to one of them.

// ZeroedSuffix names the file of reused zero pages beside an output path.
const ZeroedSuffix = ".zeroed"

const (
	reuseDir      = ".reuse"
	dirtyPrefix   = "d-"
	zeroingPrefix = ".zeroing-"
	readyPrefix   = "z-"
	zeroWindow    = 64 << 20 // mapped at a time while zeroing, to bound the engine's RSS
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

	mu   sync.Mutex
	mine map[string]int64 // files this engine put in and nobody took yet
	jobs map[*zeroJob]bool
	wg   sync.WaitGroup
	held atomic.Int64 // sum of mine
	err  error        // first failure while zeroing, for Close
}

// OpenPool opens the pool of shm_dir, which keeps at most limit bytes,
// and starts zeroing the dirty files earlier engines left, and those a
// killed engine was zeroing. owner (a run id) names the files this engine
// adds. Close stops it.
func OpenPool(shmDir, owner string, limit int64) (*Pool, error) {
	if !validComponent(owner) {
		return nil, fmt.Errorf("shm: invalid pool owner %q", owner)
	}
	dir := filepath.Join(shmDir, reuseDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("shm: create %s: %w", dir, err)
	}
	p := &Pool{dir: dir, limit: limit, owner: owner, mine: map[string]int64{}, jobs: map[*zeroJob]bool{}}
	for _, f := range p.files("") {
		var name string
		switch {
		case strings.HasPrefix(f.name, dirtyPrefix):
			name = strings.TrimPrefix(f.name, dirtyPrefix)
		case strings.HasPrefix(f.name, zeroingPrefix):
			name = strings.TrimPrefix(f.name, zeroingPrefix) // its engine may be gone
		default:
			continue
		}
		path := filepath.Join(dir, f.name)
		file, err := os.OpenFile(path, os.O_RDWR|unix.O_NOFOLLOW, 0)
		if err != nil {
			continue // another engine took it meanwhile
		}
		// A lock held means a live engine is zeroing it (or adopting it
		// right now): leave it. A lock taken after that engine let go is
		// on a file that has another name by now (ready, perhaps already
		// a producer's): only the file the name still gives is ours.
		zeroing := filepath.Join(dir, zeroingPrefix+name)
		if !lockZeroing(file) || !names(path, file) ||
			(path != zeroing && os.Rename(path, zeroing) != nil) {
			file.Close()
			continue
		}
		p.zero(name, file, f.size)
	}
	return p, nil
}

// lockZeroing takes the lock that marks a pool file as being zeroed by a
// live engine: held from before the file is named .zeroing- until it has
// its next name, and released by the kernel when the engine dies, so that
// a .zeroing- file nobody holds is an orphan the next engine zeroes.
func lockZeroing(f *os.File) bool {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}

// names reports whether path still names the file open as f.
func names(path string, f *os.File) bool {
	a, err1 := os.Lstat(path)
	b, err2 := f.Stat()
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// PoolDir is where the pool of shm_dir keeps its files.
func PoolDir(shmDir string) string { return filepath.Join(shmDir, reuseDir) }

// Held is the bytes this engine added to the pool that are still there:
// memory the run holds beside its live segments.
func (p *Pool) Held() int64 { return p.held.Load() }

// Put recycles the released segment at path, or says why not (nil: it is
// the pool's now, and path is gone). The caller removes a segment Put
// refused. The zeroing runs in the background.
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
	if !lockZeroing(f) {
		f.Close()
		return errors.New("cannot lock it")
	}
	if err := os.Rename(path, filepath.Join(p.dir, zeroingPrefix+name)); err != nil {
		f.Close()
		return err
	}
	// Nobody else knows the new name: the lease has done its work.
	unix.FcntlInt(f.Fd(), unix.F_SETLEASE, unix.F_UNLCK)
	p.add(name, size)
	p.zero(name, f, size)
	return nil
}

// zero zeroes the file open as f, now .zeroing-NAME, in the background,
// then makes it ready (or dirty again, when the pool closes first). It
// owns f.
func (p *Pool) zero(name string, f *os.File, size int64) {
	job := newZeroJob(f, size)
	p.mu.Lock()
	p.jobs[job] = true
	p.mu.Unlock()
	p.wg.Go(func() {
		job.work()
		complete, err := job.finish()
		// The file keeps its lock until it has its next name (see
		// lockZeroing): closing first would let another engine take it
		// for an orphan and zero it too.
		defer f.Close()
		zeroing := filepath.Join(p.dir, zeroingPrefix+name)
		switch {
		case err != nil:
			p.fail(name, zeroing, fmt.Errorf("shm: zero %s: %w", zeroing, err))
		case !complete:
			if os.Rename(zeroing, filepath.Join(p.dir, dirtyPrefix+name)) != nil {
				os.Remove(zeroing)
				p.taken(name)
			}
		default:
			if err := os.Rename(zeroing, filepath.Join(p.dir, readyPrefix+name)); err != nil {
				p.fail(name, zeroing, err) // gc removed it meanwhile
			} else {
				job.ready = true
			}
		}
		p.mu.Lock()
		delete(p.jobs, job)
		p.mu.Unlock()
		close(job.finished)
	})
}

// claim checks that the file open as f may be recycled: a regular file of
// one name, large enough to be worth it, in room under the limit, that no
// other open file or mapping holds. It returns the file's size, with a
// write lease held on f.
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
// and reports whether there was one (see bestFit for which: a file cut
// down frees its tail, one grown gets fresh zero pages for the rest). With
// none ready and the pool full, it helps zero one this engine is zeroing
// and takes that: zeroing costs a third of what fresh pages would.
func (p *Pool) Take(dest string, size int64) bool {
	for {
		if p.take(dest, size) {
			return true
		}
		// While the pool has room for this output's segment, fresh pages
		// now let it grow: later, one file is written over while another
		// is zeroed beside it, and no producer waits for zeroing. Only a
		// full pool makes the producer wait for (and help) the zeroing.
		if p.bytes()+size <= p.limit {
			return false
		}
		p.mu.Lock()
		sizes := make([]int64, 0, len(p.jobs))
		jobs := make([]*zeroJob, 0, len(p.jobs))
		for j := range p.jobs {
			sizes = append(sizes, j.size)
			jobs = append(jobs, j)
		}
		p.mu.Unlock()
		i := bestFit(sizes, size)
		if i < 0 {
			// A job that ended since the first look has named its file
			// already (it leaves jobs after the rename): one more look.
			return p.take(dest, size)
		}
		if !jobs[i].help() {
			return false
		}
	}
}

// bestFit picks among file sizes the one to give a producer of size
// bytes, or -1: the smallest that covers size, else the largest. A file
// more than overSize times larger is left alone: cutting it down would
// throw away more zeroed pages than the producer saves.
func bestFit(sizes []int64, size int64) int {
	best := -1
	for i, n := range sizes {
		if n > overSize*size {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := sizes[best]
		if (n >= size && (b < size || n < b)) || (b < size && n > b) {
			best = i
		}
	}
	return best
}

// overSize bounds how much larger than asked a pool file handed out may be.
const overSize = 4

func (p *Pool) take(dest string, size int64) bool {
	ready := p.files(readyPrefix)
	for {
		sizes := make([]int64, len(ready))
		for i, f := range ready {
			sizes[i] = f.size
		}
		best := bestFit(sizes, size)
		if best < 0 {
			return false
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
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

// Flush waits until every file being zeroed is ready, helping on the
// calling goroutine.
func (p *Pool) Flush() {
	for {
		p.mu.Lock()
		var job *zeroJob
		for j := range p.jobs {
			job = j
			break
		}
		p.mu.Unlock()
		if job == nil {
			return
		}
		job.help()
	}
}

// Close stops the zeroing between two windows, leaves what it did not
// finish dirty for the next engine, and returns the first error met while
// zeroing (such a file was removed).
func (p *Pool) Close() error {
	p.mu.Lock()
	for job := range p.jobs {
		job.stop.Store(true)
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// ClearPool removes every file of the pool of shm_dir, and the pool's
// directory, and says how many bytes it freed. A file another engine is
// zeroing right now goes too: that engine then fails to make it ready and
// drops it.
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
	if !dryRun {
		os.Remove(dir) // gone with its last file; one an engine refilled meanwhile stays
	}
	return freed, nil
}
