package history

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/store"
)

// StageHistory is what recent runs tell about one stage: how much memory
// and time its successful attempts took, and how often it hit its limits.
type StageHistory struct {
	Stage     string
	Runs      int // runs with at least one successful attempt of the stage
	Successes int // successful attempts
	// PeakMin and PeakMax bound the peak memory of successful attempts;
	// zero when no attempt reported one.
	PeakMin, PeakMax int64
	DurMin, DurMax   time.Duration // wall time of successful attempts
	OOMs, Timeouts   int           // attempts that hit the cap or the timeout
	// LastCap is the cap of the newest attempt: what the workflow declared
	// then (or grew to after an oom).
	LastCap int64
	// StartFailure is why the newest attempt that could not start did
	// not ("program "x" not found in the task's PATH (...)"); "" if none.
	StartFailure string
}

// Learn gathers the history of every stage over the newest maxRuns runs of
// the workflow called name in state dir dir. A state dir without runs
// gives an empty map.
func Learn(dir, name string, maxRuns int) (map[string]*StageHistory, int, error) {
	runs, err := store.ListRuns(dir)
	if err != nil {
		return nil, 0, err
	}
	return learn(dir, name, maxRuns, runs)
}

// LearnFromFiles is Learn from the run files alone (store.ListRunFiles): it
// never opens the database, so an engine starting meanwhile never waits.
func LearnFromFiles(dir, name string, maxRuns int) (map[string]*StageHistory, int, error) {
	runs, err := store.ListRunFiles(dir)
	if err != nil {
		return nil, 0, err
	}
	return learn(dir, name, maxRuns, runs)
}

func learn(dir, name string, maxRuns int, runs []store.RunSummary) (map[string]*StageHistory, int, error) {
	out := map[string]*StageHistory{}
	used := 0
	for _, r := range runs { // newest first
		if used == maxRuns {
			break
		}
		if r.Name != name || r.State == store.RunRunning {
			continue
		}
		var attempts []Attempt
		var err error
		w := readWide(dir, r.ID)
		if w != nil {
			attempts, err = w.attempts(dir)
		} else {
			attempts, err = Attempts(dir, r.ID)
		}
		if err != nil {
			continue // a run without readable events tells nothing
		}
		used++
		succeeded := map[string]bool{}
		if w != nil {
			for _, t := range w.totals() {
				h := out[t.Stage]
				if h == nil {
					h = &StageHistory{Stage: t.Stage, LastCap: t.Cap}
					out[t.Stage] = h
				}
				if h.addTotal(t) {
					succeeded[t.Stage] = true
					h.Runs++
				}
			}
		}
		for _, a := range attempts {
			if a.Result == nil {
				continue
			}
			h := out[a.Stage]
			if h == nil {
				h = &StageHistory{Stage: a.Stage, LastCap: a.Cap}
				out[a.Stage] = h
			}
			h.add(a)
			if a.Result.OK() && !succeeded[a.Stage] {
				succeeded[a.Stage] = true
				h.Runs++
			}
		}
	}
	return out, used, nil
}

// addTotal adds a wide stage's total, whose failed tasks' attempts
// are added one by one beside it; it says whether a task succeeded.
// The total knows the largest peak and run time of all the stage's
// attempts, the failed ones included, and not the smallest: PeakMin and
// DurMin are left as other runs made them, or unknown (0).
func (h *StageHistory) addTotal(t StageTotal) bool {
	ok := t.Counts[event.TaskSucceeded]
	if ok == 0 {
		return false
	}
	h.Successes += ok
	h.PeakMax = max(h.PeakMax, t.Peak)
	h.DurMax = max(h.DurMax, t.TookMax)
	return true
}

func (h *StageHistory) add(a Attempt) {
	r := a.Result
	switch r.Reason {
	case event.OOM:
		h.OOMs++
	case event.Timeout:
		h.Timeouts++
	case event.StartFailed:
		if h.StartFailure == "" { // runs come newest first
			h.StartFailure = r.Detail
		}
	case event.Succeeded:
		h.Successes++
		if p := r.PeakMemory; p > 0 {
			if h.PeakMin == 0 || p < h.PeakMin {
				h.PeakMin = p
			}
			h.PeakMax = max(h.PeakMax, p)
		}
		if d := r.End.Sub(r.Start); d > 0 {
			if h.DurMin == 0 || d < h.DurMin {
				h.DurMin = d
			}
			h.DurMax = max(h.DurMax, d)
		}
	}
}

// Thresholds of advice. A cap more than twice what the stage needs keeps
// tasks waiting for memory nobody uses; one within 15% of the peak is an
// oom waiting for a slightly larger input.
const (
	headroom      = 1.3  // suggested cap = peak x headroom, rounded up
	tooLoose      = 2.0  // declared/suggested above this: lower it
	tooTight      = 0.85 // peak/declared above this: raise it
	minSuccesses  = 3    // fewer successful attempts suggest nothing lower
	timeoutFactor = 3    // suggested timeout = longest run x this
	// uncappedWorthy is the peak below which a stage without a cap is not
	// worth a word: it cannot take the machine.
	uncappedWorthy = 64 << 20
)

// Advice is one suggestion for a stage, as a sentence with the HCL to write.
type Advice struct {
	Stage     string `json:"stage"`
	Attribute string `json:"attribute"` // "memory" or "timeout"
	Suggested string `json:"suggested"` // the value to write, in HCL form
	Why       string `json:"why"`
}

// Advise compares a stage's declared cap and timeout with its history.
// memory and timeout are the declared values (0 = none).
func Advise(h *StageHistory, memory int64, timeout time.Duration) []Advice {
	var out []Advice
	if a, ok := adviseMemory(h, memory); ok {
		out = append(out, a)
	}
	if a, ok := adviseTimeout(h, timeout); ok {
		out = append(out, a)
	}
	return out
}

func adviseMemory(h *StageHistory, declared int64) (Advice, bool) {
	a := Advice{Stage: h.Stage, Attribute: "memory"}
	peaks := fmt.Sprintf("peaks %s over %s", upTo(h.PeakMin, h.PeakMax, units.Size), plural(h.Successes, "successful attempt"))
	switch {
	case h.OOMs > 0 && declared > 0 && (h.Successes == 0 || h.PeakMax > int64(tooTight*float64(declared))):
		need := max(h.PeakMax, declared)
		a.Suggested = hclSize(niceSize(int64(float64(need) * headroom)))
		a.Why = fmt.Sprintf("memory = %s ended oom %s", hclSize(declared), plural(h.OOMs, "time"))
		if h.Successes > 0 {
			a.Why += "; " + peaks
		}
	case h.PeakMax == 0:
		return a, false
	case declared == 0:
		if h.Successes < minSuccesses || h.PeakMax < uncappedWorthy {
			return a, false
		}
		a.Suggested = hclSize(niceSize(int64(float64(h.PeakMax) * headroom)))
		a.Why = "no memory cap; " + peaks + ": a cap keeps one runaway task from taking the machine"
	case h.PeakMax > int64(tooTight*float64(declared)):
		a.Suggested = hclSize(niceSize(int64(float64(h.PeakMax) * headroom)))
		a.Why = fmt.Sprintf("memory = %s, %s (%.0f%% of the cap): a slightly larger input ends oom",
			hclSize(declared), peaks, 100*float64(h.PeakMax)/float64(declared))
	default:
		if h.Successes < minSuccesses {
			return a, false
		}
		suggested := niceSize(int64(float64(h.PeakMax) * headroom))
		if float64(declared) < tooLoose*float64(suggested) {
			return a, false
		}
		a.Suggested = hclSize(suggested)
		a.Why = fmt.Sprintf("memory = %s, %s: %s would admit %.0fx more tasks at once",
			hclSize(declared), peaks, a.Suggested, math.Floor(float64(declared)/float64(suggested)))
	}
	return a, true
}

func adviseTimeout(h *StageHistory, declared time.Duration) (Advice, bool) {
	a := Advice{Stage: h.Stage, Attribute: "timeout"}
	runs := fmt.Sprintf("runs take %s", upTo(h.DurMin, h.DurMax, func(d time.Duration) string { return units.Duration(d.Round(time.Second)) }))
	switch {
	case h.Timeouts > 0 && declared > 0:
		a.Suggested = hclDuration(niceDuration(max(declared*2, h.DurMax*timeoutFactor)))
		a.Why = fmt.Sprintf("timeout = %s ended %s", hclDuration(declared), plural(h.Timeouts, "attempt"))
		if h.Successes > 0 {
			a.Why += "; " + runs
		}
	case h.Successes < minSuccesses || h.DurMax < time.Second:
		return a, false
	case declared == 0:
		a.Suggested = hclDuration(niceDuration(h.DurMax * timeoutFactor))
		a.Why = "no timeout; " + runs + ": a timeout ends a hung task instead of waiting forever"
	case h.DurMax > declared*8/10:
		a.Suggested = hclDuration(niceDuration(h.DurMax * timeoutFactor))
		a.Why = fmt.Sprintf("timeout = %s, %s: close to the limit", hclDuration(declared), runs)
	case declared > 10*h.DurMax*timeoutFactor:
		a.Suggested = hclDuration(niceDuration(h.DurMax * timeoutFactor))
		a.Why = fmt.Sprintf("timeout = %s, %s: %s would catch a hung task sooner", hclDuration(declared), runs, a.Suggested)
	default:
		return a, false
	}
	return a, true
}

// niceSize rounds n up to 2^k or 1.5 x 2^k bytes, at least 16 MiB: caps
// people would write.
func niceSize(n int64) int64 {
	size := int64(16 << 20)
	for size < n {
		if mid := size + size/2; mid >= n {
			return mid
		}
		size *= 2
	}
	return size
}

// niceDuration rounds d up to a duration people would write.
func niceDuration(d time.Duration) time.Duration {
	steps := []time.Duration{
		10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
		3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	}
	for _, s := range steps {
		if d <= s {
			return s
		}
	}
	return d.Round(24 * time.Hour)
}

// hclSize writes a size as a workflow would: "1.5GiB", "384MiB".
func hclSize(n int64) string {
	return `"` + strings.ReplaceAll(units.Size(n), " ", "") + `"`
}

func hclDuration(d time.Duration) string { return `"` + units.Duration(d) + `"` }

// upTo is span of lo and hi, or "up to hi" when lo is unknown (0: a wide
// stage's total knows only its largest).
func upTo[T int64 | time.Duration](lo, hi T, f func(T) string) string {
	if lo == 0 {
		return "up to " + f(hi)
	}
	return span(f(lo), f(hi))
}

func span(lo, hi string) string {
	if lo == hi {
		return lo
	}
	return lo + "-" + hi
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
