package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/store"
)

// crashWorkflow has 201 tasks: 100 producers, 100 consumers each reading
// one producer, and a reduce that publishes their sum. Every task appends
// "task run attempt" to a ledger when it starts.
const crashWorkflow = `
workflow "crash" {
  shm_dir = "shm"
}
pool "p" {
  processes = 4
}
stage "gen" {
  for_each        = range(100)
  pool            = pool.p
  env_passthrough = ["PATH"]
  script          = <<-EOT
    echo "$WEIR_TASK $WEIR_RUN_ID $WEIR_ATTEMPT" >> ledger
    sleep 0.05
    echo ${each.value} > "$WEIR_OUTPUT_N"
  EOT
  output "n" {}
}
stage "sq" {
  for_each        = range(100)
  pool            = pool.p
  env_passthrough = ["PATH"]
  script          = <<-EOT
    echo "$WEIR_TASK $WEIR_RUN_ID $WEIR_ATTEMPT" >> ledger
    n=$(cat "$WEIR_INPUT_N")
    sleep 0.05
    echo $((n * n)) > "$WEIR_OUTPUT_SQ"
  EOT
  input "n" { from = stage.gen[each.key].output.n }
  output "sq" {}
}
stage "sum" {
  env_passthrough = ["PATH"]
  script          = <<-EOT
    echo "$WEIR_TASK $WEIR_RUN_ID $WEIR_ATTEMPT" >> ledger
    cat $WEIR_INPUT_PARTS | awk '{s += $1} END {print s}' > "$WEIR_OUTPUT_TOTAL"
  EOT
  input "parts" { from = values(stage.sq)[*].output.sq }
  output "total" { publish = "total.txt" }
}
`

// TestCrashResume kills the engine with SIGKILL at 20 random moments,
// resuming after each, and checks that every task has exactly one
// successful attempt in the ledger, that the result equals an
// uninterrupted run's, and that no task process, cgroup or partial file is
// left behind.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes an engine 20 times")
	}
	weir := weirBinary(t)
	want := runCrashWorkflow(t, weir, 0)
	got := runCrashWorkflow(t, weir, 20)
	if got != want {
		t.Errorf("result after crashes %q, uninterrupted %q", got, want)
	}
}

// runCrashWorkflow runs the workflow in a fresh directory, killing the
// engine `kills` times, and returns the published result.
func runCrashWorkflow(t *testing.T, weir string, kills int) string {
	dir := shmtest.TempDir(t)
	if err := os.WriteFile(filepath.Join(dir, "wf.hcl"), []byte(crashWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(kills), 7))
	killed := 0
	for {
		// Resume once a run is recorded: a kill can come before the first
		// engine got that far, and then there is nothing to resume.
		args := []string{"run", "-q", "wf.hcl"}
		if runsRecorded(t, weir, dir) {
			args = []string{"resume", "-q"}
		}
		cmd := exec.Command(weir, args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if killed < kills {
			time.Sleep(time.Duration(30+rng.IntN(170)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if err == nil {
				break // it finished before the kill
			}
			killed++
			continue
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("final %v: %v\n%s", args, err, out.String())
		}
		break
	}
	if killed != kills {
		t.Errorf("the engine was killed %d times, want %d: the workflow ended too soon", killed, kills)
	}
	checkLedger(t, dir)
	if leftovers := processesIn(dir); len(leftovers) > 0 {
		t.Errorf("task processes left running: %v", leftovers)
	}
	filepath.Walk(filepath.Join(dir, "shm"), func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(path, ".partial") {
			t.Errorf("partial file left: %s", path)
		}
		return nil
	})
	b, err := os.ReadFile(filepath.Join(dir, "total.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// checkLedger checks that each of the 201 tasks has exactly one line among
// the attempts the store records as succeeded.
func checkLedger(t *testing.T, dir string) {
	st, err := store.Open(filepath.Join(dir, ".weir"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := os.Open(filepath.Join(dir, "ledger"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	succeeded := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var task, run string
		var attempt int
		if _, err := fmt.Sscan(sc.Text(), &task, &run, &attempt); err != nil {
			continue // a line torn by a kill
		}
		attempts, err := st.Attempts(run, task)
		if err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		for _, a := range attempts {
			if a.N == attempt && a.Result != nil && a.Result.Reason == event.Succeeded {
				succeeded[task]++
			}
		}
	}
	if len(succeeded) != 201 {
		t.Errorf("%d tasks have a successful attempt in the ledger, want 201", len(succeeded))
	}
	for task, n := range succeeded {
		if n != 1 {
			t.Errorf("task %s succeeded %d times", task, n)
		}
	}
}

// processesIn lists processes whose working directory is dir.
func processesIn(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == dir {
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// weirBinary makes the test binary callable as weir: TestMain runs realMain
// when it is started under that name.
func weirBinary(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "weir")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// runsRecorded reports whether the state dir in dir has a run in its store.
func runsRecorded(t *testing.T, weir, dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, ".weir")); err != nil {
		return false
	}
	cmd := exec.Command(weir, "runs", "--json")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("weir runs: %v: %s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)) != "null" && strings.TrimSpace(string(out)) != "[]"
}
