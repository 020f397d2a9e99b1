package slurm

import (
	"fmt"
	"syscall"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/internal/units"
)

// outcome maps how a job ended onto an attempt's result. cause is the
// reason given to Stop, if any: it wins, as with local processes. peak is
// the most memory the job was seen to use, 0 if unknown.
func outcome(j *Job, s *executor.Spec, cause event.Reason, peak int64, now time.Time) event.Result {
	r := event.Result{Start: j.Start, End: j.End, Enforcement: event.Cluster, PeakMemory: peak}
	if r.End.IsZero() {
		r.End = now
	}
	if r.Start.IsZero() || r.Start.After(r.End) {
		r.Start = r.End // it never ran (cancelled while pending)
	}
	where := "Slurm job " + j.ID
	if j.NodeList != "" && j.NodeList != "(null)" && j.NodeList != "None assigned" && j.NodeList != "N/A" {
		where += " on " + j.NodeList
	}
	switch j.State {
	case "COMPLETED":
		r.Reason = event.Succeeded
	case "FAILED":
		switch {
		case j.Signal != 0:
			r.Reason, r.Signal = event.Signal, j.Signal
			r.Detail = fmt.Sprintf("killed by signal %s (%s)", syscall.Signal(j.Signal), where)
		case j.ExitCode != 0:
			r.Reason, r.ExitCode = event.Exit, j.ExitCode
		default:
			r.Reason = event.StartFailed
			r.Detail = fmt.Sprintf("%s failed (%s) without an exit status; see its stderr log", where, j.Reason)
		}
	case "OUT_OF_MEMORY":
		r.Reason = event.OOM
		// The cgroup's usage reached its limit when the kernel killed it;
		// the last sample, up to a poll earlier, may be well below.
		peak = max(peak, s.Memory)
		r.PeakMemory = peak
		if s.Memory == 0 {
			r.Detail = "exceeded the memory Slurm gives a job that declares none (the cluster's DefMemPerCPU; " + where + "); declare memory for the stage"
		} else {
			r.Detail = fmt.Sprintf("exceeded its memory cap of %s (peak %s; --mem of %s)", units.Size(s.Memory), units.Size(peak), where)
		}
	case "TIMEOUT", "DEADLINE":
		r.Reason = event.Timeout
		r.Detail = fmt.Sprintf("ran past its Slurm time limit (timeout %v, rounded up to whole minutes; %s)", s.Timeout, where)
	case "CANCELLED":
		r.Reason = event.Cancelled
		r.Detail = where + " was cancelled outside weir (scancel?)"
	default: // NODE_FAIL, PREEMPTED, BOOT_FAIL, REVOKED, SPECIAL_EXIT
		r.Reason = event.Lost
		r.Detail = fmt.Sprintf("%s ended %s (%s)", where, j.State, j.Reason)
		if j.Source == lostSource {
			r.Detail = where + ": " + j.Reason
		}
	}
	if cause != "" {
		r.Reason, r.ExitCode, r.Signal, r.Detail = cause, 0, 0, ""
		if cause == event.Timeout {
			r.Detail = "ran past its timeout of " + s.Timeout.String()
		}
	}
	return r
}

// lostSource marks a Job that weir made up for a job it lost track of.
const lostSource = "weir"

// lostJob stands for a job whose end weir cannot learn from Slurm.
func lostJob(id, why string) *Job {
	return &Job{ID: id, State: "REVOKED", Reason: why, Source: lostSource}
}
