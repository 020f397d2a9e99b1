package docs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/internal/testenv"
)

// An HCL block of the docs is one of:
//
//   - a workflow (it declares a stage at its top level): weir validate
//     passes, and weir run runs it to success in a directory of its own,
//     or to the failure its check comment names (`fails "TEXT"`: a
//     non-zero exit with TEXT in the output). One with a Slurm pool runs
//     where a cluster is up (scripts/slurm-cluster start). One whose
//     check comment says `validate: WHY` needs what only its reader has
//     (their own scripts) and is only validated; `part: WHY`, that it is
//     part of a workflow shown elsewhere, and it must only parse.
//   - top-level blocks without a stage (a pool, a variable, a workflow
//     block): validated together with the earlier ones of its document,
//     as a reader puts them together (locals refer to the variable above).
//   - a part of a stage (an attribute, a retry, input or output block):
//     it must parse, checked by weir fmt.
var (
	topStage    = regexp.MustCompile(`(?m)^stage\s+"`)
	topBlock    = regexp.MustCompile(`(?m)^(workflow|variable|locals|pool)\b`)
	slurmPool   = regexp.MustCompile(`executor\s*=\s*"slurm"`)
	failsMarker = regexp.MustCompile(`^fails\s+("(?:[^"\\]|\\.)*")$`)
)

func TestHCLBlocks(t *testing.T) {
	var workflows, fragments int
	tops := map[string]string{} // per document, its top-level blocks so far
	for _, b := range docBlocks(t) {
		if b.lang != "hcl" {
			continue
		}
		switch {
		case topStage.MatchString(b.text):
			workflows++
			t.Run(b.String(), func(t *testing.T) {
				t.Parallel()
				checkWorkflow(t, b)
			})
		case topBlock.MatchString(b.text):
			fragments++
			src := tops[b.doc] + b.text
			tops[b.doc] = src + "\n"
			t.Run(b.String(), func(t *testing.T) {
				t.Parallel()
				if b.check != "" {
					t.Fatalf("%s: a check comment is for workflows (a block with a stage); this one has none", b)
				}
				dir := t.TempDir()
				out, err := weir(t, dir, src, "validate", "example.hcl")
				if err != nil {
					t.Errorf("%s: weir validate of this block and the top-level blocks above it in %s: %v\n%s", b, b.doc, err, out)
				}
			})
		default:
			fragments++
			t.Run(b.String(), func(t *testing.T) {
				t.Parallel()
				out, err := weirStdin(t, b.text, "fmt", "-")
				if err != nil {
					t.Errorf("%s: this part of a stage does not parse (weir fmt -): %v\n%s", b, err, out)
				}
			})
		}
	}
	if workflows < 4 || fragments < 4 {
		t.Errorf("found %d workflows and %d fragments in the docs; expected at least 4 of each", workflows, fragments)
	}
}

func checkWorkflow(t *testing.T, b block) {
	if why, ok := strings.CutPrefix(b.check, "part:"); ok {
		if strings.TrimSpace(why) == "" {
			t.Fatalf("%s: say after `check: part:` where the rest of the workflow is", b)
		}
		if out, err := weirStdin(t, b.text, "fmt", "-"); err != nil {
			t.Errorf("%s: this part of a workflow does not parse (weir fmt -): %v\n%s", b, err, out)
		}
		return
	}
	dir := t.TempDir()
	var wantFail string
	validateOnly := false
	switch {
	case b.check == "":
	case strings.HasPrefix(b.check, "validate:"):
		if strings.TrimSpace(strings.TrimPrefix(b.check, "validate:")) == "" {
			t.Fatalf("%s: say after `check: validate:` what the block needs that the tests cannot have", b)
		}
		validateOnly = true
	case failsMarker.MatchString(b.check):
		s, err := strconv.Unquote(failsMarker.FindStringSubmatch(b.check)[1])
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		wantFail = s
	default:
		t.Fatalf("%s: unknown check comment %q: use `fails \"TEXT\"`, `validate: WHY` or `part: WHY`", b, b.check)
	}
	// A block shown failing may fail as it is checked or as it runs.
	if wantFail == "" {
		if out, err := weir(t, dir, b.text, "validate", "example.hcl"); err != nil {
			t.Fatalf("%s: weir validate: %v\n%s", b, err, out)
		}
	}
	if validateOnly {
		return
	}
	if slurmPool.MatchString(b.text) && !testenv.SlurmUp() {
		testenv.Missing(t, "a Slurm cluster", "scripts/slurm-cluster start")
	}
	out, err := weir(t, dir, b.text, "run", "--progress", "plain", "example.hcl")
	switch {
	case wantFail == "" && err != nil:
		t.Errorf("%s: weir run: %v\n%s", b, err, out)
	case wantFail != "" && err == nil:
		t.Errorf("%s: weir run succeeded; the docs say it fails with %q\n%s", b, wantFail, out)
	case wantFail != "" && !strings.Contains(string(out), wantFail):
		t.Errorf("%s: weir run failed without %q, which the docs show:\n%s", b, wantFail, out)
	}
}

// weir writes src to dir/example.hcl and runs weir there.
func weir(t *testing.T, dir, src string, args ...string) ([]byte, error) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "example.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(weirDir, "weir"), args...)
	cmd.Dir, cmd.Env = dir, weirEnv(t)
	return cmd.CombinedOutput()
}

func weirStdin(t *testing.T, src string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(weirDir, "weir"), args...)
	cmd.Dir, cmd.Env = t.TempDir(), weirEnv(t)
	cmd.Stdin = strings.NewReader(src)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}
