package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLspNeovim drives weir lsp from a real editor: Neovim's built-in LSP
// client, headless, set up with editors/neovim/weir.lua as a user would.
// scripts/neovim-setup installs Neovim; without it the test skips, unless
// WEIR_REQUIRE_ALL=1.
func TestLspNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("WEIR_REQUIRE_ALL") == "1" {
			t.Fatal("nvim not found; run scripts/neovim-setup")
		}
		t.Skip("nvim not found; scripts/neovim-setup installs it")
	}
	config, _ := filepath.Abs("../../editors/neovim/weir.lua")
	check, _ := filepath.Abs("testdata/nvim/check.lua")
	dir := t.TempDir()
	src := `pool "big" {
  processes = 2
}

stage "extract" {
  pool    = pool.big
  command = ["true"]
  output "table" {}
}

stage "clean" {
  pool    = pool.big
  command = ["true"]
  input "raw" { from = stage.extrat.output.table }
}
`
	file := filepath.Join(dir, "w.hcl")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, "out.json")
	// The cursor: on "big" of pool.big in stage clean (line 11, 0-based).
	line := 11
	col := strings.Index(strings.Split(src, "\n")[line], "big")
	cmd := exec.Command(nvim, "--headless", "--clean", "-n", "-c", "luafile "+check)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"WEIR_BIN="+weirBinary(t), "WEIR_NVIM_CONFIG="+config, "WEIR_NVIM_FILE="+file,
		"WEIR_NVIM_OUT="+outFile, "WEIR_NVIM_LINE="+strconv.Itoa(line), "WEIR_NVIM_COL="+strconv.Itoa(col),
		"XDG_STATE_HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	done := make(chan []byte, 1)
	go func() { b, _ := cmd.CombinedOutput(); done <- b }()
	select {
	case b := <-done:
		if len(b) > 0 {
			t.Logf("nvim: %s", b)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("nvim did not finish in 60s")
	}
	raw, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("nvim wrote no results: %v", err)
	}
	var got struct {
		Error       string
		Attached    bool
		Diagnostics []struct {
			Line    int
			Message string
		}
		Hover      string
		Definition int
		Completion []string
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if got.Error != "" {
		t.Fatalf("check.lua: %s", got.Error)
	}
	if !got.Attached {
		t.Fatal("weir lsp did not attach to the buffer")
	}
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Line != 13 || !strings.Contains(got.Diagnostics[0].Message, `Did you mean "extract"?`) {
		t.Errorf("diagnostics: %+v", got.Diagnostics)
	}
	if !strings.Contains(got.Hover, `pool "big"`) {
		t.Errorf("hover: %q", got.Hover)
	}
	if got.Definition != 0 {
		t.Errorf("definition on line %d, want 0", got.Definition)
	}
	if len(got.Completion) == 0 || got.Completion[0] != "big" {
		t.Errorf("completion after pool.: %v", got.Completion)
	}
}
