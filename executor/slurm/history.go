package slurm

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Where a job that slurmctld has forgotten (MinJobAge after its end) is
// still recorded: the jobcomp/filetxt log, a line per finished job, and
// accounting (sacct), where slurmdbd runs.

// findJobComp returns the last record of job id (N, or A_I for an array
// element) in a jobcomp/filetxt log, or ErrUnknownJob. Only lines of that
// job are parsed: the log is shared by every job of the cluster.
func findJobComp(r io.Reader, id string) (*Job, error) {
	match := func(line string) bool { return strings.HasPrefix(line, "JobId="+id+" ") }
	if a, i, array := strings.Cut(id, "_"); array {
		// An element's record is under its own number, which weir may never
		// have seen; it names its array and index.
		field := " ArrayJobId=" + a + " ArrayTaskId=" + i + " "
		match = func(line string) bool { return strings.Contains(line, field) }
	}
	var last string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); match(line) {
			last = line // a requeued job has a record per run: the last one counts
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("slurm: reading the jobcomp log: %w", err)
	}
	if last == "" {
		return nil, fmt.Errorf("%w %s in the jobcomp log", ErrUnknownJob, id)
	}
	f, err := parseKeyValues(last)
	if err != nil {
		return nil, fmt.Errorf("slurm: jobcomp log: %w", err)
	}
	j, err := jobFromRecord(f, "jobcomp")
	if err != nil {
		return nil, fmt.Errorf("slurm: jobcomp log: %w: %q", err, last)
	}
	return j, nil
}

// sacctFormat is the field list of `sacct -n -P -X -o sacctFormat`; -P
// separates fields with "|" and -X keeps the allocation line only. The job
// name is last, so a "|" in it does not shift the other fields.
const sacctFormat = "JobIDRaw,State,ExitCode,Start,End,NodeList,JobName"

// parseSacct parses the output of sacct for one job: one line, or none
// when accounting has no record of it.
func parseSacct(out []byte, id string) (*Job, error) {
	lines := nonEmptyLines(out)
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w %s in accounting", ErrUnknownJob, id)
	}
	if len(lines) != 1 {
		return nil, fmt.Errorf("slurm: sacct: want one line for job %s, got %d", id, len(lines))
	}
	f := strings.SplitN(lines[0], "|", 7)
	if len(f) != 7 {
		return nil, fmt.Errorf("slurm: sacct: want 7 fields separated by |, got %d: %q", len(f), lines[0])
	}
	j := &Job{NodeList: f[5], Name: f[6], Source: "sacct"}
	var err error
	if j.RawID, err = parseJobID(f[0]); err == nil && j.RawID != id && !strings.Contains(id, "_") {
		err = fmt.Errorf("asked for job %s, got %s", id, j.RawID)
	}
	j.ID = id
	if err == nil {
		j.State, err = parseState(f[1])
	}
	if err == nil {
		j.ExitCode, j.Signal, err = parseExitCode(f[2])
	}
	if err == nil {
		j.Start, err = parseTime(f[3])
	}
	if err == nil {
		j.End, err = parseTime(f[4])
	}
	if err != nil {
		return nil, fmt.Errorf("slurm: sacct: %w: %q", err, lines[0])
	}
	return j, nil
}
