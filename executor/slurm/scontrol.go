package slurm

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
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
	MinJobAge   string // how long finished jobs stay in slurmctld, as printed ("600 sec")
}

// parseConfig parses `scontrol show config`: "Key = Value" lines under a
// "Configuration data as of ..." header.
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
	return &config{
		Accounting:  acct != "accounting_storage/none",
		JobCompType: kv["JobCompType"],
		JobCompLoc:  kv["JobCompLoc"],
		MinJobAge:   kv["MinJobAge"],
	}, nil
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
