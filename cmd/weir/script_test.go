package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary run as `weir` inside scripts: testscript
// copies it into $PATH under that name and picks the command by argv[0].
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"weir": func() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	// The example workflows live at the module root; scripts reach them
	// through $WORKFLOWS and skip when they are absent.
	workflows, err := filepath.Abs("../../workflows")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("WEIR_UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("WORKFLOWS", workflows)
			// Scripts match plain text; stderr is never a terminal there
			// anyway, but a developer's NO_COLOR must not matter either way.
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "workflows" {
				st, err := os.Stat(workflows)
				return err == nil && st.IsDir(), nil
			}
			return false, nil
		},
	})
}
