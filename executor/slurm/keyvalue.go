package slurm

import (
	"errors"
	"fmt"
	"strings"
)

// Slurm's one-line records (`scontrol show job -o`, the jobcomp/filetxt
// log) are Key=Value fields separated by spaces, and values are not
// quoted: "JobName=two words WorkDir=/tmp/a dir=x StdErr=...". A field
// starts at a word that looks like Key=, except inside the free-text
// values below, which only a key Slurm is known to print can end.

// freeText are the keys whose values may hold spaces.
var freeText = map[string]bool{
	"JobName": true, "Name": true, "WorkDir": true, "Command": true, "StdErr": true,
	"StdIn": true, "StdOut": true, "Comment": true, "AdminComment": true, "SystemComment": true,
}

// knownKeys are the keys of Slurm 22.05's job records, of scontrol and of
// jobcomp/filetxt.
var knownKeys = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`Account AccrueTime AdminComment AllocNode:Sid ArrayJobId
		ArrayTaskId ArrayTaskThrottle BatchFlag BatchHost BurstBuffer CPUs/Task Cluster Command
		Comment Contiguous CoreSpec Deadline DelayBoot Dependency DerivedExitCode EligibleTime
		EndTime ExcNodeList ExitCode Features GroupId HetJobId JobId JobName JobState
		LastSchedEval Licenses MCS_label MinCPUsNode MinMemoryCPU MinMemoryNode MinTmpDiskNode
		Name Network Nice NodeCnt NodeList NtasksPerN:B:S:C NumCPUs NumNodes NumTasks
		OverSubscribe Partition Power PreemptEligibleTime PreemptTime Priority ProcCnt QOS
		Reason Reboot ReqB:S:C:T ReqNodeList Requeue Reservation ReservationName ResizeTime
		Restarts RunTime Scheduler SecsPreSuspend Socks/Node StartTime StdErr StdIn StdOut
		SubmitTime SuspendTime SystemComment TRES TimeLimit TimeMin Tres UserId WcKey WorkDir`) {
		knownKeys[k] = true
	}
}

// parseKeyValues splits one record into its fields. A key seen twice is an
// error: the record is not what this parser understands.
func parseKeyValues(line string) (map[string]string, error) {
	line = strings.TrimRight(line, " \r\n")
	if line == "" {
		return nil, errors.New("empty record")
	}
	fields := make(map[string]string)
	key := ""
	var val strings.Builder
	flush := func() error {
		if key == "" {
			return nil
		}
		if _, dup := fields[key]; dup {
			return fmt.Errorf("key %s twice", key)
		}
		fields[key] = val.String()
		return nil
	}
	for i, word := range strings.Split(line, " ") {
		k, v, ok := strings.Cut(word, "=")
		starts := ok && keyLike(k) && (knownKeys[k] || !freeText[key])
		if !starts {
			if i == 0 {
				return nil, fmt.Errorf("record does not start with Key=: %q", word)
			}
			val.WriteByte(' ')
			val.WriteString(word)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		key = k
		val.Reset()
		val.WriteString(v)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return fields, nil
}

// keyLike reports whether s can be a key: a letter, then letters, digits
// and the separators Slurm uses in keys (AllocNode:Sid, CPUs/Task).
func keyLike(s string) bool {
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '/') {
			return false
		}
	}
	return true
}

// jobFromRecord builds a Job from a scontrol or jobcomp record, whose
// fields are named alike (the name is JobName in one and Name in the other).
func jobFromRecord(f map[string]string, source string) (*Job, error) {
	for _, k := range []string{"JobId", "JobState", "ExitCode"} {
		if _, ok := f[k]; !ok {
			return nil, fmt.Errorf("no %s", k)
		}
	}
	j := &Job{Name: f["JobName"], Reason: f["Reason"], NodeList: f["NodeList"], Source: source}
	if j.Name == "" {
		j.Name = f["Name"]
	}
	var err error
	if j.RawID, err = parseJobID(f["JobId"]); err != nil {
		return nil, err
	}
	j.ID = j.RawID
	// An array element: weir knows it as A_I. (A pending range, "0-3",
	// stays under the array's own id.)
	if a, i := f["ArrayJobId"], f["ArrayTaskId"]; a != "" {
		if id, err := parseJobID(a + "_" + i); err == nil {
			j.ID = id
		}
	}
	if j.State, err = parseState(f["JobState"]); err != nil {
		return nil, err
	}
	if j.ExitCode, j.Signal, err = parseExitCode(f["ExitCode"]); err != nil {
		return nil, err
	}
	if j.Start, err = parseTime(f["StartTime"]); err != nil {
		return nil, err
	}
	if j.End, err = parseTime(f["EndTime"]); err != nil {
		return nil, err
	}
	return j, nil
}
