package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DBFile is the name of the database in a state dir.
const DBFile = "weir.db"

// Errors of the store. Wrapped errors carry the path and what to do; test
// with errors.Is.
var (
	// ErrNotFound: no such run, or no store in the dir (read-only opens).
	ErrNotFound = errors.New("not found")
	// ErrCorrupt: the database file cannot be read as a bbolt database, or
	// holds records this weir cannot decode.
	ErrCorrupt = errors.New("store damaged")
	// ErrNewerLayout: the store was written by a newer weir; it is refused
	// rather than misread.
	ErrNewerLayout = errors.New("store written by a newer weir")
	// ErrOlderLayout: a read-only open found a layout that needs a
	// migration, which only a writable open performs.
	ErrOlderLayout = errors.New("store needs an upgrade")
	// ErrClosed: the Store or Journal was closed.
	ErrClosed = errors.New("store: closed")
	// ErrReadOnly: a write through a store opened read-only.
	ErrReadOnly = errors.New("store: opened read-only")
	// ErrRunExists: Journal was asked to create a run that exists.
	ErrRunExists = errors.New("run exists")
)

// Options configure Open.
type Options struct {
	// ReadOnly opens for reading. bbolt still takes a (shared) flock, which
	// an engine's exclusive lock blocks: while an engine runs, a read-only
	// Open fails with *ErrLocked like any other. Readers that must work
	// during a run use ReadEvents and ListRuns.
	ReadOnly bool
	// NoSync skips fsync on commit: for tests and benchmarks only, since a
	// crash may then lose or damage what was committed.
	NoSync bool
	// Timeout bounds the wait for the file lock; 0 means 1 s, long enough
	// for a reader's brief hold, short enough to fail a second engine fast.
	Timeout time.Duration

	// migrations replaces the package's list, for tests.
	migrations []migration
}

// Store is the checkpoint database of one state dir. Its methods may be
// called from many goroutines.
type Store struct {
	dir  string
	path string
	db   *bolt.DB
	o    Options

	// The batcher: writes queue here and one goroutine commits them (see
	// journal.go).
	mu       sync.Mutex
	kick     chan struct{} // cap 1: something was queued, or Close began
	queue    []op
	syncs    int       // ops in queue whose writer blocks on the commit
	pending  *batch    // the batch the queued ops will be committed in
	queuedAt time.Time // when its first op was queued
	demand   bool      // a writer waits for the pending batch
	inflight *batch    // the batch being committed
	closing  bool
	broken   error // the first failed commit: every later write fails with it
	journals map[string]*Journal
	loopDone chan struct{}
	stats    Stats

	lostAtOpen []string // runs this Open marked lost (LostAtOpen)

	taskReads atomic.Uint64 // task records decoded for readers (TaskReads)
}

// Stats counts the batcher's work since Open.
type Stats struct {
	Commits uint64 // transactions committed
	Events  uint64 // events in them
	Ops     uint64 // everything written: events, hashes, outputs, runs
	// Bytes of the values written: task state records, and definitions
	// (layout 3 writes a task's definition once, whatever its changes).
	TaskBytes, DefBytes uint64
}

// Open opens the store of state dir dir, creating dir (0700) and its
// database (0600) unless o.ReadOnly. A writable Open is the engine's: it
// holds an exclusive lock until Close, migrates an older layout, and marks
// as lost the runs that an earlier engine left running.
//
// Errors: *ErrLocked when another process holds the store past o.Timeout;
// ErrNewerLayout, ErrCorrupt, and for read-only opens ErrOlderLayout and
// ErrNotFound, each wrapped in a message that says what to do.
func Open(dir string, o Options) (*Store, error) {
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	if o.migrations == nil {
		o.migrations = migrations
	}
	path := filepath.Join(dir, DBFile)
	if o.ReadOnly {
		fi, err := os.Stat(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("store: no store at %s: %w", path, ErrNotFound)
			}
			return nil, fmt.Errorf("store: %w", err)
		}
		if fi.Size() == 0 {
			// An engine killed between creating the file and writing its
			// first pages: nothing was recorded, and the next engine
			// writes them. A read-only open would fail trying to.
			return nil, fmt.Errorf("store: %s is empty, no run recorded yet: %w", path, ErrNotFound)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create state dir: %w", err)
	}

	s := &Store{dir: dir, path: path, o: o, journals: make(map[string]*Journal), kick: make(chan struct{}, 1)}
	if err := s.open(); err != nil {
		return nil, err
	}
	if !o.ReadOnly {
		if err := writeLockInfo(dir); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("store: write %s: %w", filepath.Join(dir, lockFile), err)
		}
		s.loopDone = make(chan struct{})
		go s.loop()
	}
	return s, nil
}

// open opens the bbolt file and brings its layout up to date. A damaged
// file makes bbolt return an error, or panic or fault on a bad page; both
// become ErrCorrupt.
func (s *Store) open() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if s.db != nil {
				s.db.Close()
			}
			err = s.corrupt(fmt.Errorf("%v", r))
		}
	}()
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{
		Timeout:  s.o.Timeout,
		ReadOnly: s.o.ReadOnly,
		NoSync:   s.o.NoSync,
		// The freelist is written at every commit (the default). Without
		// it bbolt rebuilds it on open by walking every page in a goroutine
		// of its own, where a damaged page panics out of reach of recover.
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return lockedError(s.dir)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping),
		err != nil && strings.HasPrefix(err.Error(), "file size too small"): // no sentinel for it
		return s.corrupt(err)
	case err != nil:
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	s.db = db
	if err := s.upgrade(); err != nil {
		db.Close()
		s.db = nil
		return err
	}
	return nil
}

// corrupt is the error for a damaged database file.
func (s *Store) corrupt(cause error) error {
	return explain(ErrCorrupt, "store: %s is damaged (%v): move it aside (mv %s %s.bad) and run again; "+
		"completed work in that store is lost only for reuse decisions; the outputs on disk are untouched",
		s.path, cause, s.path, s.path)
}

// explained is an error whose message already says all, and which is
// also its sentinel for errors.Is.
type explained struct {
	msg      string
	sentinel error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.sentinel }

func explain(sentinel error, format string, a ...any) error {
	return &explained{msg: fmt.Sprintf(format, a...), sentinel: sentinel}
}

// Dir is the state dir.
func (s *Store) Dir() string { return s.dir }

// Stats returns the batcher's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close writes what is queued, closes every Journal, the database, and
// removes engine.lock. It may be called more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	s.mu.Unlock()
	s.nudge()
	if s.loopDone != nil {
		<-s.loopDone // the loop drains the queue before it returns
	}
	s.mu.Lock()
	db := s.db
	s.db = nil
	for _, j := range s.journals {
		j.closeFile()
	}
	s.journals = nil
	s.mu.Unlock()
	err := db.Close()
	if !s.o.ReadOnly {
		if li, ok := holder(s.dir); ok && li.Pid == os.Getpid() {
			os.Remove(filepath.Join(s.dir, lockFile))
		}
	}
	if err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// Check verifies every page of the database (bbolt's consistency check).
// It reads the whole file: a diagnostic, not something to run per Open.
func (s *Store) Check() error {
	return s.view(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			return s.corrupt(errors.Join(errs...))
		}
		return nil
	})
}

// view runs fn in a read transaction. A panic or fault on a damaged page
// becomes ErrCorrupt instead of taking the process down.
func (s *Store) view(fn func(tx *bolt.Tx) error) (err error) {
	s.mu.Lock()
	db := s.db
	s.mu.Unlock()
	if db == nil {
		return ErrClosed
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = s.corrupt(fmt.Errorf("%v", r))
		}
	}()
	return db.View(fn)
}

// Bucket names and keys (drawn in doc.go).
var (
	bucketMeta     = []byte("meta")
	keyVersion     = []byte("version")
	bucketRuns     = []byte("runs")
	bucketRun      = []byte("run")
	bucketTasks    = []byte("tasks")
	bucketAttempts = []byte("attempts")
	bucketEvents   = []byte("events")
	// Layout 2.
	bucketStages = []byte("stages")
	bucketFailed = []byte("failed")
	// Layout 3.
	bucketDefs = []byte("defs")
)

// u64 encodes n big-endian, so that keys sort numerically.
func u64(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}
