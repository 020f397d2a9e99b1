package slurm

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// squeueFormat asks squeue for everything an outcome needs, so a poll needs
// no second command: the raw wait status (exit_code) and the times come
// with the state, and the node names messages about its end. JobArrayID is
// the id as weir names it (A_I for an array element), JobID the job's own
// number. Each field is followed by "|" (the
// -O suffix), with no padding and no truncation. For an active job EndTime
// is when its time limit would end it.
const squeueFormat = "JobArrayID:|,JobID:|,State:|,Reason:|,exit_code:|,StartTime:|,EndTime:|,NodeList:|"

// squeueFields is how many fields squeueFormat prints.
const squeueFields = 8

// parseSqueue parses the output of `squeue -h -r -t all -O squeueFormat`: a
// line per job or array element, keyed by its id (Job.ID).
func parseSqueue(out []byte) (map[string]*Job, error) {
	jobs := make(map[string]*Job)
	for n, line := range bytes.Split(out, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		j, err := parseSqueueLine(string(line))
		if err != nil {
			return nil, fmt.Errorf("slurm: squeue output line %d: %w: %q", n+1, err, line)
		}
		jobs[j.ID] = j
	}
	return jobs, nil
}

func parseSqueueLine(line string) (*Job, error) {
	f := strings.Split(line, "|")
	if len(f) != squeueFields+1 || f[squeueFields] != "" {
		return nil, fmt.Errorf("want %d fields each ended by |, got %d", squeueFields, len(f)-1)
	}
	j := &Job{Reason: f[3], NodeList: f[7], Source: "squeue"}
	var err error
	if j.ID, err = parseJobID(f[0]); err != nil {
		return nil, err
	}
	if j.RawID, err = parseJobID(f[1]); err == nil && strings.Contains(j.RawID, "_") {
		err = fmt.Errorf("job id %q is not a number", j.RawID)
	}
	if err != nil {
		return nil, err
	}
	if j.State, err = parseState(f[2]); err != nil {
		return nil, err
	}
	if j.ExitCode, j.Signal, err = parseWaitStatus(f[4]); err != nil {
		return nil, err
	}
	if j.Start, err = parseTime(f[5]); err != nil {
		return nil, err
	}
	if j.End, err = parseTime(f[6]); err != nil {
		return nil, err
	}
	if !j.Final() {
		j.End = time.Time{} // the time limit's end, not an end
	}
	return j, nil
}
