package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/weirflow/weir/internal/shmtest"
)

// demoHCL is a small valid workflow: a pool, a for_each stage reading
// another's output, and a script stage after it.
const demoHCL = `workflow "demo" {}

pool "cpu" {
  processes = 2
  memory    = "2GiB"
}

stage "gen" {
  pool    = pool.cpu
  command = ["echo", "gen"]
  memory  = "1GiB"
  timeout = "5m"
  output "table" {}
}

stage "clean" {
  for_each = toset(["a", "b"])
  command  = ["cp", stage.gen.output.table, self.output.out]
  output "out" {}
}

stage "report" {
  script     = "echo report\n"
  depends_on = [stage.clean]
}
`

// badHCL refers to a stage that does not exist.
const badHCL = `stage "gen" {
  command = ["echo"]
}

stage "use" {
  command = ["echo", stage.gne.output.x]
}
`

const unformattedHCL = `stage "gen" {
command = ["echo"]
   memory="1GiB"
}
`

func TestRealMain(t *testing.T) {
	dir := shmtest.TempDir(t)
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("demo.hcl", demoHCL)
	write("bad.hcl", badHCL)
	write("ugly.hcl", unformattedHCL)
	t.Chdir(dir)

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // regexp; "" = don't check
		stderr     string // regexp; "" = don't check
		noStderr   bool
		noStdout   bool
		skipReason string
	}{
		{name: "help", args: nil, code: 0, stdout: `Usage:\s+weir \[command\]`},
		{name: "help flag", args: []string{"--help"}, code: 0, stdout: `validate\s+Check a workflow`},
		{name: "version", args: []string{"version"}, code: 0, stdout: `^weir \S+ \(go`},
		{name: "validate ok", args: []string{"validate", "demo.hcl"}, code: 0,
			stdout: `^demo.hcl: valid \(3 stages, 4 tasks, 4 edges\)\n$`, noStderr: true},
		{name: "validate bad", args: []string{"validate", "bad.hcl"}, code: 1,
			stderr: `(?s)bad.hcl line 6.*Did you mean "gen"`, noStdout: true},
		{name: "validate missing file", args: []string{"validate", "nope.hcl"}, code: 1,
			stderr: `^weir: workflow file nope.hcl does not exist; check the path\n$`},
		{name: "validate missing var file", args: []string{"validate", "demo.hcl", "--var-file", "nope.hcl"}, code: 1,
			stderr: `variables file \(--var-file\) nope.hcl does not exist`},
		{name: "validate directory", args: []string{"validate", "."}, code: 1, stderr: `is a directory`},
		{name: "validate no file", args: []string{"validate"}, code: 2,
			stderr: `^weir: validate needs a workflow file: weir validate FILE.*\nRun 'weir validate --help' for usage.\n$`},
		{name: "validate two files", args: []string{"validate", "a.hcl", "b.hcl"}, code: 2, stderr: `takes one workflow file`},
		{name: "unknown command", args: []string{"valdate", "demo.hcl"}, code: 2,
			stderr: `(?s)^weir: unknown command "valdate" for "weir".*validate.*Run 'weir --help' for usage.\n$`},
		{name: "unknown flag", args: []string{"validate", "--bogus", "demo.hcl"}, code: 2,
			stderr: `weir: unknown flag: --bogus\nRun 'weir validate --help' for usage.`},
		{name: "unknown global flag", args: []string{"--bogus"}, code: 2, stderr: `unknown flag: --bogus`},
		{name: "bad graph format", args: []string{"graph", "--format", "png", "demo.hcl"}, code: 2,
			stderr: `unknown graph format "png"; use one of dot, mermaid, json`},
		{name: "graph dot", args: []string{"graph", "demo.hcl"}, code: 0, stdout: `digraph`},
		{name: "graph of bad workflow", args: []string{"graph", "bad.hcl"}, code: 1, noStdout: true},
		{name: "plan", args: []string{"plan", "demo.hcl"}, code: 0,
			stdout: `(?m)^workflow demo .*\n(?s:.*)^ *1  gen +cpu +1 GiB +5m +-$`},
		{name: "plan json", args: []string{"plan", "--json", "demo.hcl"}, code: 0, stdout: `"critical_path": \[`},
		{name: "fmt check clean", args: []string{"fmt", "--check", "demo.hcl"}, code: 0, noStdout: true},
		{name: "fmt check dirty", args: []string{"fmt", "--check", "ugly.hcl", "demo.hcl"}, code: 1, stdout: `^ugly.hcl\n$`},
		{name: "fmt diff", args: []string{"fmt", "--diff", "ugly.hcl"}, code: 0, stdout: `(?m)^\+  command = \["echo"\]$`},
		{name: "fmt no files", args: []string{"fmt"}, code: 2, stderr: `fmt needs at least one file`},
		{name: "fmt missing file", args: []string{"fmt", "--check", "nope.hcl"}, code: 1, stderr: `file nope.hcl does not exist`},
		{name: "completion bash", args: []string{"completion", "bash"}, code: 0, stdout: `bash completion V2 for weir`},
		{name: "completion zsh", args: []string{"completion", "zsh"}, code: 0, stdout: `#compdef weir`},
		{name: "completion fish", args: []string{"completion", "fish"}, code: 0, stdout: `complete -c weir`},
		{name: "completion unknown shell", args: []string{"completion", "tcsh"}, code: 2, stderr: `unknown command "tcsh" for "weir completion"`},
		{name: "completion no shell", args: []string{"completion"}, code: 2, stderr: `completion needs a shell`},
		{name: "version with args", args: []string{"version", "x"}, code: 2, stderr: `version takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			check := func(stream, re, got string, empty bool) {
				t.Helper()
				if empty && got != "" {
					t.Errorf("%s not empty:\n%s", stream, got)
				}
				if re != "" && !regexp.MustCompile(re).MatchString(got) {
					t.Errorf("%s does not match %q:\n%s", stream, re, got)
				}
			}
			check("stdout", tt.stdout, stdout.String(), tt.noStdout)
			check("stderr", tt.stderr, stderr.String(), tt.noStderr)
		})
	}
}

// TestFmtRewrite checks that fmt rewrites in place, keeps the file's mode,
// leaves no temporary files, and that a second run changes nothing.
func TestFmtRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ugly.hcl")
	if err := os.WriteFile(path, []byte(unformattedHCL), 0o640); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"fmt", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("fmt: exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, []byte(unformattedHCL)) {
		t.Fatalf("file not rewritten:\n%s", got)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v after fmt, want 0640", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("fmt left files behind: %v", entries)
	}
	if code := realMain([]string{"fmt", "--check", path}, &stdout, &stderr); code != 0 {
		t.Errorf("fmt --check after fmt: exit %d, not idempotent", code)
	}
}

func TestAbbreviateDeps(t *testing.T) {
	perStage := map[string]int{"a": 1, "b": 3, "c": 2}
	for _, tt := range []struct {
		deps []string
		want string
	}{
		{nil, "-"},
		{[]string{"a"}, "a"},
		{[]string{"b[0]", "b[1]", "b[2]"}, "b[*]"},
		{[]string{"b[0]", "b[1]"}, "b[0], b[1]"},
		{[]string{"a", "b[0]", "b[1]", "c[x]", "c[y]"}, "a, b[0], b[1], +1 more"},
	} {
		if got := abbreviateDeps(tt.deps, perStage, 3); got != tt.want {
			t.Errorf("abbreviateDeps(%q) = %q, want %q", tt.deps, got, tt.want)
		}
	}
}

func TestColor(t *testing.T) {
	for _, tt := range []struct {
		o    options
		want bool
	}{
		{options{stderrTTY: true}, true},
		{options{stderrTTY: false}, false},
		{options{stderrTTY: true, noColor: true}, false},
		{options{stderrTTY: true, env: []string{"NO_COLOR=1"}}, false},
		{options{stderrTTY: true, env: []string{"NO_COLOR="}}, true},
	} {
		if got := tt.o.color(); got != tt.want {
			t.Errorf("color() with tty=%v noColor=%v env=%q = %v, want %v", tt.o.stderrTTY, tt.o.noColor, tt.o.env, got, tt.want)
		}
	}
}
