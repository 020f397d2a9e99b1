package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/ui/metrics"
)

// scrape fetches the metrics over HTTP and parses them with Prometheus's
// own text parser, as a Prometheus server would.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

// value is the gauge or counter value of family name with the given label
// values, or -1 when there is no such series.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for _, lp := range m.GetLabel() {
			if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func TestMetricsFollowARun(t *testing.T) {
	m := metrics.New()
	m.Start("r1", "etl", []string{"a", "b", "c"}, 4<<30)
	t0 := time.Now()
	ev := func(e event.Event) { e.RunID = "r1"; m.Observe(e) }
	ev(event.Event{Kind: event.RunStarted})
	ev(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Ready})
	ev(event.Event{Kind: event.TaskChanged, Task: "b", State: event.Ready})
	ev(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1, Memory: 1 << 30})
	ev(event.Event{Kind: event.TaskChanged, Task: "b", State: event.Running, Attempt: 1, Memory: 512 << 20})
	m.Observe(event.Event{RunID: "other", Kind: event.TaskChanged, Task: "x", State: event.Running})

	fams := scrape(t, m)
	wf := map[string]string{"workflow": "etl"}
	for _, c := range []struct {
		name  string
		state string
		want  float64
	}{
		{"weir_tasks", "running", 2},
		{"weir_tasks", "pending", 1},
		{"weir_tasks", "ready", 0},
	} {
		if got := value(fams, c.name, map[string]string{"workflow": "etl", "state": c.state}); got != c.want {
			t.Errorf("%s{state=%q} = %v, want %v", c.name, c.state, got, c.want)
		}
	}
	if got := value(fams, "weir_running_memory_bytes", wf); got != 1536<<20 {
		t.Errorf("reserved memory %v", got)
	}
	if got := value(fams, "weir_memory_budget_bytes", wf); got != 4<<30 {
		t.Errorf("budget %v", got)
	}

	ev(event.Event{Kind: event.AttemptEnded, Task: "a", Attempt: 1, Result: &event.Result{Reason: event.OOM, Start: t0, End: t0.Add(2 * time.Second)}})
	ev(event.Event{Kind: event.TaskChanged, Task: "a", State: event.TaskFailed})
	ev(event.Event{Kind: event.AttemptEnded, Task: "b", Attempt: 1, Result: &event.Result{Reason: event.Succeeded, Start: t0, End: t0.Add(time.Second)}})
	ev(event.Event{Kind: event.TaskChanged, Task: "b", State: event.TaskSucceeded})
	ev(event.Event{Kind: event.TaskChanged, Task: "c", State: event.Skipped})

	fams = scrape(t, m)
	if got := value(fams, "weir_running_memory_bytes", wf); got != 0 {
		t.Errorf("reserved memory after the ends: %v", got)
	}
	if got := value(fams, "weir_attempts_total", map[string]string{"workflow": "etl", "reason": "oom"}); got != 1 {
		t.Errorf("oom attempts %v", got)
	}
	if got := value(fams, "weir_task_duration_seconds", map[string]string{"workflow": "etl", "reason": "succeeded"}); got != 1 {
		t.Errorf("durations observed %v", got)
	}
	if got := value(fams, "weir_tasks", map[string]string{"workflow": "etl", "state": "skipped"}); got != 1 {
		t.Errorf("skipped %v", got)
	}

	ev(event.Event{Kind: event.RunEnded, Message: "failed: a task failed"})
	fams = scrape(t, m)
	for _, st := range []string{"pending", "running", "succeeded", "failed", "skipped"} {
		if got := value(fams, "weir_tasks", map[string]string{"workflow": "etl", "state": st}); got > 0 {
			t.Errorf("an ended run still counts %v %s tasks", got, st)
		}
	}
	if got := value(fams, "weir_runs_total", map[string]string{"workflow": "etl", "outcome": "failed"}); got != 1 {
		t.Errorf("failed runs %v", got)
	}
	// Events after the end, or of runs never started, change nothing.
	ev(event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running})
	if got := value(scrape(t, m), "weir_tasks", map[string]string{"workflow": "etl", "state": "running"}); got > 0 {
		t.Errorf("running after the end: %v", got)
	}
}
