package slurm

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local/proc"
)

var update = flag.Bool("update", false, "rewrite golden files")

// awkward are values a naive script would mangle.
var awkward = []string{"two words", "it's", `say "hi"`, "line1\nline2", "$HOME `id` $(id) \\n", "", "*", "-n", "%j"}

func awkwardSpec(dir string) *executor.Spec {
	env := []string{"PATH=/usr/bin:/bin", "WEIR_TASK=t[a b]"}
	for i, v := range awkward {
		env = append(env, "V"+string(rune('A'+i))+"="+v)
	}
	return &executor.Spec{
		RunID:   "r1",
		Task:    &dag.Task{ID: "t[a b]", Pool: "p", CPUs: 1.5},
		Attempt: 2,
		Argv:    append([]string{"/prog"}, awkward...),
		Env:     env,
		Dir:     dir,
		Memory:  100<<20 + 1,
		Timeout: 61 * time.Second,
		Stdout:  "/logs/t%5Ba%20b%5D.2.stdout",
		Stderr:  "/logs/t%5Ba%20b%5D.2.stderr",
	}
}

func TestScriptGolden(t *testing.T) {
	s := awkwardSpec("/work dir/it's")
	script, err := Script(s)
	if err != nil {
		t.Fatal(err)
	}
	args := sbatchArgs(s, &dag.Pool{Name: "p", Partition: "debug", Account: "acct", QOS: "normal", SbatchArgs: []string{"--requeue", "--nice=5"}})
	got := string(script) + "\n# sbatch --parsable " + strings.Join(args, " ") + "\n"
	golden := filepath.Join("testdata", "script.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("script (-want +got), go test -update to accept:\n%s", diff)
	}
}

// The script, run by a shell as slurmd would run it, hands the program its
// argv, directory and exactly its environment, plus the SLURM_* variables
// and nothing else of the batch environment.
func TestScriptEnvironmentIsExact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir 'q'")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := awkwardSpec(dir)
	s.Argv[0] = exe
	s.Env = append(s.Env, helperEnv+"=dump")
	script, err := Script(s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "job.sh")
	if err := os.WriteFile(path, script, 0o700); err != nil {
		t.Fatal(err)
	}
	batchEnv := []string{"PATH=/usr/bin:/bin", "SECRET=leak", "SLURM_JOB_ID=42", "SLURM_ODD=a\nSLURM_FAKE=b", "HOME=/root"}
	out, stderr, err := proc.Output(context.Background(), []string{"/bin/sh", path}, batchEnv, nil)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	var d dump
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wantEnv := append(slices.Clone(s.Env), "SLURM_JOB_ID=42", "SLURM_ODD=a\nSLURM_FAKE=b")
	slices.Sort(wantEnv)
	slices.Sort(d.Env)
	if diff := cmp.Diff(wantEnv, d.Env); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(awkward, d.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if d.Dir != dir {
		t.Errorf("dir %q, want %q", d.Dir, dir)
	}
}

func TestScriptRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*executor.Spec)
		err  string
	}{
		{"no argv", func(s *executor.Spec) { s.Argv = nil }, "empty argv"},
		{"env without =", func(s *executor.Spec) { s.Env = append(s.Env, "JUSTANAME") }, `"JUSTANAME" is not KEY=VALUE`},
		{"NUL", func(s *executor.Spec) { s.Argv = append(s.Argv, "a\x00b") }, "NUL byte"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := awkwardSpec("")
			tt.edit(s)
			if _, err := Script(s); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Script: %v, want an error containing %q", err, tt.err)
			}
		})
	}
}

func TestCommandEnvKeepsNoSecrets(t *testing.T) {
	got := commandEnv([]string{"PATH=/bin", "AWS_SECRET_ACCESS_KEY=x", "SBATCH_PARTITION=gpu", "SLURM_TIME_FORMAT=relative", "TZ=UTC", "HOME=/root", "SLURM_CONF=/etc/s.conf"})
	want := []string{"PATH=/bin", "SBATCH_PARTITION=gpu", "TZ=UTC", "HOME=/root", "SLURM_CONF=/etc/s.conf", "SLURM_TIME_FORMAT=standard"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
