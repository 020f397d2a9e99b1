package event

import (
	"fmt"
	"strings"
	"time"
)

// Reason says how an attempt ended.
type Reason string

// Attempt outcomes. Every attempt ends with exactly one.
const (
	Succeeded     Reason = "succeeded"
	Exit          Reason = "exit"           // non-zero exit code
	Signal        Reason = "signal"         // killed by a signal it did not get from weir
	OOM           Reason = "oom"            // exceeded its memory cap (the kernel's or the watchdog's verdict)
	Timeout       Reason = "timeout"        // ran past its timeout
	Cancelled     Reason = "cancelled"      // the run was cancelled
	Lost          Reason = "lost"           // the engine lost track of it (crash, node failure)
	OutputMissing Reason = "output_missing" // exited 0 without writing a declared output
	StartFailed   Reason = "start_failed"   // could not be started at all
)

// Enforcement names how a memory cap was enforced.
type Enforcement string

// Ways a memory cap is enforced.
const (
	CgroupV1 Enforcement = "cgroup v1"
	CgroupV2 Enforcement = "cgroup v2"
	Watchdog Enforcement = "watchdog"
	NoCap    Enforcement = "none"
	Cluster  Enforcement = "slurm"
)

// Result is how an attempt ended and what it used.
type Result struct {
	Reason   Reason `json:"reason"`
	ExitCode int    `json:"exit_code,omitempty"`
	Signal   int    `json:"signal,omitempty"`
	// Detail is a sentence for people: "exceeded its memory cap of 1 GiB
	// (peak 1.02 GiB)", "program not found", "output table missing".
	Detail      string        `json:"detail,omitempty"`
	PeakMemory  int64         `json:"peak_memory,omitempty"` // bytes
	CPUTime     time.Duration `json:"cpu_time,omitempty"`
	Start       time.Time     `json:"start"`
	End         time.Time     `json:"end"`
	Enforcement Enforcement   `json:"enforcement,omitempty"`
	// Leftovers counts processes still in the task after its main process
	// exited; they were killed.
	Leftovers int `json:"leftovers,omitempty"`
	// Samples is the attempt's memory over time, at most MaxSamples points
	// spread over its whole run; none for an attempt shorter than the
	// sampling interval.
	Samples []MemorySample `json:"memory_samples,omitempty"`
}

// OK reports whether the attempt succeeded.
func (r Result) OK() bool { return r.Reason == Succeeded }

// String is the short form used in progress lines: "exit 3", "signal 9",
// "oom", "succeeded".
func (r Result) String() string {
	switch r.Reason {
	case Exit:
		return fmt.Sprintf("exit %d", r.ExitCode)
	case Signal:
		return fmt.Sprintf("signal %d", r.Signal)
	}
	return string(r.Reason)
}

// Matches reports whether a retry rule (a dag.RetryReasons element or
// "exit:N") covers this result.
func (r Result) Matches(rule string) bool {
	if code, ok := strings.CutPrefix(rule, "exit:"); ok {
		return r.Reason == Exit && fmt.Sprint(r.ExitCode) == code
	}
	return string(r.Reason) == rule
}
