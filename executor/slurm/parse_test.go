package slurm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
)

// The testdata outputs were recorded from Debian's Slurm 22.05.8 on a
// single-node cluster made by scripts/slurm-cluster (the commands are in
// testdata/README.md).

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.ParseInLocation(timeLayout, s, time.Local)
	if err != nil {
		panic(err)
	}
	return t
}

// want is how a recorded job must parse and which attempt outcome it maps to.
type want struct {
	id, state, reason string
	exit, sig         int
	start, end        string // "" = zero time
	outcome           event.Reason
}

func checkJob(t *testing.T, j *Job, w want) {
	t.Helper()
	if j.ID != w.id || j.State != w.state || j.Reason != w.reason || j.ExitCode != w.exit || j.Signal != w.sig {
		t.Errorf("job = %s %s %s %d:%d, want %s %s %s %d:%d", j.ID, j.State, j.Reason, j.ExitCode, j.Signal,
			w.id, w.state, w.reason, w.exit, w.sig)
	}
	for _, c := range []struct {
		got  time.Time
		want string
	}{{j.Start, w.start}, {j.End, w.end}} {
		if w := c.want; w == "" && !c.got.IsZero() || w != "" && !c.got.Equal(at(w)) {
			t.Errorf("time %v, want %q", c.got, w)
		}
	}
}

var recorded = map[string]want{
	"completed":              {"3", "COMPLETED", "None", 0, 0, "2026-11-26T08:42:53", "2026-11-26T08:42:53", event.Succeeded},
	"failed-exit3":           {"4", "FAILED", "NonZeroExitCode", 3, 0, "2026-11-26T08:42:53", "2026-11-26T08:42:53", event.Exit},
	"failed-signal9":         {"5", "FAILED", "JobLaunchFailure", 0, 9, "2026-11-26T08:42:53", "2026-11-26T08:42:53", event.Signal},
	"failed-term-by-scancel": {"14", "FAILED", "JobLaunchFailure", 0, 15, "2026-11-26T08:43:57", "2026-11-26T08:43:59", event.Signal},
	"out-of-memory":          {"6", "OUT_OF_MEMORY", "OutOfMemory", 0, 125, "2026-11-26T08:42:53", "2026-11-26T08:42:53", event.OOM},
	"cancelled":              {"7", "CANCELLED", "None", 0, 15, "2026-11-26T08:42:53", "2026-11-26T08:42:54", event.Cancelled},
	"cancelled-pending":      {"15", "CANCELLED", "BeginTime", 0, 0, "2026-11-26T08:45:59", "2026-11-26T08:45:59", event.Cancelled},
	"timeout":                {"2", "TIMEOUT", "TimeLimit", 0, 15, "2026-11-26T08:42:53", "2026-11-26T08:44:05", event.Timeout},
	"node-fail":              {"17", "NODE_FAIL", "NodeDown", 0, 15, "2026-11-26T08:46:24", "2026-11-26T08:46:26", event.Lost},
	"workdir-with-space":     {"16", "COMPLETED", "None", 0, 0, "2026-11-26T08:46:03", "2026-11-26T08:46:03", event.Succeeded},
	"running":                {"8", "RUNNING", "None", 0, 0, "2026-11-26T08:42:53", "", ""},
	"pending-begin":          {"9", "PENDING", "BeginTime", 0, 0, "2026-11-26T09:42:51", "", ""},
	"pending-held":           {"10", "PENDING", "JobHeldUser", 0, 0, "", "", ""},
	"node-fail-requeued":     {"18", "PENDING", "BeginTime", 0, 0, "2026-11-26T08:48:27", "", ""},
}

func TestParseScontrolJob(t *testing.T) {
	for name, w := range recorded {
		t.Run(name, func(t *testing.T) {
			j, err := parseScontrolJob(read(t, "scontrol/"+name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			checkJob(t, j, w)
			if j.Final() != (w.outcome != "") {
				t.Errorf("Final() = %v", j.Final())
			}
			if w.outcome == "" {
				return
			}
			s := &executor.Spec{Task: &dag.Task{ID: "t"}, Memory: 64 << 20, Timeout: time.Minute}
			r := outcome(j, s, "", 0, time.Now())
			if r.Reason != w.outcome || r.Enforcement != event.Cluster {
				t.Errorf("outcome %+v, want %s", r, w.outcome)
			}
			if r.Reason == event.Exit && r.ExitCode != w.exit || r.Reason == event.Signal && r.Signal != w.sig {
				t.Errorf("outcome %+v, want exit %d signal %d", r, w.exit, w.sig)
			}
			if !r.Start.Equal(j.Start) || !r.End.Equal(j.End) {
				t.Errorf("outcome times %v..%v, want the job's %v..%v", r.Start, r.End, j.Start, j.End)
			}
		})
	}
}

func TestParseScontrolFreeText(t *testing.T) {
	j, err := parseScontrolJob(read(t, "scontrol/workdir-with-space.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "name with space" {
		t.Errorf("name %q", j.Name)
	}
	f, err := parseKeyValues(strings.TrimSpace(string(read(t, "scontrol/workdir-with-space.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"WorkDir": "/tmp/sl/a dir=x", "StdOut": "/tmp/sl/16.out", "TRES": "cpu=1,mem=1G,node=1,billing=1", "Power": ""} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
}

func TestParseSqueue(t *testing.T) {
	tests := []struct {
		file string
		jobs int
		some map[string]want
		raw  map[string]string // ID -> RawID where they differ
	}{
		{"squeue/all-states.txt", 14, map[string]want{
			"5040":   {"5040", "FAILED", "NonZeroExitCode", 3, 0, "2026-11-26T09:16:08", "2026-11-26T09:16:08", event.Exit},
			"5042":   {"5042", "OUT_OF_MEMORY", "OutOfMemory", 0, 125, "2026-11-26T09:16:08", "2026-11-26T09:16:08", event.OOM},
			"5041":   {"5041", "FAILED", "JobLaunchFailure", 0, 9, "2026-11-26T09:16:08", "2026-11-26T09:16:08", event.Signal},
			"5046":   {"5046", "TIMEOUT", "TimeLimit", 0, 15, "2026-11-26T09:16:08", "2026-11-26T09:17:08", event.Timeout},
			"5039":   {"5039", "COMPLETED", "None", 0, 0, "2026-11-26T09:16:08", "2026-11-26T09:16:08", event.Succeeded},
			"5043":   {"5043", "CANCELLED", "None", 0, 15, "2026-11-26T09:16:08", "2026-11-26T09:16:11", event.Cancelled},
			"5048_1": {"5048_1", "CANCELLED", "None", 0, 15, "2026-11-26T09:16:08", "2026-11-26T09:16:13", event.Cancelled},
			"5049_0": {"5049_0", "CANCELLED", "BeginTime", 0, 0, "2026-11-26T09:16:13", "2026-11-26T09:16:13", event.Cancelled},
		}, map[string]string{"5048_0": "5050", "5048_1": "5051", "5048_2": "5048", "5049_2": "5049"}},
		{"squeue/active.txt", 14, map[string]want{
			"5047":   {"5047", "RUNNING", "None", 0, 0, "2026-11-26T09:16:08", "", ""},
			"5046":   {"5046", "RUNNING", "None", 0, 0, "2026-11-26T09:16:08", "", ""}, // EndTime is its time limit's
			"5044":   {"5044", "PENDING", "BeginTime", 0, 0, "2026-11-26T10:16:08", "", ""},
			"5045":   {"5045", "PENDING", "JobHeldUser", 0, 0, "", "", ""},
			"5048_0": {"5048_0", "RUNNING", "None", 0, 0, "2026-11-26T09:16:08", "", ""},
			"5049_2": {"5049_2", "PENDING", "BeginTime", 0, 0, "2026-11-26T10:16:08", "", ""},
		}, map[string]string{"5048_0": "5050", "5048_1": "5051", "5048_2": "5048", "5049_0": "5049", "5047": "5047"}},
		{"squeue/just-cancelled.txt", 14, map[string]want{
			"5047":   {"5047", "COMPLETING", "None", 0, 0, "2026-11-26T09:16:08", "", ""},
			"5048_2": {"5048_2", "COMPLETING", "None", 0, 0, "2026-11-26T09:16:08", "", ""},
			"5045":   {"5045", "CANCELLED", "JobHeldUser", 0, 0, "2026-11-26T09:16:13", "2026-11-26T09:16:13", event.Cancelled},
		}, nil},
		{"squeue/empty.txt", 0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			jobs, err := parseSqueue(read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != tt.jobs {
				t.Errorf("%d jobs, want %d", len(jobs), tt.jobs)
			}
			for id, w := range tt.some {
				j := jobs[id]
				if j == nil {
					t.Errorf("job %s missing", id)
					continue
				}
				checkJob(t, j, w)
				if j.Final() != (w.outcome != "") {
					t.Errorf("job %s: Final() = %v", id, j.Final())
				}
				if w.outcome != "" {
					if r := outcome(j, &executor.Spec{Task: &dag.Task{ID: "t"}}, "", 0, time.Now()); r.Reason != w.outcome {
						t.Errorf("job %s: outcome %s, want %s", id, r.Reason, w.outcome)
					}
				}
			}
			for id, raw := range tt.raw {
				if j := jobs[id]; j == nil || j.RawID != raw {
					t.Errorf("job %s: %+v, want raw id %s", id, j, raw)
				}
			}
		})
	}
	jobs, err := parseSqueue(read(t, "squeue/all-states.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if ran, never := jobs["5040"], jobs["5044"]; ran.NodeList != "vm" || never.NodeList != "" {
		t.Errorf("nodes %q and %q, want vm and none", ran.NodeList, never.NodeList)
	}
	// Without -r squeue folds pending elements into one line, which is not
	// a job weir asked about.
	if _, err := parseSqueue(read(t, "squeue/array-folded.txt")); err == nil || !strings.Contains(err.Error(), `"5049_[0,2]" is not N or A_I`) {
		t.Errorf("folded array line: %v", err)
	}
}

func TestParseArrayElement(t *testing.T) {
	j, err := parseScontrolJob(read(t, "scontrol/array-element.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != "5048_1" || j.RawID != "5051" || j.State != "CANCELLED" {
		t.Errorf("%+v", j)
	}
	log := string(read(t, "jobcomp/jobcomp-arrays.log"))
	j, err = findJobComp(strings.NewReader(log), "5048_1")
	if err != nil || j.ID != "5048_1" || j.RawID != "5051" || j.State != "CANCELLED" {
		t.Errorf("jobcomp 5048_1: %+v, %v", j, err)
	}
	// An element cancelled while pending leaves no record of its own.
	if _, err := findJobComp(strings.NewReader(log), "5049_1"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("jobcomp 5049_1: %v, want ErrUnknownJob", err)
	}
	j, err = findJobComp(strings.NewReader(log), "5046")
	if err != nil || j.ID != "5046" || j.State != "TIMEOUT" {
		t.Errorf("jobcomp 5046: %+v, %v", j, err)
	}
}

func TestFindJobComp(t *testing.T) {
	log := read(t, "jobcomp/jobcomp.log")
	tests := []want{
		{"4", "FAILED", "", 3, 0, "2026-11-26T08:42:53", "2026-11-26T08:42:53", event.Exit},
		{"6", "OUT_OF_MEMORY", "", 0, 125, "2026-11-26T08:42:53", "2026-11-26T08:42:53", event.OOM},
		{"2", "TIMEOUT", "", 0, 0, "2026-11-26T08:42:53", "2026-11-26T08:44:05", event.Timeout},
		{"17", "NODE_FAIL", "", 0, 0, "2026-11-26T08:46:24", "2026-11-26T08:46:26", event.Lost},
		{"16", "COMPLETED", "", 0, 0, "2026-11-26T08:46:03", "2026-11-26T08:46:03", event.Succeeded},
	}
	for _, w := range tests {
		j, err := findJobComp(strings.NewReader(string(log)), w.id)
		if err != nil {
			t.Errorf("job %s: %v", w.id, err)
			continue
		}
		checkJob(t, j, w)
		if r := outcome(j, &executor.Spec{Task: &dag.Task{ID: "t"}}, "", 0, time.Now()); r.Reason != w.outcome {
			t.Errorf("job %s: outcome %s, want %s", w.id, r.Reason, w.outcome)
		}
		if w.id == "16" && j.Name != "name with space" {
			t.Errorf("job 16: name %q", j.Name)
		}
	}
	// "JobId=1 " must not match JobId=16 and friends.
	if _, err := findJobComp(strings.NewReader(string(log)), "99"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("unknown job: %v, want ErrUnknownJob", err)
	}
}

func TestParseConfig(t *testing.T) {
	base := config{Accounting: false, JobCompType: "jobcomp/filetxt", JobCompLoc: "/var/log/slurm/jobcomp.log",
		MinJobAge: 600 * time.Second, MaxJobCount: 10000, MaxArraySize: 1001}
	limits := base
	limits.MaxJobCount, limits.MaxArraySize = 30, 6
	for _, tt := range []struct {
		file string
		want config
	}{
		{"scontrol/config.txt", base},
		{"scontrol/config-limits.txt", limits},
	} {
		c, err := parseConfig(read(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
		} else if *c != tt.want {
			t.Errorf("%s: config %+v, want %+v", tt.file, *c, tt.want)
		}
	}
}

// A limit the runner cannot read for sure is an error, never a default:
// a guessed MaxJobCount lets sbatch block.
func TestParseConfigLimits(t *testing.T) {
	real := string(read(t, "scontrol/config.txt"))
	for _, tt := range []struct{ old, new, err string }{
		{"MaxJobCount             = 10000\n", "", "no MaxJobCount"},
		{"MaxJobCount             = 10000", "MaxJobCount = 10k", `MaxJobCount "10k" is not a whole number`},
		{"MaxJobCount             = 10000", "MaxJobCount = 0", `MaxJobCount "0" is not a whole number of at least 1`},
		{"MaxArraySize            = 1001\n", "", "no MaxArraySize"},
		{"MaxArraySize            = 1001", "MaxArraySize = -1", `MaxArraySize "-1"`},
		{"MinJobAge               = 600 sec", "MinJobAge = 600", `MinJobAge "600" is not "N sec"`},
		{"MinJobAge               = 600 sec\n", "", `MinJobAge "" is not "N sec"`},
	} {
		in := strings.Replace(real, tt.old, tt.new, 1)
		if in == real {
			t.Fatalf("%q is not in config.txt", tt.old)
		}
		if _, err := parseConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("config with %q: %v, want an error containing %q", tt.new, err, tt.err)
		}
	}
	// Arrays disabled is a setting, not an error.
	c, err := parseConfig([]byte(strings.Replace(real, "MaxArraySize            = 1001", "MaxArraySize = 0", 1)))
	if err != nil || c.MaxArraySize != 0 {
		t.Errorf("MaxArraySize = 0: %+v, %v", c, err)
	}
}

// There is no slurmdbd on the test cluster, so sacct's output cannot be
// recorded there; these lines follow `sacct -n -P -X -o sacctFormat` as
// documented for 22.05.
func TestParseSacct(t *testing.T) {
	j, err := parseSacct([]byte("42|CANCELLED by 0|0:15|2026-11-26T08:42:53|2026-11-26T08:42:54|vm|a|b\n"), "42")
	if err != nil {
		t.Fatal(err)
	}
	checkJob(t, j, want{"42", "CANCELLED", "", 0, 15, "2026-11-26T08:42:53", "2026-11-26T08:42:54", ""})
	if j.Name != "a|b" || j.NodeList != "vm" {
		t.Errorf("name %q nodes %q", j.Name, j.NodeList)
	}
	if _, err := parseSacct(nil, "42"); !errors.Is(err, ErrUnknownJob) {
		t.Errorf("no line: %v, want ErrUnknownJob", err)
	}
}

func TestParseSbatch(t *testing.T) {
	for _, tt := range []struct{ out, id, err string }{
		{string(read(t, "sbatch/ok.stdout")), "24", ""},
		{"77;cluster2\n", "77", ""},
		{"", "", "not a job id"},
		{"Submitted batch job 12\n", "", "not a job id"},
		{"12\n13\n", "", "not a job id"},
	} {
		id, err := parseSbatch([]byte(tt.out))
		if id != tt.id || tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseSbatch(%q) = %q, %v; want %q, error containing %q", tt.out, id, err, tt.id, tt.err)
		}
	}
}

// Malformed outputs are errors that say what is wrong, never a job with
// made-up fields.
func TestMalformed(t *testing.T) {
	good := "4|4|FAILED|NonZeroExitCode|768|2026-11-26T08:42:53|2026-11-26T08:42:53|vm|"
	squeue := []struct{ in, err string }{
		{"4|4|FAILED|NonZeroExitCode|768|2026-11-26T08:42:53|2026-11-26T08:42:53|vm", "8 fields"},
		{"4 FAILED NonZeroExitCode", "8 fields"},
		{good + "x|", "8 fields"},
		{strings.Replace(good, "FAILED", "EXPLODED", 1), `unknown job state "EXPLODED"`},
		{strings.Replace(good, "4|4|", "4_x|4|", 1), `job id "4_x" is not N or A_I`},
		{strings.Replace(good, "4|4|", "4_1|4_1|", 1), `job id "4_1" is not a number`},
		{strings.Replace(good, "|768|", "|3:0|", 1), "not a wait status"},
		{strings.Replace(good, "2026-11-26T08:42:53|2026", "26/11/2026 08:42|2026", 1), "is not 2006-01-02T15:04:05"},
		{good + "\n" + "garbage", "line 2"},
	}
	for _, tt := range squeue {
		if _, err := parseSqueue([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("parseSqueue(%q): %v, want an error containing %q", tt.in, err, tt.err)
		}
	}
	line := strings.TrimSpace(string(read(t, "scontrol/failed-exit3.txt")))
	scontrol := []struct{ in, err string }{
		{"", "want one record, got 0"},
		{line + "\n" + line, "want one record, got 2"},
		{"slurm_load_jobs error: Invalid job id specified", "does not start with Key="},
		{strings.Replace(line, "ExitCode=3:0", "ExitCode=3", 1), `exit code "3" is not N:M`},
		{strings.Replace(line, "ExitCode=3:0", "ExitCode=300:0", 1), `exit code "300:0" is not N:M`},
		{strings.Replace(line, " ExitCode=3:0", "", 1), "no ExitCode"},
		{strings.Replace(line, "JobState=FAILED", "JobState=", 1), `unknown job state ""`},
		{line + " JobState=FAILED", "key JobState twice"},
		{strings.Replace(line, "EndTime=2026-11-26T08:42:53", "EndTime=yesterday", 1), `time "yesterday"`},
	}
	for _, tt := range scontrol {
		if _, err := parseScontrolJob([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("parseScontrolJob(%.60q...): %v, want an error containing %q", tt.in, err, tt.err)
		}
	}
	if _, err := parseConfig([]byte("AccountingStorageType = accounting_storage/none\n")); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("config without header: %v", err)
	}
	if _, err := parseConfig([]byte("Configuration data as of 2026-11-26T08:47:58\nFoo = bar\n")); err == nil || !strings.Contains(err.Error(), "AccountingStorageType") {
		t.Errorf("config without AccountingStorageType: %v", err)
	}
	if _, err := findJobComp(strings.NewReader("JobId=4 JobState=FAILED\n"), "4"); err == nil || !strings.Contains(err.Error(), "no ExitCode") {
		t.Errorf("short jobcomp record: %v", err)
	}
	if _, err := parseSacct([]byte("42|FAILED|3:0|x\n"), "42"); err == nil || !strings.Contains(err.Error(), "7 fields") {
		t.Errorf("short sacct line: %v", err)
	}
	if _, err := parseSacct([]byte("43|FAILED|3:0|Unknown|Unknown|vm|x\n"), "42"); err == nil || !strings.Contains(err.Error(), "asked for job 42") {
		t.Errorf("sacct of another job: %v", err)
	}
}

func FuzzParseKeyValues(f *testing.F) {
	for _, name := range []string{"completed", "workdir-with-space", "timeout"} {
		b, err := os.ReadFile(filepath.Join("testdata", "scontrol", name+".txt"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		fields, err := parseKeyValues(s)
		if err != nil {
			return
		}
		if _, err := jobFromRecord(fields, "fuzz"); err == nil && fields["JobId"] == "" {
			t.Errorf("a job without an id from %q", s)
		}
	})
}

// squeue -r -o %i lists a job per line, each array element on its own; a
// folded range or anything else is not counted as one job.
func TestCountJobs(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		n        int
		err      string
	}{
		{"recorded, with a pending array", string(read(t, "squeue/held.txt")), 5, ""},
		{"empty", string(read(t, "squeue/empty.txt")), 0, ""},
		{"folded array", "407_[0-3]\n", 0, `line 1: job id "407_[0-3]" is not N or A_I`},
		{"an error on stdout", "12\nslurm_load_jobs error: Socket timed out\n", 0, "line 2"},
	} {
		n, err := countJobs([]byte(tt.in))
		if n != tt.n || tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: countJobs = %d, %v; want %d, error containing %q", tt.name, n, err, tt.n, tt.err)
		}
	}
}
