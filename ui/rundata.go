package ui

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// errNotFound is a run, task or attempt that does not exist: a 404.
var errNotFound = errors.New("not found")

// checkRun returns the hub of run id if the state dir has it.
func (s *Server) checkRun(id string) (*hub, error) {
	// Only run ids are looked up, so no request can name a path outside runs/.
	if s.o.StateDir == "" || store.CheckRunID(id) != nil {
		return nil, fmt.Errorf("no run %q: %w", id, errNotFound)
	}
	// Lstat: a run directory that is a link leads out of the state dir.
	st, err := os.Lstat(filepath.Join(s.o.StateDir, "runs", id))
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("no run %q in %s: %w", id, s.o.StateDir, errNotFound)
	}
	return s.hub(id), nil
}

// listRuns is the run history, newest first.
func (s *Server) listRuns() ([]RunInfo, error) {
	if s.o.StateDir == "" {
		return []RunInfo{}, nil
	}
	if _, err := os.Stat(s.o.StateDir); errors.Is(err, os.ErrNotExist) {
		return []RunInfo{}, nil
	}
	runs, err := store.ListRuns(s.o.StateDir)
	if err != nil {
		return nil, err
	}
	out := make([]RunInfo, 0, len(runs))
	for _, r := range runs {
		state := string(r.State)
		if state == "" {
			state = string(store.RunRunning)
		}
		out = append(out, RunInfo{
			ID: r.ID, Name: r.Name, Workflow: r.Workflow, State: state, Message: r.Message,
			Started: r.Started, Ended: r.Ended, Tasks: r.Tasks, Counts: r.Counts, Resumes: r.Resumes,
			Seq: r.Seq, Engine: r.Engine,
		})
	}
	return out, nil
}

// graphDoc is the run's graph.json (dag.WriteJSON, task view), with its
// tasks by id.
type graphDoc struct {
	*dag.RunGraph
	byID map[string]*dag.Task
}

// graphBytes is the run's graph.json as written.
func (h *hub) graphBytes() ([]byte, error) {
	b, err := h.readFile(filepath.Join(h.dir, "graph.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, h.noGraph()
	}
	return b, err
}

// graphDoc parses graph.json once.
func (h *hub) graphDoc() (*graphDoc, error) {
	h.mu.Lock()
	g := h.graph
	h.mu.Unlock()
	if g != nil {
		return g, nil
	}
	b, err := h.graphBytes()
	if err != nil {
		return nil, err
	}
	rg, err := dag.ParseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("run %s: graph.json: %w", h.id, err)
	}
	g = &graphDoc{RunGraph: rg}
	g.byID = make(map[string]*dag.Task, len(g.Tasks))
	for _, t := range g.Tasks {
		g.byID[t.ID] = t
	}
	h.mu.Lock()
	h.graph = g
	h.mu.Unlock()
	return g, nil
}

// TaskDetail is everything the stage panel shows about a task.
type TaskDetail struct {
	Task *dag.Task `json:"task"` // the definition: command, pool, caps, inputs, outputs
	Pool *dag.Pool `json:"pool,omitempty"`
	TaskView
	// Log is the layout of its files: the paths of each attempt's logs.
	Logs []AttemptLogs `json:"logs,omitempty"`
}

// AttemptLogs are the files of one attempt, relative to the state dir.
type AttemptLogs struct {
	N      int    `json:"n"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// taskDetail returns task id of the run; errNotFound when the run has no
// such task.
func (h *hub) taskDetail(id string) (*TaskDetail, error) {
	var d *TaskDetail
	var pools []*dag.Pool
	if q := h.quick(); q != nil {
		// A finished run: its task's object alone from graph.json, and its
		// events alone.
		if d := q.details.get(id); d != nil {
			c := *d
			return &c, nil
		}
		t, err := h.findTaskDef(id)
		if err != nil {
			return nil, err
		}
		v, err := h.quickView(q, id)
		if err != nil {
			return nil, err
		}
		d, pools = &TaskDetail{Task: t, TaskView: v}, q.outline.Pools
	} else {
		g, err := h.graphDoc()
		if err != nil {
			return nil, err
		}
		t := g.byID[id]
		if t == nil {
			return nil, fmt.Errorf("run %s has no task %q: %w", h.id, id, errNotFound)
		}
		if err := h.refresh(); err != nil {
			return nil, err
		}
		// One task's view, not a snapshot of all: at 100,000 tasks a copy
		// of every one per panel made opening a panel slow.
		d, pools = &TaskDetail{Task: t, TaskView: h.taskView(id)}, g.Pools
	}
	for _, p := range pools {
		if p.Name == d.Task.Pool {
			d.Pool = p
		}
	}
	layout := store.DirLayout{Root: h.dir}
	for _, a := range d.Attempts {
		out, errp := layout.Logs(id, a.N)
		d.Logs = append(d.Logs, AttemptLogs{N: a.N, Stdout: h.rel(out), Stderr: h.rel(errp)})
	}
	if q := h.quick(); q != nil {
		c := *d
		q.details.put(id, &c)
	}
	return d, nil
}

func (h *hub) rel(p string) string {
	if r, err := filepath.Rel(h.s.o.StateDir, p); err == nil {
		return r
	}
	return p
}

// attemptOf checks that task id has attempt n (0 = its last) and returns n.
func (h *hub) attemptOf(id string, n int) (int, error) {
	d, err := h.taskDetail(id)
	if err != nil {
		return 0, err
	}
	if len(d.Attempts) == 0 {
		return 0, fmt.Errorf("task %s has not started: %w", id, errNotFound)
	}
	if n == 0 {
		return d.Attempts[len(d.Attempts)-1].N, nil
	}
	for _, a := range d.Attempts {
		if a.N == n {
			return n, nil
		}
	}
	return 0, fmt.Errorf("task %s has no attempt %d: %w", id, n, errNotFound)
}

// LogChunk is a piece of one log file: bytes [Start, Start+len(Text)) of
// a file that was Size bytes long when read.
type LogChunk struct {
	Task    string `json:"task"`
	Attempt int    `json:"attempt"`
	Stream  string `json:"stream"`
	Start   int64  `json:"start"`
	Size    int64  `json:"size"`
	Text    string `json:"text"`
}

// maxLogChunk bounds one answer of the logs endpoint.
const maxLogChunk = 1 << 20

// logPath is the file of one stream of an attempt's log.
func (h *hub) logPath(task string, attempt int, stream string) string {
	out, errp := store.DirLayout{Root: h.dir}.Logs(task, attempt)
	if stream == "stderr" {
		return errp
	}
	return out
}

// serveLog sends a whole log file as a download named for its task,
// attempt and stream; a log not written yet is an empty file.
func (h *hub) serveLog(w http.ResponseWriter, r *http.Request, task string, attempt int, stream string) {
	name := fileName(task) + "." + strconv.Itoa(attempt) + "." + stream + ".log"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	f, err := os.Open(h.logPath(task, attempt, stream))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeError(w, err)
		return
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// fileName keeps a task id's letters, digits, '_', '.' and '-' and makes
// the rest '_', as the page names the download: noop[3] -> noop_3_.
func fileName(task string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, task)
}

// readLog returns the tail of a log (from < 0: its last tail bytes) or
// what follows offset from.
func (h *hub) readLog(task string, attempt int, stream string, from, tail int64) (*LogChunk, error) {
	path := h.logPath(task, attempt, stream)
	c := &LogChunk{Task: task, Attempt: attempt, Stream: stream}
	f, err := h.open(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil // not written yet, or nothing written
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	c.Size = st.Size()
	if tail <= 0 || tail > maxLogChunk {
		tail = maxLogChunk
	}
	start := from
	if start < 0 || start > c.Size {
		start = max(0, c.Size-tail)
	}
	n := min(c.Size-start, maxLogChunk)
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, start)
	if err != nil && err != io.EOF {
		return nil, err
	}
	c.Start, c.Text = start, string(bytes.ToValidUTF8(buf[:m], []byte("\uFFFD")))
	return c, nil
}

// MemorySeries is an attempt's memory over time against its cap: pairs of
// unix milliseconds and bytes, at most maxSamples of them (the largest of
// each interval, so that peaks survive).
type MemorySeries struct {
	Task    string     `json:"task"`
	Attempt int        `json:"attempt"`
	Cap     int64      `json:"cap,omitempty"`
	Peak    int64      `json:"peak,omitempty"`
	Samples [][2]int64 `json:"samples"`
}

const maxSamples = 400

// memory reads the attempt's sample file; a missing file is no samples.
func (h *hub) memory(task string, attempt int) (*MemorySeries, error) {
	d, err := h.taskDetail(task)
	if err != nil {
		return nil, err
	}
	return h.memoryOf(task, attempt, d.Attempts, d.Task.Memory)
}

// memoryOf is memory with the task's attempts and declared cap at hand.
func (h *hub) memoryOf(task string, attempt int, attempts []AttemptView, declared int64) (*MemorySeries, error) {
	m := &MemorySeries{Task: task, Attempt: attempt, Samples: [][2]int64{}}
	var result *event.Result
	for _, a := range attempts {
		if a.N == attempt {
			m.Cap = a.Memory
			if result = a.Result; result != nil {
				m.Peak = result.PeakMemory
			}
		}
	}
	if m.Cap == 0 {
		m.Cap = declared
	}
	samples, err := readSamples(h, store.DirLayout{Root: h.dir}.Samples(task, attempt))
	if err != nil {
		return nil, err
	}
	if len(samples) == 0 && result != nil {
		// The sample file is gone (weir gc) or was never written: the
		// result keeps a few dozen samples of its own.
		for _, x := range result.Samples {
			samples = append(samples, [2]int64{result.Start.Add(x.At).UnixMilli(), x.Bytes})
		}
	}
	m.Samples = decimate(samples, maxSamples)
	return m, nil
}

// readSamples parses lines of "<unix ms> <bytes>"; a torn last line and
// lines it cannot read are skipped.
func readSamples(h *hub, path string) ([][2]int64, error) {
	f, err := h.open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][2]int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		a, b, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		t, err1 := strconv.ParseInt(a, 10, 64)
		v, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, [2]int64{t, v})
	}
	return out, sc.Err()
}

// decimate keeps at most n samples: the largest of each of n intervals.
func decimate(s [][2]int64, n int) [][2]int64 {
	if len(s) <= n {
		if s == nil {
			return [][2]int64{}
		}
		return s
	}
	out := make([][2]int64, 0, n)
	for i := range n {
		lo, hi := i*len(s)/n, (i+1)*len(s)/n
		best := s[lo]
		for _, x := range s[lo:hi] {
			if x[1] > best[1] {
				best = x
			}
		}
		out = append(out, best)
	}
	return out
}
