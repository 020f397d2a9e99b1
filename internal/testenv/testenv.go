// Package testenv lets tests that need a component of the machine (Graphviz,
// Node, Chromium, Slurm) skip where it is absent, and fail instead when
// WEIR_REQUIRE_ALL=1, as in CI, so a missing install step cannot hide as a
// green run.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireAll reports whether every component must be present.
func RequireAll() bool { return os.Getenv("WEIR_REQUIRE_ALL") == "1" }

// Missing skips t, or fails it under WEIR_REQUIRE_ALL=1, saying what is
// missing and how to install it.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("%s is missing and WEIR_REQUIRE_ALL=1: %s", what, install)
	}
	t.Skipf("%s is missing (%s)", what, install)
}

// LookPath returns the path of program, or skips or fails t as Missing does.
func LookPath(t testing.TB, program, install string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		Missing(t, program, install)
	}
	return path
}

// OpenFDs is how many file descriptors this process has open, for tests
// that check an engine part leaves none behind.
func OpenFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
