package store

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/weirflow/weir/event"
)

// TestJournalConcurrentWriters: many goroutines record at once; every event
// comes back, in Seq order, and they shared commits.
func TestJournalConcurrentWriters(t *testing.T) {
	t.Parallel()
	const writers, tasksEach = 8, 100
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range tasksEach {
				for _, e := range taskEvents(sq, fmt.Sprintf("w%d-t%d", w, i)) {
					if err := j.Record(e); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	const total = writers * tasksEach * 5

	events, err := s.Events("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != total {
		t.Fatalf("%d events, want %d", len(events), total)
	}
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	fromLog, err := ReadEvents(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(events, fromLog); diff != "" {
		t.Errorf("events.jsonl differs from the database (-db +log):\n%s", diff)
	}
	tasks, err := s.Tasks("r1")
	if err != nil {
		t.Fatal(err)
	}
	for id, task := range tasks {
		if task.State != event.TaskSucceeded || task.Attempts != 1 || task.Last == nil {
			t.Errorf("task %s: %+v", id, task)
		}
	}
	run, err := s.Run("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != writers*tasksEach || run.Counts[event.TaskSucceeded] != writers*tasksEach {
		t.Errorf("%d task records, counts %v", len(tasks), run.Counts)
	}
	st := s.Stats()
	t.Logf("%d events in %d commits", st.Events, st.Commits)
	if st.Events != total || st.Commits >= st.Events {
		t.Errorf("stats %+v: want %d events in fewer commits", st, total)
	}
}

// TestWriteAhead: when Record returns, its event is in the file: a copy of
// weir.db taken right then has it. (That the commit is also fsynced is
// bbolt's part; TestCrash kills a writer.)
func TestWriteAhead(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	for i, e := range taskEvents(sq, "a") {
		if i == 3 {
			// Queued outputs ride with the next event's commit.
			if err := s.SetOutputs("r1", "a", []OutputRecord{{Name: "o", Path: "/p", Size: 1}}); err != nil {
				t.Fatal(err)
			}
		}
		record(t, j, e)
		c := openCopy(t, dir)
		got, err := c.Events("r1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != i+1 || got[i].Seq != e.Seq {
			t.Fatalf("after Record of seq %d the file has %d events", e.Seq, len(got))
		}
		task, err := c.Task("r1", "a")
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind == event.TaskChanged && task.State != e.State {
			t.Errorf("after Record of %s the task is %s", e.State, task.State)
		}
		if i >= 3 && len(task.Outputs) != 1 {
			t.Errorf("after Record of seq %d the outputs are missing", e.Seq)
		}
		c.Close()
	}
}

// openCopy opens a read-only copy of dir's database: the original is
// locked by the test's own engine.
func openCopy(t *testing.T, dir string) *Store {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	cp := t.TempDir()
	if err := os.WriteFile(filepath.Join(cp, DBFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return openStore(t, cp, Options{ReadOnly: true})
}

// TestAppendFlush: appended events are committed in order without waiting
// for each; Flush waits for them all.
func TestAppendFlush(t *testing.T) {
	s := openStore(t, "", Options{})
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	var waits []func() error
	for i := range 50 {
		for _, e := range taskEvents(sq, "t"+strconv.Itoa(i)) {
			wait, err := j.Append(e)
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, wait)
		}
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, w := range waits {
		if err := w(); err != nil {
			t.Fatal(err)
		}
	}
	events, err := s.Events("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 250 || events[249].Seq != 250 {
		t.Errorf("%d events after Flush, want 250", len(events))
	}
}

// TestCommitFailureSticks: a commit that fails (here the file may not
// grow, as on a full disk) fails its Record and every later write, and
// leaves what was committed before intact.
func TestCommitFailureSticks(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	record(t, j, sq.ev(event.Event{Kind: event.RunStarted}))
	st, err := os.Stat(filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	s.db.MaxSize = int(st.Size()) // the next growth fails
	big := strings.Repeat("x", 64<<10)
	var failed error
	for i := 0; i < 1000 && failed == nil; i++ {
		failed = j.Record(sq.ev(event.Event{Kind: event.TaskChanged, Task: "t", State: event.Ready, Message: big}))
	}
	if failed == nil || !strings.Contains(failed.Error(), "store: commit to") {
		t.Fatalf("Record on a full store = %v", failed)
	}
	t.Log(failed)
	if err := j.Record(sq.ev(event.Event{Kind: event.RunEnded, Message: "succeeded"})); err == nil {
		t.Error("Record after a failed commit succeeded")
	}
	if err := s.Flush(); err == nil {
		t.Error("Flush after a failed commit succeeded")
	}
	s.Close()

	r := openStore(t, dir, Options{ReadOnly: true})
	events, err := r.Events("r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || events[0].Kind != event.RunStarted {
		t.Errorf("events after the failure: %d", len(events))
	}
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("gap at event %d (seq %d)", i, e.Seq)
		}
	}
}

// TestCrash kills an engine that records from several goroutines at
// random moments: every Record that returned before the kill is in the
// store on reopening, and every event there is whole.
func TestCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for round := range 4 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			dir := t.TempDir()
			returned := runCrashChild(t, dir, 20+rand.IntN(400))
			s := openStore(t, dir, Options{})
			events, err := s.Events("crash")
			if err != nil {
				t.Fatal(err)
			}
			have := make(map[uint64]bool)
			for _, e := range events {
				have[e.Seq] = true
				if diff := cmp.Diff(crashEvent(e.Seq), e); diff != "" {
					t.Fatalf("event %d is not what was recorded (-want +got):\n%s", e.Seq, diff)
				}
			}
			for _, n := range returned {
				if !have[n] {
					t.Errorf("event %d returned from Record before the kill but is not in the store", n)
				}
			}
			t.Logf("killed after %d returned Records; %d events in the store", len(returned), len(events))

			// The records were written in the same transactions.
			tasks, err := s.Tasks("crash")
			if err != nil {
				t.Fatal(err)
			}
			run, err := s.Run("crash")
			if err != nil {
				t.Fatal(err)
			}
			counted, changed := 0, 0
			for _, n := range run.Counts {
				counted += n
			}
			for _, task := range tasks {
				if task.State != event.Pending { // not only attempt events
					changed++
				}
			}
			if counted != changed || run.State != RunLost {
				t.Errorf("run %+v with %d task records", run, len(tasks))
			}
			for _, task := range tasks {
				for _, a := range mustAttempts(t, s, task.ID) {
					if a.N < 1 || (a.Handle == nil && a.Result == nil) {
						t.Errorf("attempt record %+v", a)
					}
				}
			}

			// The readers' log has every returned event (a torn last line at
			// most), and agrees with the database.
			logged, err := ReadEvents(dir, "crash")
			if err != nil {
				t.Fatal(err)
			}
			inLog := make(map[uint64]bool)
			for _, e := range logged {
				inLog[e.Seq] = true
				if !have[e.Seq] {
					t.Errorf("event %d in events.jsonl but not in the store", e.Seq)
				}
			}
			for _, n := range returned {
				if !inLog[n] {
					t.Errorf("returned event %d missing from events.jsonl", n)
				}
			}
		})
	}
}

func mustAttempts(t *testing.T, s *Store, task string) []AttemptRecord {
	t.Helper()
	as, err := s.Attempts("crash", task)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// runCrashChild starts the crash child on dir, SIGKILLs it once it has
// reported after records returned, and returns the seqs it reported.
func runCrashChild(t *testing.T, dir string, after int) []uint64 {
	t.Helper()
	cmd := child(t, "crash", dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var returned []uint64
	rd := bufio.NewReader(out)
	killed := false
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			break // EOF after the kill; a line without its newline does not count
		}
		n, perr := strconv.ParseUint(strings.TrimSpace(line), 10, 64)
		if perr != nil {
			t.Fatalf("child said %q", line)
		}
		returned = append(returned, n)
		if len(returned) == after && !killed {
			cmd.Process.Kill() // SIGKILL: no deferred Close, no flush
			killed = true
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child ended by itself after %d events; stderr: %s", len(returned), cmd.Stderr)
	}
	return returned
}

// child is the test binary run as a child in the given mode.
func child(t *testing.T, mode, dir string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDirEnv+"="+dir)
	cmd.Stderr = new(strings.Builder)
	return cmd
}

// TestNoGoroutineLeak: Close stops the batcher.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		s, err := Open(t.TempDir(), Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		j := newJournal(t, s, "r1")
		record(t, j, taskEvents(&seqs{}, "a")...)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := j.Record(event.Event{Seq: 9, Kind: event.RunEnded}); !errors.Is(err, ErrClosed) {
			t.Errorf("Record after Store.Close = %v, want ErrClosed", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestAppendCommitsWithoutWaiter: an appended event nobody waits for is
// committed all the same, within appendDelay.
func TestAppendCommitsWithoutWaiter(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	j := newJournal(t, s, "r1")
	if _, err := j.Append((&seqs{}).ev(event.Event{Kind: event.RunStarted})); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Events == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s.Stats().Events != 1 {
		t.Fatal("an appended event was not committed without a waiter")
	}
	if events, err := ReadEvents(dir, "r1"); err != nil || len(events) != 1 {
		t.Errorf("events.jsonl: %d events, %v", len(events), err)
	}
}
