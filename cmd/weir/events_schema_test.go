package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/weirflow/weir/internal/shmtest"
)

const eventsSchema = "../../docs/events.schema.json"

// Every line of weir run --json, on workflows that succeed, retry, fail,
// time out, run out of memory, are cancelled and are resumed, validates
// against docs/events.schema.json; between them they show every kind,
// state and most reasons the schema names.
func TestEventsSchema(t *testing.T) {
	if testing.Short() {
		t.Skip("builds weir and runs workflows")
	}
	schema := compileEventsSchema(t)
	weir := buildWeir(t)
	// Copies: the example workflows publish their results beside them.
	workflows := t.TempDir()
	for _, f := range []string{"quickstart.hcl", "retry/retry.hcl"} {
		src, err := os.ReadFile(filepath.Join("../../workflows", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(workflows, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(workflows, f), withShmDir(string(src)))
	}
	seen := map[string]bool{}
	check := func(t *testing.T, out []byte) {
		t.Helper()
		var n uint64
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			n++
			line := sc.Bytes()
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
			if err != nil {
				t.Fatalf("line %d is not JSON: %v\n%s", n, err, line)
			}
			if err := schema.Validate(v); err != nil {
				t.Errorf("line %d does not match %s: %v\n%s", n, eventsSchema, err, line)
			}
			var e struct {
				Seq    uint64
				Kind   string
				State  string
				Result *struct{ Reason string }
			}
			if err := json.Unmarshal(line, &e); err != nil {
				t.Fatal(err)
			}
			if e.Seq != n {
				t.Errorf("line %d has seq %d", n, e.Seq)
			}
			seen["kind "+e.Kind] = true
			if e.State != "" {
				seen["state "+e.State] = true
			}
			if e.Result != nil {
				seen["reason "+e.Result.Reason] = true
			}
		}
		if n < 2 {
			t.Fatalf("%d events:\n%s", n, out)
		}
	}

	t.Run("quickstart", func(t *testing.T) {
		out, code := runJSON(t, weir, t.TempDir(), filepath.Join(workflows, "quickstart.hcl"))
		if code != 0 {
			t.Errorf("exit status %d", code)
		}
		check(t, out)
	})
	t.Run("retry", func(t *testing.T) {
		// fetch exits 3 and is retried, hungry runs out of memory and gets
		// a bigger cap, slow times out: each is retried into success.
		out, code := runJSON(t, weir, t.TempDir(), filepath.Join(workflows, "retry", "retry.hcl"))
		if code != 0 {
			t.Errorf("exit status %d", code)
		}
		check(t, out)
	})
	t.Run("big output", func(t *testing.T) {
		// Over 64 MiB: committed without its hash, which outputs_hashed
		// gives while the reader already runs. Kept, so that the hash is
		// finished: a segment released first stops its hashing.
		big := shmtest.TempDir(t)
		bwf := filepath.Join(big, "big.hcl")
		writeFile(t, bwf, `
workflow "big" {
  shm_dir = "shm"
}

stage "make" {
  command = ["sh", "-c", "head -c 68157440 /dev/zero > \"$WEIR_OUTPUT_OUT\""]
  env_passthrough = ["PATH"]
  output "out" { keep = true }
}

stage "read" {
  command = ["sh", "-c", "wc -c < \"$WEIR_INPUT_IN\""]
  env_passthrough = ["PATH"]
  input "in" { from = stage.make.output.out }
}
`)
		out, code := runJSON(t, weir, big, bwf)
		if code != 0 {
			t.Errorf("exit status %d", code)
		}
		check(t, out)
		if !bytes.Contains(out, []byte(`"kind":"outputs_hashed","task":"make","attempt":1,"outputs":[{"name":"out"`)) {
			t.Errorf("no outputs_hashed for make:\n%s", out)
		}
	})

	dir := t.TempDir()
	wf := filepath.Join(dir, "chain.hcl")
	writeFile(t, wf, `
workflow "chain" {
  shm_dir = "shm"
}

variable "fail" {
  type    = string
  default = "yes"
}

stage "first" {
  command = ["sh", "-c", "echo one > \"$WEIR_OUTPUT_OUT\""]
  env_passthrough = ["PATH"]
  output "out" {}
}

stage "bad" {
  command = ["sh", "-c", "test ${var.fail} = no || exit 4"]
  env_passthrough = ["PATH"]
  input "in" { from = stage.first.output.out }
}

stage "after" {
  command = ["true"]
  env_passthrough = ["PATH"]
  input "in" { from = stage.first.output.out }
  depends_on = [stage.bad]
}
`)
	var failedRun string
	t.Run("fail", func(t *testing.T) {
		out, code := runJSON(t, weir, dir, wf, "--keep-going")
		if code != 1 {
			t.Errorf("exit status %d, want 1", code)
		}
		check(t, out)
		var first struct{ Run string }
		json.Unmarshal(out[:bytes.IndexByte(out, '\n')], &first)
		failedRun = first.Run
	})
	t.Run("resume", func(t *testing.T) {
		if failedRun == "" {
			t.Skip("no failed run")
		}
		cmd := exec.Command(weir, "resume", "--json", "--state-dir", dir, "--var", "fail=no", failedRun)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("weir resume: %v\n%s", err, out)
		}
		check(t, out)
	})
	t.Run("cancel", func(t *testing.T) {
		cdir := t.TempDir()
		src, err := os.ReadFile(filepath.Join("testdata", "live", "steps.hcl"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(cdir, "steps.hcl"), string(src))
		cmd := exec.Command(weir, "run", "--json", "--var", "seconds=60", "steps.hcl")
		cmd.Dir = cdir
		var out bytes.Buffer
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout = pw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		// Ctrl-C once both slots run a task.
		sc := bufio.NewScanner(pr)
		started := 0
		for sc.Scan() {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
			if strings.Contains(sc.Text(), `"kind":"attempt_started"`) {
				if started++; started == 2 {
					cmd.Process.Signal(syscall.SIGINT)
				}
			}
		}
		pr.Close()
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("weir run after SIGINT: %v, want exit status 130", err)
		}
		check(t, out.Bytes())
	})

	var missing []string
	for _, want := range []string{
		"kind run_started", "kind task", "kind attempt_started", "kind attempt_ended", "kind outputs_hashed", "kind run_ended",
		"state ready", "state running", "state succeeded", "state failed", "state skipped", "state cancelled", "state reused",
		"reason succeeded", "reason exit", "reason oom", "reason timeout", "reason cancelled",
	} {
		if !seen[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no event showed %s", strings.Join(missing, ", "))
	}
}

// The schema is no rubber stamp: events that break the documented
// contract fail it.
func TestEventsSchemaRejects(t *testing.T) {
	schema := compileEventsSchema(t)
	const ok = `{"seq":3,"time":"2026-11-26T07:15:00.123456789Z","run":"20261126-071500-abcdef","kind":"attempt_ended","task":"a","attempt":1,"memory":1048576,` +
		`"result":{"reason":"exit","exit_code":3,"start":"2026-11-26T07:15:00Z","end":"2026-11-26T07:15:01Z","memory_samples":[[0,4096],[250,8192]]}}`
	for _, tc := range []struct{ name, event string }{
		{"valid", ""},
		{"unknown field", strings.Replace(ok, `"task":"a"`, `"task":"a","colour":"red"`, 1)},
		{"unknown reason", strings.Replace(ok, `"reason":"exit"`, `"reason":"boom"`, 1)},
		{"no result", strings.Replace(ok, `,"result":{"reason":"exit","exit_code":3,"start":"2026-11-26T07:15:00Z","end":"2026-11-26T07:15:01Z","memory_samples":[[0,4096],[250,8192]]}`, "", 1)},
		{"seq 0", strings.Replace(ok, `"seq":3`, `"seq":0`, 1)},
		{"bad time", strings.Replace(ok, `07:15:00.123456789Z`, `yesterday`, 1)},
		{"bad run id", strings.Replace(ok, `"run":"20261126-071500-abcdef"`, `"run":"r42"`, 1)},
		{"task without state", `{"seq":1,"time":"2026-11-26T07:15:00Z","run":"20261126-071500-abcdef","kind":"task","task":"a"}`},
		{"run_ended without message", `{"seq":1,"time":"2026-11-26T07:15:00Z","run":"20261126-071500-abcdef","kind":"run_ended"}`},
		{"sample not a pair", strings.Replace(ok, `[250,8192]`, `[250,8192,1]`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			event := tc.event
			if event == "" {
				event = ok
			}
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(event))
			if err != nil {
				t.Fatal(err)
			}
			err = schema.Validate(v)
			if tc.event == "" && err != nil {
				t.Errorf("a valid event fails: %v", err)
			}
			if tc.event != "" && err == nil {
				t.Errorf("accepted: %s", event)
			}
		})
	}
}

func compileEventsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat() // date-time is checked, not only documented
	s, err := c.Compile(eventsSchema)
	if err != nil {
		t.Fatalf("%s: %v", eventsSchema, err)
	}
	return s
}

// runJSON runs weir run --json on a workflow with its state in stateDir
// and returns stdout and the exit status.
func runJSON(t *testing.T, weir, stateDir, workflow string, args ...string) ([]byte, int) {
	t.Helper()
	args = append([]string{"run", "--json", "--state-dir", stateDir, workflow}, args...)
	cmd := exec.Command(weir, args...)
	cmd.Dir = filepath.Dir(workflow)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		t.Logf("weir %s exited %d; stderr:\n%s", strings.Join(args, " "), ee.ExitCode(), stderr.String())
		return out, ee.ExitCode()
	case err != nil:
		t.Fatalf("weir %s: %v (after %s)\n%s", strings.Join(args, " "), err, time.Since(start), stderr.String())
	}
	return out, 0
}

// withShmDir puts a workflow's segments beside it, in shm/, so that a test
// leaves nothing in /dev/shm.
func withShmDir(src string) string {
	if i := strings.Index("\n"+src, "\nworkflow "); i >= 0 {
		j := i + strings.Index(src[i:], "{") + 1
		return src[:j] + "\n  shm_dir = \"shm\"\n" + src[j:]
	}
	return "workflow \"w\" {\n  shm_dir = \"shm\"\n}\n\n" + src
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
