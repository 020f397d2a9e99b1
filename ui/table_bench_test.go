package ui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/store"
)

// BenchmarkTable times the task table of the newest run of the state dir
// WEIR_TABLE_STATE (a run of bench/bigstore: DIR/.weir), or of a mixed
// run of 10,000 tasks: building it, then each kind of request through the
// server's handler, with the CPU time of the process (cpu-ms/op), which
// the machine's load inflates less than the wall time. WEIR_TABLE_WHOLE=1
// adds the whole read that answered these before (minutes at a million).
func BenchmarkTable(b *testing.B) {
	dir := os.Getenv("WEIR_TABLE_STATE")
	if dir == "" {
		dir = b.TempDir()
		full := b.TempDir()
		mixedRun(b, full, "r1", 10_000)
		journaled(b, full, dir, "r1", 20)
	}
	runs, err := store.ListRunFiles(dir)
	if err != nil || len(runs) == 0 {
		b.Fatalf("no run in %s: %v", dir, err)
	}
	id := runs[0].ID
	b.Logf("%d tasks (%s), load average at the start %s", runs[0].Tasks, id, loadAvg())
	s, err := New(Options{StateDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	h, err := s.checkRun(id)
	if err != nil {
		b.Fatal(err)
	}
	qr := h.quick()
	if qr == nil {
		b.Fatal("the run has no outline and summary, or has not ended")
	}
	cpuPerOp := func(b *testing.B, f func()) {
		c0 := cpuTime()
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
	b.Run("build", func(b *testing.B) {
		cpuPerOp(b, func() {
			if _, err := h.buildTable(true); err != nil {
				b.Fatal(err)
			}
		})
	})
	tab, err := h.table(qr, true)
	if err != nil {
		b.Fatal(err)
	}
	handler := s.Handler()
	get := func(b *testing.B, q string) {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, httptest.NewRequest("GET", "/api/runs/"+id+"/tasks"+q, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", q, w.Code, w.Body.String())
		}
	}
	queries := []struct{ name, q string }{
		{"failed", "?state=failed&limit=200"},
		{"succeeded", "?state=succeeded&limit=200"},
		{"cancelled", "?state=cancelled&limit=200"},
		{"stage", "?stage=work&offset=5000&limit=200"},
		{"page far down", "?offset=90000&limit=200"},
		{"search id", "?q=" + strings.ReplaceAll("work[12345", "[", "%5B") + "&limit=200"},
		{"search reason", "?q=exit&limit=200"},
		{"sort key", "?sort=key&dir=-1&limit=200"},
		{"sort took", "?sort=took&dir=-1&limit=200"},
		{"sort peak", "?sort=peak&dir=-1&limit=200"},
		{"sort tries", "?sort=tries&dir=-1&limit=200"},
		{"find", "?find=" + strings.ReplaceAll(tab.id(tab.n/2), "[", "%5B") + "&limit=0"},
	}
	for _, c := range queries {
		// The first request of a sort ranks the column; later ones reuse it.
		b.Run(c.name+", first", func(b *testing.B) {
			cpuPerOp(b, func() {
				tab.ranks.mu.Lock()
				tab.ranks.m = nil
				tab.ranks.mu.Unlock()
				get(b, c.q)
			})
		})
		b.Run(c.name, func(b *testing.B) { cpuPerOp(b, func() { get(b, c.q) }) })
	}
	if os.Getenv("WEIR_TABLE_WHOLE") == "1" {
		q, _ := parseRowQuery(httptest.NewRequest("GET", "/x?sort=peak&dir=-1&limit=200", nil))
		// From a fresh server each time, as a first request is.
		b.Run("whole read, sort peak", func(b *testing.B) {
			cpuPerOp(b, func() {
				s, err := New(Options{StateDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				h, _ := s.checkRun(id)
				if _, err := h.rows(q); err != nil {
					b.Fatal(err)
				}
			})
		})
		// The same server again: what each request of a run still going
		// costs once its events are read (the model is kept).
		if _, err := h.rows(q); err != nil {
			b.Fatal(err)
		}
		for _, c := range []string{"?sort=peak&dir=-1", "?sort=reason", "?q=exit", "?state=succeeded"} {
			q, _ := parseRowQuery(httptest.NewRequest("GET", "/x"+c+"&limit=200", nil))
			b.Run("whole read again, "+c[1:], func(b *testing.B) {
				cpuPerOp(b, func() {
					if _, err := h.rows(q); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
	b.Run("load table.bin", func(b *testing.B) {
		src, err := h.sources()
		if err != nil {
			b.Fatal(err)
		}
		cpuPerOp(b, func() {
			if t, err := h.loadTable(src, true); t == nil || err != nil {
				b.Fatalf("no table.bin: %v", err)
			}
		})
	})
	b.Logf("load average at the end %s", loadAvg())
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:min(3, len(strings.Fields(string(b))))], " ")
}
