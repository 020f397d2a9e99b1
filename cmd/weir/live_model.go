package main

import (
	"os"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/weirflow/weir/store"
)

// How often the live view takes in events and redraws, and how often it
// reads the running tasks' memory samples. Ten frames a second follow a
// run closely at a cost the engine does not notice; the samples are
// written a few times a second.
const (
	liveTick       = 100 * time.Millisecond
	liveSampleTick = 500 * time.Millisecond
)

// liveModel is the bubbletea model of the live view.
type liveModel struct {
	v   *liveView
	st  *liveState
	now func() time.Time

	width, height int
	mem           map[memKey]int64 // the newest sample of each running attempt
	memRead       time.Time
	printing      int  // failure prints not yet done
	ticked        bool // a tick has come: the first frame is drawn
	quitting      bool
}

type (
	tickMsg    struct{}
	wakeMsg    struct{} // Close wants the view to finish
	printedMsg struct{} // failures were printed above the view
)

func tick() tea.Cmd {
	return tea.Tick(liveTick, func(time.Time) tea.Msg { return tickMsg{} })
}

// Init implements tea.Model. The events queued so far are taken in at
// once, and the view quits no sooner than its first tick, even when the
// run is over already: by then its first frame is on the screen, and a
// program that ends before it has drawn anything leaves blank lines in
// the scrollback.
func (m *liveModel) Init() tea.Cmd { return tea.Batch(m.takeEvents(), tick()) }

// Update implements tea.Model.
func (m *liveModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tea.KeyPressMsg:
		// The terminal is in raw mode, so Ctrl-C arrives as a key: it
		// becomes the SIGINT the engine expects (interrupts in run.go),
		// which stops the run gracefully, and kills it the second time.
		if msg.String() == "ctrl+c" {
			syscall.Kill(os.Getpid(), syscall.SIGINT)
		}
		return m, nil
	case tickMsg:
		m.ticked = true
		return m, tea.Batch(m.step(), tick())
	case wakeMsg:
		if !m.ticked {
			return m, nil // the next tick closes the view
		}
		return m, m.step()
	case printedMsg:
		m.printing--
		if m.quitting && m.printing == 0 {
			return m, tea.Quit
		}
	}
	return m, nil
}

// step takes the queued events in, and quits once the view is closing and
// what it prints has been printed.
func (m *liveModel) step() tea.Cmd {
	// Close is called once the engine is done: when it has asked before
	// this take, the queue held the last events.
	closing := m.v.closing.Load()
	cmd := m.takeEvents()
	m.quitting = m.quitting || closing
	if m.quitting && m.printing == 0 {
		return tea.Quit
	}
	return cmd
}

// takeEvents applies the queued events and returns the command that
// prints the failures among them above the view.
func (m *liveModel) takeEvents() tea.Cmd {
	var failed []string
	for _, e := range m.v.take() {
		if f := m.st.apply(e); f != nil {
			failed = append(failed, failureText(f))
		}
	}
	now := m.now()
	if now.Sub(m.memRead) >= liveSampleTick {
		m.readSamples()
		m.memRead = now
	}
	if len(failed) == 0 {
		return nil
	}
	// The program quits only after printedMsg: a line still on its way
	// when it quits would be lost.
	m.printing++
	return tea.Sequence(tea.Println(strings.Join(failed, "\n")), func() tea.Msg { return printedMsg{} })
}

// readSamples reads the newest memory sample of every running attempt;
// there are as many as the pools have slots.
func (m *liveModel) readSamples() {
	clear(m.mem)
	layout := store.DirLayout{Root: m.st.runDir}
	for t := range m.st.running {
		if b, ok := lastSample(layout.Samples(t.t.ID, t.attempt)); ok {
			m.mem[memKey{t.t.ID, t.attempt}] = b
		}
	}
}

func (m *liveModel) memOf(task string, attempt int) (int64, bool) {
	b, ok := m.mem[memKey{task, attempt}]
	return b, ok
}

// View implements tea.Model. The last frame is empty: the view leaves the
// screen as it found it, and the summary is printed after it.
func (m *liveModel) View() tea.View {
	if m.quitting || m.st.started.IsZero() {
		return tea.NewView("")
	}
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		w, h = 80, 24
	}
	// One line short of the screen: a view as tall as the terminal would
	// scroll it at every frame.
	return tea.NewView(m.st.render(m.now(), m.memOf, w, h-1))
}
