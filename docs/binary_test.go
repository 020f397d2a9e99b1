package docs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The docs' tests run what the docs show with the real weir binary, built
// once here and shared by every test of the package.
var weirDir string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "weir-docs-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Not -race, as a user builds it. -trimpath (here and in weirEnv's
	// GOFLAGS) keeps the checkout's path out of the build cache's keys, so
	// that go run in a copy of the repository links and compiles nothing.
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "weir"), "../cmd/weir")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "docs: go build ../cmd/weir: %v\n", err)
		return 1
	}
	weirDir = dir
	return m.Run()
}

// weirEnv is the environment of a command the docs show: weir first on
// PATH, as after go install, and a home and a state home of the test's
// own, so that nothing it writes reaches the user's (the last-run note,
// an editor set-up).
func weirEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"PATH=" + weirDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"NO_COLOR=1",
		"LC_ALL=C",
	}
	// go needs its caches; the machine's, so that go run builds nothing new.
	env = append(env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -trimpath"))
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOTOOLCHAIN", "TMPDIR", "WEIR_REQUIRE_ALL"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		if _, ok := os.LookupEnv(name); !ok {
			if out, err := exec.Command("go", "env", name).Output(); err == nil {
				env = append(env, name+"="+string(trimNL(out)))
			}
		}
	}
	return env
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
