package slurm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Job is what Slurm says about one job, from squeue, scontrol, the
// jobcomp log or sacct.
type Job struct {
	// ID is how weir names the job to Slurm's commands: "N", or "A_I" for
	// element I of job array A. RawID is the job's own number, which for an
	// array element is known only once it runs (its cgroup is job_<RawID>).
	ID     string
	RawID  string
	Name   string // empty where the source does not say
	State  string // COMPLETED, RUNNING, ... without decorations ("CANCELLED by 0" is CANCELLED)
	Reason string // why it is pending or how it ended: None, BeginTime, NonZeroExitCode, ...
	// ExitCode and Signal are Slurm's "N:M": the exit status of the batch
	// script and the signal that ended it.
	ExitCode, Signal int
	// Start and End are zero where Slurm does not know them (yet).
	Start, End time.Time
	NodeList   string
	Source     string // "squeue", "scontrol", "jobcomp" or "sacct", for messages
}

// ErrUnknownJob is returned when Slurm has no record of a job: not in
// slurmctld's memory (finished jobs stay there MinJobAge seconds), not in
// the jobcomp log, not in accounting.
var ErrUnknownJob = errors.New("slurm: unknown job")

// states maps every job state Slurm 22.05 reports to whether it is final.
var states = map[string]bool{
	"BOOT_FAIL": true, "CANCELLED": true, "COMPLETED": true, "DEADLINE": true, "FAILED": true,
	"NODE_FAIL": true, "OUT_OF_MEMORY": true, "PREEMPTED": true, "REVOKED": true,
	"SPECIAL_EXIT": true, "TIMEOUT": true,

	"PENDING": false, "RUNNING": false, "SUSPENDED": false, "COMPLETING": false,
	"CONFIGURING": false, "REQUEUED": false, "REQUEUE_FED": false, "REQUEUE_HOLD": false,
	"RESIZING": false, "RESV_DEL_HOLD": false, "SIGNALING": false, "STAGE_OUT": false,
	"STOPPED": false,
}

// Final reports whether the job has ended and nothing of it runs any more.
// COMPLETING is not final: the job's processes may still be being killed.
func (j *Job) Final() bool { return states[j.State] }

// Started reports whether the job has begun running.
func (j *Job) Started() bool {
	return j.State != "PENDING" && j.State != "REQUEUE_HOLD" && j.State != "REQUEUED"
}

// parseState checks a job state and strips what sacct and some versions
// add to it: "CANCELLED by 0", "CANCELLED+".
func parseState(s string) (string, error) {
	s, _, _ = strings.Cut(s, " ")
	s = strings.TrimRight(s, "+")
	if _, ok := states[s]; !ok {
		return "", fmt.Errorf("unknown job state %q", s)
	}
	return s, nil
}

// parseExitCode parses Slurm's "N:M" (exit status N, signal M).
func parseExitCode(s string) (exit, sig int, err error) {
	a, b, ok := strings.Cut(s, ":")
	if ok {
		exit, err = strconv.Atoi(a)
		if err == nil {
			sig, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || exit < 0 || exit > 255 || sig < 0 || sig > 255 {
		return 0, 0, fmt.Errorf("exit code %q is not N:M", s)
	}
	return exit, sig, nil
}

// parseWaitStatus splits a raw wait status (squeue's exit_code) the way
// Slurm prints it as N:M: exit status in bits 8-15, signal in bits 0-6
// (bit 7 is the core-dump flag).
func parseWaitStatus(s string) (exit, sig int, err error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n > 0xffff {
		return 0, 0, fmt.Errorf("exit status %q is not a wait status", s)
	}
	if sig := int(n & 0x7f); sig != 0 {
		return 0, sig, nil
	}
	return int(n >> 8), 0, nil
}

// timeLayout is how Slurm prints times (in the local time zone of the
// machine running the command).
const timeLayout = "2006-01-02T15:04:05"

// parseTime parses a Slurm time; Unknown, None, N/A and NONE are the zero
// time.
func parseTime(s string) (time.Time, error) {
	switch s {
	case "Unknown", "None", "NONE", "N/A", "":
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(timeLayout, s, time.Local)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not %s", s, timeLayout)
	}
	return t, nil
}

// parseJobID checks a job id: "N", or "A_I" for an element of an array.
// squeue's folded form of pending elements ("A_[0-3]") is not one: the
// runner asks for one line per element (squeue -r).
func parseJobID(s string) (string, error) {
	a, i, array := strings.Cut(s, "_")
	if _, err := strconv.ParseUint(a, 10, 32); err != nil {
		return "", fmt.Errorf("job id %q is not N or A_I", s)
	}
	if _, err := strconv.ParseUint(i, 10, 32); array && err != nil {
		return "", fmt.Errorf("job id %q is not N or A_I", s)
	}
	return s, nil
}
