package store

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
)

// The test binary doubles as the child processes of the lock and crash
// tests: flock is per open file description, so a second engine must be
// another process to be kept out as a real one is.
const (
	childEnv    = "WEIR_STORE_TEST_CHILD" // hold | crash | migrate
	childDirEnv = "WEIR_STORE_TEST_DIR"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "hold":
		os.Exit(childHold(os.Getenv(childDirEnv)))
	case "crash":
		os.Exit(childCrash(os.Getenv(childDirEnv)))
	case "migrate":
		os.Exit(childMigrate(os.Getenv(childDirEnv)))
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode")
		os.Exit(2)
	}
}

// childHold opens the store as an engine with one run started, says
// "ready", and holds it until its stdin closes.
func childHold(dir string) int {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	j, err := s.Journal(RunRecord{ID: "held", Name: "held", Workflow: "/w/held.hcl", Tasks: 1})
	if err == nil {
		err = j.Record(event.Event{Seq: 1, Kind: event.RunStarted, Time: time.Now()})
	}
	if err == nil {
		err = j.Record(event.Event{Seq: 2, Kind: event.TaskChanged, Task: "a", State: event.Ready, Time: time.Now()})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until EOF
	return 0
}

// crashWriters record concurrently in the crash child.
const crashWriters = 4

// childCrash records crashEvent(1), crashEvent(2), ... from several
// goroutines, durably, and prints each seq once its Record has returned,
// until it is killed (or a minute passes, so it can't run away).
func childCrash(dir string) int {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	j, err := s.Journal(RunRecord{ID: "crash", Name: "crash", Tasks: crashTasks})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var seq atomic.Uint64
	var out sync.Mutex
	deadline := time.Now().Add(time.Minute)
	var wg sync.WaitGroup
	for range crashWriters {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				n := seq.Add(1)
				if err := j.Record(crashEvent(n)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				out.Lock()
				// One write per line, straight to the pipe: no buffer to lose.
				os.Stdout.Write(fmt.Appendf(nil, "%d\n", n))
				out.Unlock()
			}
		})
	}
	wg.Wait()
	return 0
}

const crashTasks = 50

// crashEvent is the event with sequence number n, the same every time.
func crashEvent(n uint64) event.Event {
	e := event.Event{Seq: n, RunID: "crash", Time: time.Unix(1700000000+int64(n), 0).UTC(), Task: fmt.Sprintf("t%d", n%crashTasks)}
	switch n % 4 {
	case 0:
		e.Kind, e.State = event.TaskChanged, event.Ready
	case 1:
		e.Kind, e.State, e.Attempt = event.TaskChanged, event.Running, int(n%3)+1
	case 2:
		e.Kind, e.Attempt, e.Memory, e.Handle = event.AttemptStarted, int(n%3)+1, 1<<20, fmt.Appendf(nil, `{"pid":%d}`, n)
	case 3:
		r := event.Result{Reason: event.Exit, ExitCode: int(n % 7), Detail: "exit " + fmt.Sprint(n%7),
			Start: e.Time.Add(-time.Second), End: e.Time}
		e.Kind, e.Attempt, e.Result = event.AttemptEnded, int(n%3)+1, &r
	}
	return e
}

// openStore opens a store in dir (a fresh temporary one when dir is "")
// and closes it at the end of the test.
func openStore(tb testing.TB, dir string, o Options) *Store {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	s, err := Open(dir, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// newJournal creates run id in s.
func newJournal(tb testing.TB, s *Store, id string) *Journal {
	tb.Helper()
	j, err := s.Journal(RunRecord{ID: id, Name: "wf", Workflow: "/w/wf.hcl", PlanHash: "p1", Tasks: 3})
	if err != nil {
		tb.Fatal(err)
	}
	return j
}

// seqs numbers events as the scheduler does.
type seqs struct{ n atomic.Uint64 }

func (s *seqs) ev(e event.Event) event.Event {
	e.Seq = s.n.Add(1)
	if e.Time.IsZero() {
		e.Time = time.Unix(1700000000, int64(e.Seq)).UTC()
	}
	return e
}

// taskEvents is a task's life when its first attempt succeeds: ready,
// running, attempt started, attempt ended, succeeded.
func taskEvents(sq *seqs, task string) []event.Event {
	r := event.Result{Reason: event.Succeeded, Start: time.Unix(1700000000, 0).UTC(), End: time.Unix(1700000001, 0).UTC(),
		PeakMemory: 1 << 20, Enforcement: event.Watchdog}
	return []event.Event{
		sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.Ready}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.Running, Attempt: 1, Memory: 64 << 20}),
		sq.ev(event.Event{Kind: event.AttemptStarted, Task: task, Attempt: 1, Memory: 64 << 20, Handle: []byte(`{"pid":4242,"start":99}`)}),
		sq.ev(event.Event{Kind: event.AttemptEnded, Task: task, Attempt: 1, Memory: 64 << 20, Result: &r}),
		sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.TaskSucceeded, Attempt: 1}),
	}
}

func record(tb testing.TB, j *Journal, events ...event.Event) {
	tb.Helper()
	for _, e := range events {
		if err := j.Record(e); err != nil {
			tb.Fatal(err)
		}
	}
}
