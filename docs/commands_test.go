package docs

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/internal/testenv"
)

// A command of the docs is a line of an sh block (comments and blank lines
// aside), or a line of a plain block that starts with "$ ". A check
// comment before a block says what the tests cannot tell by themselves:
//
//   - `setup`: the README's two set-up commands. The first runs first, in a
//     fresh copy of the repository; the second is scripts/test, the suite
//     this test is part of (.ci/run runs it).
//   - `skip: WHY` or `skip N,M: WHY`: the block's commands (or its N-th and
//     M-th, from 1) are not run, for the reason given: a benchmark of
//     minutes, a command for another shell, output shown for illustration.
type command struct {
	block
	n    int // its place in the block, from 1
	line string
}

func (c command) String() string { return c.block.String() + " command " + strconv.Itoa(c.n) }

var skipMarker = regexp.MustCompile(`^skip(?:\s+([\d,\s]+))?:\s*(\S.*)$`)

// commandsOf lists a block's commands, and which of them its check
// comment skips.
func commandsOf(b block) (cmds []command, skipped map[int]string, err error) {
	shell := b.lang == "sh" || b.lang == "bash" || b.lang == "console"
	if !shell && b.lang != "" {
		return nil, nil, nil
	}
	var joined string
	for _, l := range strings.Split(b.text, "\n") {
		t := strings.TrimSpace(l)
		if !shell {
			var ok bool
			if t, ok = strings.CutPrefix(t, "$ "); !ok {
				continue
			}
		}
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(t, `\`); ok {
			joined += strings.TrimSpace(s) + " "
			continue
		}
		cmds = append(cmds, command{block: b, n: len(cmds) + 1, line: joined + t})
		joined = ""
	}
	skipped = map[int]string{}
	switch m := skipMarker.FindStringSubmatch(b.check); {
	case b.check == "", b.check == "setup":
	case m == nil:
		return nil, nil, fmt.Errorf("%s: unknown check comment %q: use `setup`, `skip: WHY` or `skip N,M: WHY`", b, b.check)
	case strings.TrimSpace(m[1]) == "":
		for _, c := range cmds {
			skipped[c.n] = m[2]
		}
	default:
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > len(cmds) {
				return nil, nil, fmt.Errorf("%s: skip names command %q; the block has %d", b, f, len(cmds))
			}
			skipped[n] = m[2]
		}
	}
	if len(cmds) == 0 && b.check != "" {
		return nil, nil, fmt.Errorf("%s: a check comment on a block without commands", b)
	}
	return cmds, skipped, nil
}

// TestCommands runs, from a fresh copy of the repository, the README's
// first set-up command and then every command the README and docs/ show,
// in the order they are shown, from the copy's root as the README says.
// The quickstart must leave git status clean, and the rest may add only
// the files the commands themselves redirect into.
func TestCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quickstart and every command of the docs")
	}
	var setup []command
	var cmds []command
	skips := map[string]string{}
	for _, b := range docBlocks(t) {
		cs, skipped, err := commandsOf(b)
		if err != nil {
			t.Fatal(err)
		}
		if b.check == "setup" {
			setup = cs
			continue
		}
		for _, c := range cs {
			if why, ok := skipped[c.n]; ok {
				skips[c.String()] = why
				continue
			}
			cmds = append(cmds, c)
		}
	}
	if len(setup) != 2 || uncommented(setup[0].line) != "go run ./cmd/weir run workflows/quickstart.hcl" || uncommented(setup[1].line) != "scripts/test" {
		t.Fatalf("the README's set-up block (check: setup) should be the quickstart and scripts/test, got %q", setup)
	}
	if len(cmds) < 10 {
		t.Fatalf("found %d commands to run in the docs; expected more", len(cmds))
	}
	clone := freshCopy(t)
	env := append(weirEnv(t), "PWD="+clone)
	t.Run(setup[0].String(), func(t *testing.T) {
		if out, err := shell(t, clone, env, setup[0].line); err != nil {
			t.Fatalf("%s: %s: %v\n%s", setup[0], setup[0].line, err, out)
		}
		if st := gitStatus(t, clone); len(st) > 0 {
			t.Errorf("after the quickstart, git status shows %q: a run's files must stay out of the working tree", st)
		}
	})
	var wrote []string
	for _, c := range cmds {
		wrote = append(wrote, redirects(c.line)...)
		t.Run(c.String(), func(t *testing.T) {
			for _, prog := range programs(c.line) {
				if !onPath(env, prog) {
					testenv.Missing(t, prog, "scripts/test-deps installs what the docs use")
				}
			}
			if out, err := shell(t, clone, env, c.line); err != nil {
				t.Errorf("%s: %s: %v\n%s", c, c.line, err, out)
			}
		})
	}
	for _, f := range gitStatus(t, clone) {
		if !slices.Contains(wrote, f) {
			t.Errorf("after the docs' commands, git status shows %s, which no command wrote on purpose", f)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(skips)) {
		t.Logf("not run: %s (%s)", c, skips[c])
	}
}

// freshCopy copies the files git knows (tracked, or new and not ignored)
// into a new repository, as a clone would have them, with the edits of the
// working tree.
func freshCopy(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("../.git"); err != nil {
		testenv.Missing(t, "a git checkout", "run the tests from a clone")
	}
	out, err := exec.Command("git", "-C", "..", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "weir")
	for _, f := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		src := filepath.Join("..", f)
		st, err := os.Lstat(src)
		if err != nil {
			continue // deleted in the working tree
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(src)
			if err == nil {
				err = os.Symlink(target, filepath.Join(dst, f))
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(src)
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, f), data, st.Mode().Perm())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "-A"},
		{"-c", "user.name=weir", "-c", "user.email=weir@localhost", "commit", "-q", "--no-verify", "-m", "copy"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dst
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dst
}

func gitStatus(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command("git", "status", "--porcelain", "--untracked-files=all")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git status: %v", err)
	}
	var files []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if len(l) > 3 {
			files = append(files, l[3:])
		}
	}
	return files
}

// shell runs a command line as a reader would paste it into bash (the
// docs use bash's <(...)).
func shell(t *testing.T, dir string, env []string, line string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", line)
	cmd.Dir, cmd.Env = dir, env
	return cmd.CombinedOutput()
}

var (
	redirect = regexp.MustCompile(`(?:^|\s)>\s*([^\s|;&>]+)`)
	segment  = regexp.MustCompile(`\|\||&&|[|;]|<\(`)
	assign   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	quoted   = regexp.MustCompile(`'[^']*'|"(?:[^"\\]|\\.)*"`)
)

// onPath reports whether prog is found on the PATH of env, or is a path
// to an executable.
func onPath(env []string, prog string) bool {
	if strings.Contains(prog, "/") {
		st, err := os.Stat(prog)
		return err == nil && st.Mode()&0o111 != 0
	}
	for _, kv := range env {
		if dirs, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, dir := range filepath.SplitList(dirs) {
				if st, err := os.Stat(filepath.Join(dir, prog)); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
					return true
				}
			}
		}
	}
	return false
}

// uncommented is a command line without its trailing comment.
func uncommented(line string) string {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

// redirects are the files a command line writes with >, relative to where
// it runs.
func redirects(line string) []string {
	var out []string
	for _, m := range redirect.FindAllStringSubmatch(line, -1) {
		if !strings.HasPrefix(m[1], "/") && !strings.HasPrefix(m[1], "~") && !strings.HasPrefix(m[1], "\"") {
			out = append(out, m[1])
		}
	}
	return out
}

// programs are the programs a command line starts, for the skip of a
// command whose program this machine lacks.
func programs(line string) []string {
	var out []string
	line = quoted.ReplaceAllString(uncommented(line), "''")
	for _, seg := range segment.Split(line, -1) {
		fields := strings.Fields(seg)
		for len(fields) > 0 && assign.MatchString(fields[0]) {
			fields = fields[1:]
		}
		if len(fields) == 0 {
			continue
		}
		switch p := fields[0]; p {
		case "cd", "echo", "source", ".", "export", "set", "(", ")":
		default:
			out = append(out, p)
		}
	}
	return out
}
