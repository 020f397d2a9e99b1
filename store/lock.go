package store

import (
	"encoding/json"
	"fmt"
	"github.com/weirflow/weir/internal/procstat"
	"os"
	"path/filepath"
	"time"
)

// lockFile sits beside weir.db while an engine has the store open. bbolt's
// flock is what keeps a second engine out; this file only tells the one
// kept out who holds the lock, so that it can say so instead of hanging.
const lockFile = "engine.lock"

// Engine identifies a weir process: its pid, and its start time (field 22
// of /proc/<pid>/stat) so that a recycled pid is never taken for it.
type Engine struct {
	Pid       int    `json:"pid"`
	StartTime uint64 `json:"start_time,omitempty"`
}

// Self is the Engine of the calling process.
func Self() Engine {
	pid := os.Getpid()
	_, st, _ := procstat.Read(pid) // 0 off Linux: liveness checks then use the pid alone
	return Engine{Pid: pid, StartTime: st}
}

// Alive reports whether the engine still runs.
func (e Engine) Alive() bool { return procstat.Alive(e.Pid, e.StartTime) }

// ErrLocked is returned by Open when another process holds the store: an
// engine (an exclusive lock), or for an engine's Open also a reader that
// did not let go within the timeout. Pid is 0 when the holder is unknown.
type ErrLocked struct {
	Dir   string    // the state dir as given to Open
	Pid   int       // the engine holding it, 0 if unknown
	Since time.Time // when that engine opened the store
}

func (e *ErrLocked) Error() string {
	if e.Pid == 0 {
		return fmt.Sprintf("state dir %s is in use by another weir process; wait for it or use --state-dir", e.Dir)
	}
	since := e.Since.Local().Format("15:04:05")
	if y, m, d := e.Since.Local().Date(); !isToday(y, m, d) {
		since = e.Since.Local().Format("2006-01-02 15:04:05")
	}
	return fmt.Sprintf("state dir %s is in use by weir pid %d (running since %s); wait for it or use --state-dir",
		e.Dir, e.Pid, since)
}

func isToday(y int, m time.Month, d int) bool {
	ty, tm, td := time.Now().Date()
	return y == ty && m == tm && d == td
}

// lockInfo is the content of engine.lock.
type lockInfo struct {
	Engine
	StartedAt time.Time `json:"started_at"`
}

// writeLockInfo records the calling process as the engine holding dir. It
// is written through a temporary file and a rename, so a reader never sees
// half of it.
func writeLockInfo(dir string) error {
	b, err := json.Marshal(lockInfo{Engine: Self(), StartedAt: time.Now()})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, lockFile), b)
}

// holder returns the engine recorded in dir's engine.lock when it still
// runs. A stale file, left by an engine that was killed, names a dead
// process (or a recycled pid with another start time) and is ignored.
func holder(dir string) (lockInfo, bool) {
	b, err := os.ReadFile(filepath.Join(dir, lockFile))
	if err != nil {
		return lockInfo{}, false
	}
	var li lockInfo
	if json.Unmarshal(b, &li) != nil || !li.Alive() {
		return lockInfo{}, false
	}
	return li, true
}

// lockedError builds the ErrLocked for dir.
func lockedError(dir string) *ErrLocked {
	e := &ErrLocked{Dir: dir}
	if li, ok := holder(dir); ok {
		e.Pid, e.Since = li.Pid, li.StartedAt
	}
	return e
}

// writeFileAtomic replaces path with b (0600) through a temporary file and a
// rename. Without an fsync: these files are views for readers and
// diagnostics, and bbolt is the record.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
