package docs

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exitRows reads the rows of the first table after heading whose header
// starts with header: code -> meaning.
func exitRows(t *testing.T, src, heading, header string) map[int]string {
	t.Helper()
	_, rest, ok := strings.Cut(src, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/cli.md has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "\n"+header)
	if !ok {
		t.Fatalf("docs/cli.md: no table %q under %q", header, heading)
	}
	row := regexp.MustCompile(`^\| (\d+) \| (.*) \|$`)
	rows := map[int]string{}
	for _, line := range strings.Split(rest, "\n")[2:] {
		m := row.FindStringSubmatch(line)
		if m == nil {
			break
		}
		code, _ := strconv.Atoi(m[1])
		rows[code] = m[2]
	}
	if len(rows) == 0 {
		t.Fatalf("docs/cli.md: the table under %q has no rows", heading)
	}
	return rows
}

const (
	okFlow      = "stage \"a\" {\n  command = [\"true\"]\n}\n"
	failFlow    = "stage \"a\" {\n  command = [\"false\"]\n}\n"
	invalidFlow = "stage \"a\" {\n  command = [\"true\"]\n  memory  = \"lots\"\n}\n"
	unformatted = "stage \"a\" {\ncommand=[\"true\"]\n}\n"
	// Writes a file once it runs, so the test knows when to interrupt.
	slowFlow = "stage \"a\" {\n  script = \"touch started; sleep 60\"\n  grace  = \"0s\"\n}\n"
)

// TestExitCodes checks docs/cli.md's exit-code tables against what the
// binary really exits with: every case below exits with its code, the
// general table's row for that code says so (the phrase), run's table has
// the code for run's cases, and every row of both tables is met by a case.
func TestExitCodes(t *testing.T) {
	src, err := os.ReadFile("cli.md")
	if err != nil {
		t.Fatal(err)
	}
	general := exitRows(t, string(src), "## Exit codes", "| Code | Meaning |")
	runTable := exitRows(t, string(src), "## run", "| Exit code | Meaning |")
	cases := []struct {
		name   string
		file   string // written as w.hcl
		args   []string
		code   int
		phrase string // in the general table's row for code
		run    bool   // a case of run's own table
		// interrupt sends SIGINT once the run's task has started.
		interrupt bool
	}{
		{"version", "", []string{"version"}, 0, "Success", false, false},
		{"valid", okFlow, []string{"validate", "w.hcl"}, 0, "Success", false, false},
		{"run succeeds", okFlow, []string{"run", "-q", "w.hcl"}, 0, "Success", true, false},
		{"validate invalid", invalidFlow, []string{"validate", "w.hcl"}, 1, "`validate`, `plan`, `graph`: the workflow is invalid", false, false},
		{"plan invalid", invalidFlow, []string{"plan", "w.hcl"}, 1, "`validate`, `plan`, `graph`: the workflow is invalid", false, false},
		{"graph invalid", invalidFlow, []string{"graph", "w.hcl"}, 1, "`validate`, `plan`, `graph`: the workflow is invalid", false, false},
		{"validate missing", "", []string{"validate", "nothere.hcl"}, 1, "invalid or missing", false, false},
		{"fmt --check", unformatted, []string{"fmt", "--check", "w.hcl"}, 1, "`fmt --check`: files need formatting", false, false},
		{"run, a task fails", failFlow, []string{"run", "-q", "w.hcl"}, 1, "`run`, `resume`: a task failed", true, false},
		{"status without runs", "", []string{"status"}, 1, "no state dir", false, false},
		{"unknown command", "", []string{"nosuch"}, 2, "unknown command", false, false},
		{"unknown flag", okFlow, []string{"validate", "--nosuch", "w.hcl"}, 2, "unknown command or flag", false, false},
		{"missing argument", "", []string{"validate"}, 2, "missing or extra argument", false, false},
		{"extra argument", okFlow, []string{"validate", "w.hcl", "w.hcl"}, 2, "missing or extra argument", false, false},
		{"bad flag value", okFlow, []string{"graph", "--format", "nope", "w.hcl"}, 2, "bad flag value", false, false},
		{"run invalid", invalidFlow, []string{"run", "w.hcl"}, 2, "`run`, `resume`: the workflow is invalid", true, false},
		{"run missing", "", []string{"run", "nothere.hcl"}, 2, "`run`, `resume`: the workflow is invalid or missing", true, false},
		{"run bad flag value", okFlow, []string{"run", "--memory-enforcement", "nope", "w.hcl"}, 2, "bad flag value", true, false},
		{"run cancelled", slowFlow, []string{"run", "-q", "w.hcl"}, 130, "`run`, `resume`: cancelled", true, true},
	}
	seen := map[string]map[int]bool{"general": {}, "run": {}}
	for _, tc := range cases {
		seen["general"][tc.code] = true
		if tc.run {
			seen["run"][tc.code] = true
		}
	}
	for name, rows := range map[string]map[int]string{"general": general, "run": runTable} {
		for code := range rows {
			if !seen[name][code] {
				t.Errorf("docs/cli.md: %s table has a row for %d that no case here exits with; add one", name, code)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			row, ok := general[tc.code]
			switch {
			case !ok:
				t.Errorf("docs/cli.md's exit codes have no row for %d, which weir %s exits with", tc.code, strings.Join(tc.args, " "))
			case !strings.Contains(row, tc.phrase):
				t.Errorf("docs/cli.md's row for %d does not say %q (weir %s exits %d): %s", tc.code, tc.phrase, strings.Join(tc.args, " "), tc.code, row)
			}
			if _, ok := runTable[tc.code]; tc.run && !ok {
				t.Errorf("docs/cli.md: run's exit codes have no row for %d, which weir %s exits with", tc.code, strings.Join(tc.args, " "))
			}
			if got := exitOf(t, tc.file, tc.args, tc.interrupt); got != tc.code {
				t.Errorf("weir %s exited %d; the case (and docs/cli.md) say %d", strings.Join(tc.args, " "), got, tc.code)
			}
		})
	}
}

func exitOf(t *testing.T, file string, args []string, interrupt bool) int {
	dir := t.TempDir()
	if file != "" {
		if err := os.WriteFile(filepath.Join(dir, "w.hcl"), []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(weirDir, "weir"), args...)
	cmd.Dir, cmd.Env = dir, weirEnv(t)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if interrupt {
		started := filepath.Join(dir, "started")
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(started); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the task did not start within a minute:\n%s", out.String())
			}
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		t.Logf("weir %s:\n%s", strings.Join(args, " "), out.String())
		return ee.ExitCode()
	}
	t.Fatalf("weir %s: %v", strings.Join(args, " "), err)
	return -1
}
