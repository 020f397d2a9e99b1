package slurm

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseScontrolJob parses `scontrol show job -o ID`: exactly one record.
func parseScontrolJob(out []byte) (*Job, error) {
	lines := nonEmptyLines(out)
	if len(lines) != 1 {
		return nil, fmt.Errorf("slurm: scontrol show job: want one record, got %d", len(lines))
	}
	f, err := parseKeyValues(lines[0])
	if err != nil {
		return nil, fmt.Errorf("slurm: scontrol show job: %w", err)
	}
	j, err := jobFromRecord(f, "scontrol")
	if err != nil {
		return nil, fmt.Errorf("slurm: scontrol show job: %w: %q", err, lines[0])
	}
	return j, nil
}

// config is what the runner needs from `scontrol show config`.
type config struct {
	Accounting  bool   // AccountingStorageType is not accounting_storage/none: sacct works
	JobCompType string // jobcomp/filetxt keeps a record per finished job in JobCompLoc
	JobCompLoc  string
	// MinJobAge is how long a finished job stays in slurmctld: in squeue,
	// scontrol, and in the count MaxJobCount limits.
	MinJobAge time.Duration
	// MaxJobCount bounds the jobs slurmctld holds, every user's, each array
	// element one, finished ones until MinJobAge has passed; past it sbatch
	// blocks ("temporarily unable to accept job") and retries for minutes.
	MaxJobCount int
	// MaxArraySize bounds array indices to 0..MaxArraySize-1; 0 disables
	// job arrays.
	MaxArraySize int
}

// parseConfig parses `scontrol show config`: "Key = Value" lines under a
// "Configuration data as of ..." header. The keys the runner relies on must
// be there and well formed: a guessed limit is a limit tripped.
func parseConfig(out []byte) (*config, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	kv := make(map[string]string)
	header := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Configuration data as of ") {
			header = true
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue // blank lines, "Slurmctld(primary) at vm is UP", section titles
		}
		kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if !header {
		return nil, fmt.Errorf("slurm: scontrol show config: no %q header", "Configuration data as of")
	}
	acct, ok := kv["AccountingStorageType"]
	if !ok {
		return nil, fmt.Errorf("slurm: scontrol show config: no AccountingStorageType")
	}
	c := &config{
		Accounting:  acct != "accounting_storage/none",
		JobCompType: kv["JobCompType"],
		JobCompLoc:  kv["JobCompLoc"],
	}
	var err error
	if c.MaxJobCount, err = configInt(kv, "MaxJobCount", 1); err != nil {
		return nil, err
	}
	if c.MaxArraySize, err = configInt(kv, "MaxArraySize", 0); err != nil {
		return nil, err
	}
	age, ok := strings.CutSuffix(kv["MinJobAge"], " sec")
	n, err := strconv.Atoi(age)
	if !ok || err != nil || n < 0 {
		return nil, fmt.Errorf("slurm: scontrol show config: MinJobAge %q is not \"N sec\"", kv["MinJobAge"])
	}
	c.MinJobAge = time.Duration(n) * time.Second
	return c, nil
}

// configInt is the whole number under key, at least least.
func configInt(kv map[string]string, key string, least int) (int, error) {
	v, ok := kv[key]
	if !ok {
		return 0, fmt.Errorf("slurm: scontrol show config: no %s", key)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		return 0, fmt.Errorf("slurm: scontrol show config: %s %q is not a whole number of at least %d", key, v, least)
	}
	return n, nil
}

func nonEmptyLines(out []byte) []string {
	var lines []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return lines
}
