package lsp

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/history"
	"github.com/weirflow/weir/internal/units"
)

// usage is what past runs of a workflow tell about its stages: the peaks
// and durations `weir plan` learns, read from the run files of its state
// dir (history.LearnFromFiles), never from the database, whose lock an
// engine starting a run must not wait for.
type usage struct {
	runs   int
	stages map[string]*history.StageHistory
}

// usageRuns is how many of the newest runs of a workflow are read.
const usageRuns = 10

// usageFresh is how long one reading serves before the next is made; a
// variable for tests.
var usageFresh = 2 * time.Second

// usages caches readings by state dir and workflow name. Reading can take
// a while (the events of every run in the state dir), so only a
// workflow's first reading is made on the analysis's path; later ones,
// once a reading is older than usageFresh, are made in the background, and
// changed is called when one brings news, to analyze the documents again.
type usages struct {
	mu      sync.Mutex
	read    map[string]*usageReading
	changed func()
}

type usageReading struct {
	at      time.Time
	u       *usage
	reading bool // a background reading is under way
}

// of returns the usage of the workflow of an analysis; nil where its state
// dir has no finished run of it.
func (us *usages) of(a *dsl.Analysis) *usage {
	if a == nil || a.StateDir == "" {
		return nil
	}
	key := a.StateDir + "\x00" + a.Name
	us.mu.Lock()
	defer us.mu.Unlock()
	r, ok := us.read[key]
	if !ok {
		r = &usageReading{at: time.Now(), u: readUsage(a.StateDir, a.Name)}
		if us.read == nil {
			us.read = map[string]*usageReading{}
		}
		us.read[key] = r
		return r.u
	}
	if !r.reading && time.Since(r.at) >= usageFresh {
		r.reading = true
		go us.refresh(key, a.StateDir, a.Name)
	}
	return r.u
}

func (us *usages) refresh(key, dir, name string) {
	u := readUsage(dir, name)
	us.mu.Lock()
	r := us.read[key]
	news := !reflect.DeepEqual(r.u, u)
	r.u, r.at, r.reading = u, time.Now(), false
	changed := us.changed
	us.mu.Unlock()
	if news && changed != nil {
		changed()
	}
}

func readUsage(dir, name string) *usage {
	stages, runs, err := history.LearnFromFiles(dir, name, usageRuns)
	if err != nil || runs == 0 {
		return nil
	}
	return &usage{runs: runs, stages: stages}
}

// usedText is the hover line of what a stage really used, beside its cap.
func usedText(u *usage, stage string, cap int64) string {
	if u == nil || u.stages[stage] == nil {
		return ""
	}
	h := u.stages[stage]
	var parts []string
	if h.PeakMax > 0 {
		s := "peak memory " + spanText(units.Size(h.PeakMin), units.Size(h.PeakMax))
		if cap > 0 {
			s += fmt.Sprintf(" against its cap of %s (%.0f%%)", units.Size(cap), 100*float64(h.PeakMax)/float64(cap))
		}
		parts = append(parts, s)
	}
	if h.DurMax > 0 {
		parts = append(parts, "took "+spanText(units.Duration(h.DurMin.Round(time.Second)), units.Duration(h.DurMax.Round(time.Second))))
	}
	if h.OOMs > 0 {
		parts = append(parts, plural(h.OOMs, "attempt")+" ended oom")
	}
	if h.Timeouts > 0 {
		parts = append(parts, plural(h.Timeouts, "attempt")+" timed out")
	}
	if len(parts) == 0 {
		return ""
	}
	runs := "the last run"
	if u.runs > 1 {
		runs = fmt.Sprintf("the last %d runs", u.runs)
	}
	return fmt.Sprintf("In %s (%s): %s.", runs, plural(h.Successes, "successful attempt"), strings.Join(parts, ", "))
}

func spanText(lo, hi string) string {
	if lo == hi {
		return lo
	}
	return lo + "-" + hi
}
