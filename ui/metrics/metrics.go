// Package metrics exposes runs in the Prometheus text format: tasks by
// state, attempts by how they ended, memory reserved by running attempts
// against the budget, and task durations. It is fed the same events as the
// store and the UI, so the numbers agree with `weir status`.
package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/weirflow/weir/event"
)

// Metrics aggregates the events of the runs it observes. Gauges cover runs
// in progress (an ended run's tasks leave them); counters and the duration
// histogram keep counting across runs, as Prometheus expects.
type Metrics struct {
	reg *prometheus.Registry

	tasks     *prometheus.GaugeVec
	attempts  *prometheus.CounterVec
	reserved  *prometheus.GaugeVec
	budget    *prometheus.GaugeVec
	durations *prometheus.HistogramVec
	runs      *prometheus.CounterVec

	mu   sync.Mutex
	live map[string]*runState // by run id
}

// runState is what the gauges need of one run in progress.
type runState struct {
	workflow string
	tasks    map[string]event.TaskState
	reserved map[string]int64 // running task -> its cap
	started  map[string]event.Event
}

// New returns empty metrics with their own registry (nothing global).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		tasks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "weir_tasks",
			Help: "Tasks of runs in progress, by state.",
		}, []string{"workflow", "state"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weir_attempts_total",
			Help: "Attempts that ended, by reason (succeeded, exit, signal, oom, timeout, cancelled, lost, ...).",
		}, []string{"workflow", "reason"}),
		reserved: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "weir_running_memory_bytes",
			Help: "Sum of the memory caps of running attempts: what admission has reserved of the budget.",
		}, []string{"workflow"}),
		budget: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "weir_memory_budget_bytes",
			Help: "The memory budget of runs in progress.",
		}, []string{"workflow"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "weir_task_duration_seconds",
			Help:    "Wall time of ended attempts.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10), // 10 ms to about 7 hours
		}, []string{"workflow", "reason"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weir_runs_total",
			Help: "Runs that ended, by outcome.",
		}, []string{"workflow", "outcome"}),
		live: map[string]*runState{},
	}
	m.reg.MustRegister(m.tasks, m.attempts, m.reserved, m.budget, m.durations, m.runs)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is where the metrics are registered, for callers that add their
// own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Start announces a run before its events: its workflow name, task count
// (all pending) and memory budget (0 = none).
func (m *Metrics) Start(runID, workflow string, tasks []string, budget int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live[runID]; ok {
		return
	}
	r := &runState{workflow: workflow, tasks: make(map[string]event.TaskState, len(tasks)),
		reserved: map[string]int64{}, started: map[string]event.Event{}}
	for _, t := range tasks {
		r.tasks[t] = event.Pending
	}
	m.live[runID] = r
	m.tasks.WithLabelValues(workflow, string(event.Pending)).Add(float64(len(tasks)))
	if budget > 0 {
		m.budget.WithLabelValues(workflow).Add(float64(budget))
	}
	m.reserved.WithLabelValues(workflow).Add(0)
}

// Observe applies one event of a run announced by Start; events of other
// runs are ignored. Events must come in order, each once.
func (m *Metrics) Observe(e event.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.live[e.RunID]
	if !ok {
		return
	}
	switch e.Kind {
	case event.TaskChanged:
		prev, known := r.tasks[e.Task]
		if known && prev == e.State {
			return
		}
		if known {
			m.tasks.WithLabelValues(r.workflow, string(prev)).Dec()
		}
		r.tasks[e.Task] = e.State
		m.tasks.WithLabelValues(r.workflow, string(e.State)).Inc()
		if e.State == event.Running && e.Memory > 0 {
			r.reserved[e.Task] = e.Memory
			m.reserved.WithLabelValues(r.workflow).Add(float64(e.Memory))
		} else if c, ok := r.reserved[e.Task]; ok && e.State != event.Running {
			delete(r.reserved, e.Task)
			m.reserved.WithLabelValues(r.workflow).Sub(float64(c))
		}
	case event.AttemptEnded:
		if e.Result == nil {
			return
		}
		reason := string(e.Result.Reason)
		m.attempts.WithLabelValues(r.workflow, reason).Inc()
		if d := e.Result.End.Sub(e.Result.Start); d > 0 {
			m.durations.WithLabelValues(r.workflow, reason).Observe(d.Seconds())
		}
	case event.RunEnded:
		m.end(e.RunID, r, e.Message)
	}
}

// end takes an ended run's tasks out of the gauges.
func (m *Metrics) end(id string, r *runState, outcome string) {
	for _, st := range r.tasks {
		m.tasks.WithLabelValues(r.workflow, string(st)).Dec()
	}
	var reserved int64
	for _, c := range r.reserved {
		reserved += c
	}
	m.reserved.WithLabelValues(r.workflow).Sub(float64(reserved))
	delete(m.live, id)
	m.runs.WithLabelValues(r.workflow, outcomeLabel(outcome)).Inc()
}

// outcomeLabel keeps the label's values few: the engine's message may say
// what stopped it in words.
func outcomeLabel(message string) string {
	switch message {
	case "succeeded", "cancelled":
		return message
	}
	return "failed"
}
