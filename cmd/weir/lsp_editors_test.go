package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestLspHelixConfig checks that the Helix set-up parses and starts
// `weir lsp` for Helix's hcl language.
func TestLspHelixConfig(t *testing.T) {
	var cfg struct {
		LanguageServer map[string]struct {
			Command string
			Args    []string
		} `toml:"language-server"`
		Language []struct {
			Name            string
			LanguageServers []string `toml:"language-servers"`
		}
	}
	if _, err := toml.DecodeFile("../../editors/helix/languages.toml", &cfg); err != nil {
		t.Fatal(err)
	}
	if s := cfg.LanguageServer["weir"]; s.Command != "weir" || strings.Join(s.Args, " ") != "lsp" {
		t.Errorf("language-server.weir = %+v", s)
	}
	if len(cfg.Language) != 1 || cfg.Language[0].Name != "hcl" || cfg.Language[0].LanguageServers[0] != "weir" {
		t.Errorf("language = %+v", cfg.Language)
	}
}

// TestLspVSCodeExtension checks the extension in editors/vscode: exact
// package versions, a grammar that parses, and a committed build that is
// what its TypeScript compiles to (when the pinned packages are installed:
// scripts/test-deps installs them; WEIR_REQUIRE_ALL=1 requires them).
func TestLspVSCodeExtension(t *testing.T) {
	dir := "../../editors/vscode"
	var pkg struct {
		Main            string
		Dependencies    map[string]string
		DevDependencies map[string]string
		Contributes     struct {
			Grammars []struct{ ScopeName, Path string }
		}
	}
	readJSON(t, filepath.Join(dir, "package.json"), &pkg)
	for name, v := range mergeMaps(pkg.Dependencies, pkg.DevDependencies) {
		if strings.ContainsAny(v, "^~<>*x") {
			t.Errorf("package %s is not pinned: %q", name, v)
		}
	}
	var grammar struct{ ScopeName string }
	readJSON(t, filepath.Join(dir, pkg.Contributes.Grammars[0].Path), &grammar)
	if grammar.ScopeName != "source.weir" || pkg.Contributes.Grammars[0].ScopeName != "source.weir" {
		t.Errorf("grammar scope %q", grammar.ScopeName)
	}
	built, err := os.ReadFile(filepath.Join(dir, pkg.Main))
	if err != nil {
		t.Fatalf("the built extension is not committed: %v", err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin")
	if _, err := os.Stat(filepath.Join(bin, "esbuild")); err != nil {
		if os.Getenv("WEIR_REQUIRE_ALL") == "1" {
			t.Fatal("editors/vscode/node_modules missing; run scripts/test-deps")
		}
		t.Skip("editors/vscode/node_modules missing; scripts/test-deps installs them")
	}
	// The compile script type-checks, then bundles: build into a
	// temporary file the same way and compare.
	var script struct{ Scripts map[string]string }
	readJSON(t, filepath.Join(dir, "package.json"), &script)
	out := filepath.Join(t.TempDir(), "extension.js")
	compile := strings.Replace(script.Scripts["compile"], "--outfile="+strings.TrimPrefix(pkg.Main, "./"), "--outfile="+out, 1)
	if compile == script.Scripts["compile"] {
		t.Fatalf("compile script does not write %s: %s", pkg.Main, compile)
	}
	cmd := exec.Command("sh", "-c", compile)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", compile, err, b)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, built) {
		t.Errorf("editors/vscode/%s is not what src builds to; run npm run compile there and commit out/", pkg.Main)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func mergeMaps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
