package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/term"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/shm"
)

// progressMode is --progress: how a run shows itself on stdout.
type progressMode string

const (
	progressAuto  progressMode = "auto"  // live on a terminal, plain lines elsewhere
	progressLive  progressMode = "live"  // the live view, even where stdout is no terminal
	progressPlain progressMode = "plain" // timestamped lines, nothing redrawn
)

// Set implements pflag.Value, so a wrong value is a usage error before
// anything runs.
func (m *progressMode) Set(s string) error {
	switch v := progressMode(s); v {
	case progressAuto, progressLive, progressPlain:
		*m = v
		return nil
	}
	return fmt.Errorf("must be auto, live or plain")
}

func (m *progressMode) String() string {
	if *m == "" {
		return string(progressAuto)
	}
	return string(*m)
}

// Type implements pflag.Value.
func (m *progressMode) Type() string { return "mode" }

// runView is what a run shows while it runs: a journal of its events that
// is closed once the engine is done, before the run's report is printed.
type runView interface {
	event.Journal
	Close()
}

// newView picks the view of a run: --json's events, the plain lines
// (--quiet's errors only, or stdout not a terminal), or the live view.
// None of them makes the engine wait for its reader.
// The live view owns the terminal while it runs, so it also takes over
// o.stderr: what the engine says there meanwhile (Ctrl-C's notice, a
// warning) is printed above the view instead of through it.
func newView(o *options, mode progressMode, json, quiet bool, plan *dag.Plan, runDir string, budget int64) runView {
	switch {
	case json:
		return newJSONView(o.stdout)
	case quiet:
		return newQueuedView(newProgress(o.stdout, plan, true))
	}
	out, isFile := o.stdout.(*os.File)
	live := mode == progressLive
	if mode == "" || mode == progressAuto {
		live = isFile && term.IsTerminal(int(out.Fd())) && envOr(o.env, "TERM", "") != "dumb"
	}
	if !live {
		return newQueuedView(newProgress(o.stdout, plan, false))
	}
	v := newLiveView(o, plan, runDir, budget)
	if o.stderrTTY {
		o.stderr = v.stderr
	}
	return v
}

// liveView shows a run in a terminal with bubbletea: counts per state, a
// bar over the tasks, what runs with its memory, what waits and why, and
// failures as they happen. It is a Journal that never makes the engine
// wait: Record only queues the event; the program's own goroutine takes
// the queue in on each tick and renders.
type liveView struct {
	out    io.Writer
	prog   *tea.Program
	model  *liveModel
	stderr *liveStderr

	mu      sync.Mutex
	queue   []event.Event
	latest  map[string]int // past liveQueueMax: where each task's newest change is queued
	started bool

	closing   atomic.Bool
	done      chan struct{} // closed once the program has exited
	closeOnce sync.Once
}

func newLiveView(o *options, plan *dag.Plan, runDir string, budget int64) *liveView {
	v := &liveView{out: o.stdout, done: make(chan struct{})}
	st := newLiveState(plan, runDir, budget)
	watchSegments(st, plan.Settings.ShmDir, filepath.Base(runDir))
	v.model = &liveModel{v: v, st: st, now: time.Now, mem: map[memKey]int64{}}
	opts := []tea.ProgramOption{
		tea.WithOutput(o.stdout),
		tea.WithEnvironment(o.env),
		// The engine handles SIGINT and SIGTERM (interrupts in run.go);
		// the view goes on showing the tasks being stopped, and closes
		// when the run has ended.
		tea.WithoutSignalHandler(),
		// The profile from the environment alone: colorprofile.Detect
		// would run `tmux info` inside tmux, and no code of the engine
		// may fork a process the reaper does not expect (proc.Init).
		tea.WithColorProfile(colorProfile(o)),
		// The model changes ten times a second (liveTick); the renderer
		// need not look for changes sixty times.
		tea.WithFPS(20),
	}
	if in, ok := o.stdin.(*os.File); !ok || !term.IsTerminal(int(in.Fd())) {
		opts = append(opts, tea.WithInput(nil))
	} else {
		opts = append(opts, tea.WithInput(in))
	}
	v.prog = tea.NewProgram(v.model, opts...)
	v.stderr = &liveStderr{w: o.stderr, prog: v.prog}
	return v
}

// watchSegments tells st whether the run's segments are RAM, and how to
// read the room left in their directory, as the scheduler sees them; the
// run has made the directory already.
func watchSegments(st *liveState, shmDir, runID string) {
	if shmDir == "" {
		return
	}
	segs, err := shm.OpenRun(shmDir, runID)
	if err != nil {
		return
	}
	space, err := segs.Space()
	if err != nil {
		return
	}
	st.inRAM = space.InRAM
	st.shmFree = func() (int64, bool) {
		space, err := segs.Space()
		return space.Free, err == nil
	}
}

func colorProfile(o *options) colorprofile.Profile {
	p := colorprofile.Env(o.env)
	if o.noColor && p > colorprofile.Ascii {
		p = colorprofile.Ascii
	}
	return p
}

// Record implements event.Journal: it queues e and returns at once.
// The first event starts the program, so that whatever the run printed
// before (its first line) is already on the screen.
func (v *liveView) Record(e event.Event) error {
	v.mu.Lock()
	if len(v.queue) < liveQueueMax || !v.fold(e) {
		v.queue = append(v.queue, e)
	}
	start := !v.started
	v.started = true
	v.mu.Unlock()
	if start {
		v.stderr.setLive(true)
		go v.run()
	}
	return nil
}

func (v *liveView) run() {
	defer close(v.done)
	if _, err := v.prog.Run(); err != nil {
		// The run goes on without its view; the store has every event.
		v.stderr.setLive(false)
		fmt.Fprintf(v.stderr.w, "weir: the live view stopped: %v\n", err)
	}
}

// liveQueueMax is how many events the live view queues before it folds a
// task's changes into the newest: the view takes its queue ten times a
// second, so only a view held up (a terminal that does not take its
// output) gets there.
const liveQueueMax = 4096

// fold keeps the queue of a view that is behind within one change per
// task, besides the failures: a task's change replaces the one of it still
// queued, in place, and the starts and successes of attempts, which show
// nothing the changes do not, are left out. Failed attempts and the
// outputs of successful ones (segments held in RAM) stay queued. What is
// lost is what happened between: a task that started and ended while the
// view was held up is never shown running, nor counted in the summary's
// most at once. v.mu is held.
func (v *liveView) fold(e event.Event) bool {
	switch e.Kind {
	case event.AttemptStarted:
		return true
	case event.AttemptEnded:
		r := e.Result
		return r != nil && (r.OK() && len(e.Outputs) == 0 || r.Reason == event.Cancelled)
	case event.TaskChanged:
		if v.latest == nil {
			v.latest = map[string]int{}
			for i, q := range v.queue {
				if q.Kind == event.TaskChanged {
					v.latest[q.Task] = i
				}
			}
		}
		if i, ok := v.latest[e.Task]; ok {
			v.queue[i] = e
			return true
		}
		v.latest[e.Task] = len(v.queue)
	}
	return false
}

// take hands the queued events to the program's goroutine.
func (v *liveView) take() []event.Event {
	v.mu.Lock()
	defer v.mu.Unlock()
	q := v.queue
	v.queue, v.latest = nil, nil
	return q
}

// Close ends the view once it has shown every event: the screen is left as
// it was, and a summary is printed below what the run printed, in the
// scrollback.
func (v *liveView) Close() {
	v.closeOnce.Do(func() {
		v.mu.Lock()
		started := v.started
		v.started = true // a late Record must not start it now
		v.mu.Unlock()
		if !started {
			return
		}
		v.closing.Store(true)
		v.prog.Send(wakeMsg{})
		<-v.done
		v.stderr.setLive(false)
		if sum := v.model.summary(); sum != "" {
			fmt.Fprintln(v.out, sum)
		}
	})
}

// liveStderr passes writes to stderr through, except while the view is
// drawn: then whole lines are printed above it, where they stay.
type liveStderr struct {
	mu   sync.Mutex
	w    io.Writer
	prog *tea.Program
	live bool
	part []byte // an unfinished line
}

func (s *liveStderr) setLive(live bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !live && len(s.part) > 0 {
		s.w.Write(s.part)
		s.part = nil
	}
	s.live = live
}

func (s *liveStderr) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live {
		return s.w.Write(b)
	}
	s.part = append(s.part, b...)
	for {
		i := bytes.IndexByte(s.part, '\n')
		if i < 0 {
			break
		}
		s.prog.Println(string(s.part[:i]))
		s.part = s.part[i+1:]
	}
	return len(b), nil
}

// memKey names one attempt's sample file.
type memKey struct {
	task    string
	attempt int
}

// lastSample reads the newest "<unix ms> <bytes>" line of a sample file
// from its last few hundred bytes, however long the attempt has run.
func lastSample(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, false
	}
	const window = 256
	off := max(fi.Size()-window, 0)
	buf := make([]byte, fi.Size()-off)
	n, _ := f.ReadAt(buf, off)
	lines := strings.Split(string(buf[:n]), "\n")
	// The last element is what follows the last newline: empty, or a line
	// being written. The first may be cut by the window.
	lines = lines[:len(lines)-1]
	if off > 0 && len(lines) > 0 {
		lines = lines[1:]
	}
	for i := len(lines) - 1; i >= 0; i-- {
		fields := strings.Fields(lines[i])
		if len(fields) != 2 {
			continue
		}
		if b, err := strconv.ParseInt(fields[1], 10, 64); err == nil && b >= 0 {
			return b, true
		}
	}
	return 0, false
}

// summary is the view's last word, printed plainly once it is gone: how
// long the run took and how much of the machine it held at most.
func (m *liveModel) summary() string {
	s := m.st
	if s.started.IsZero() {
		return ""
	}
	end := s.ended
	if end.IsZero() {
		end = m.now()
	}
	// The run's id and counts follow in its report.
	line := fmt.Sprintf("%s run took %s; at most %s at once", end.Format("15:04:05"),
		clock(end.Sub(s.started)), plural(s.peakTasks, "task"))
	if s.peakBudget > 0 {
		line += ", holding " + units.Size(s.peakBudget)
		if s.budget > 0 {
			line += " of the " + units.Size(s.budget) + " budget"
		}
	}
	if s.failedAttempts > 0 {
		line += "; " + plural(s.failedAttempts, "failed attempt")
	}
	return line
}
