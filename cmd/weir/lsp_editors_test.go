package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// node returns the path of node, skipping the test without it (unless
// WEIR_REQUIRE_ALL=1).
func node(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("WEIR_REQUIRE_ALL") == "1" {
			t.Fatal("node is missing; scripts/test-deps installs it")
		}
		t.Skip("node is missing; scripts/test-deps installs it")
	}
	return p
}

// TestLspVSCodeActivation loads the committed extension in node, with a
// stand-in for the vscode module (editors/vscode/test/activate.js), and
// checks what activating it starts: `weir lsp` from the weir.path setting,
// without a shell, sent the var settings in its initialize request.
func TestLspVSCodeActivation(t *testing.T) {
	tests := []struct {
		name, path string
	}{
		{"default", ""},
		{"weir.path set", "/opt/weir/bin/weir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"test/activate.js"}
			if tt.path != "" {
				args = append(args, tt.path)
			}
			cmd := exec.Command(node(t), args...)
			cmd.Dir = "../../editors/vscode"
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			var got struct {
				Spawned []struct {
					Command string
					Args    []string
					Shell   bool
				}
				Method                string
				InitializationOptions map[string][]string
				Error                 *string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			want := tt.path
			if want == "" {
				want = "weir"
			}
			if got.Error != nil || len(got.Spawned) != 1 || got.Spawned[0].Command != want ||
				strings.Join(got.Spawned[0].Args, " ") != "lsp" || got.Spawned[0].Shell {
				t.Fatalf("activation started %+v (error %v), want %s lsp without a shell", got.Spawned, got.Error, want)
			}
			if got.Method != "initialize" || strings.Join(got.InitializationOptions["varFiles"], ",") != "dev.hcl" ||
				strings.Join(got.InitializationOptions["vars"], ",") != "rows=10" {
				t.Errorf("first message %s with %v, want initialize with the weir.varFiles and weir.vars settings", got.Method, got.InitializationOptions)
			}
		})
	}
	// The extension serves the weir language, which is what .hcl files are.
	var pkg struct {
		ActivationEvents []string
		Contributes      struct {
			Languages []struct {
				ID         string
				Extensions []string
			}
		}
	}
	readJSON(t, "../../editors/vscode/package.json", &pkg)
	if l := pkg.Contributes.Languages; len(l) != 1 || l[0].ID != "weir" || strings.Join(l[0].Extensions, ",") != ".hcl" {
		t.Errorf("contributes.languages = %+v, want weir for .hcl", l)
	}
	src, err := os.ReadFile("../../editors/vscode/src/extension.ts")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "{ scheme: 'file', language: 'weir' }") {
		t.Error("the client's documentSelector is not the weir language's files")
	}
}

// TestLspVSCodeGrammar tokenizes the example workflows with the extension's
// TextMate grammar in VS Code's own engine (editors/vscode/test/tokenize.js)
// and checks that every block starts at the top level, that the grammar
// ends each file there, and that the tokens of the table get their scopes.
func TestLspVSCodeGrammar(t *testing.T) {
	nodePath := node(t)
	if _, err := os.Stat("../../editors/vscode/node_modules/vscode-textmate"); err != nil {
		if os.Getenv("WEIR_REQUIRE_ALL") == "1" {
			t.Fatal("editors/vscode/node_modules missing; run scripts/test-deps")
		}
		t.Skip("editors/vscode/node_modules missing; scripts/test-deps installs them")
	}
	files, _ := filepath.Glob("../../workflows/*/*.hcl")
	files = append(files, "../../workflows/quickstart.hcl")
	snippet := filepath.Join(t.TempDir(), "snippet.hcl")
	if err := os.WriteFile(snippet, []byte(grammarSnippet), 0o644); err != nil {
		t.Fatal(err)
	}
	var abs []string
	for _, f := range append(files, snippet) {
		a, _ := filepath.Abs(f)
		abs = append(abs, a)
	}
	cmd := exec.Command(nodePath, append([]string{"test/tokenize.js"}, abs...)...)
	cmd.Dir = "../../editors/vscode"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tokenize.js: %v\n%s", err, stderr.Bytes())
	}
	type token struct {
		Line   int
		Col    int
		Text   string
		Scopes []string
	}
	byFile := map[string][]token{}
	for line := range strings.Lines(string(out)) {
		var f struct {
			File   string
			Closed bool
			Tokens []token
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatal(err)
		}
		if !f.Closed {
			t.Errorf("%s: the grammar ends the file inside a construct it never closed", f.File)
		}
		byFile[f.File] = f.Tokens
		for _, tok := range f.Tokens {
			// A block keyword in column 1 must be read as one: otherwise
			// a string or heredoc above it ran on.
			if tok.Col == 0 && slices.Contains([]string{"workflow", "variable", "locals", "pool", "stage"}, tok.Text) &&
				!slices.Contains(tok.Scopes, "keyword.other.block.weir") {
				t.Errorf("%s:%d: %q scoped %v", filepath.Base(f.File), tok.Line, tok.Text, tok.Scopes)
			}
		}
	}
	tests := []struct {
		line  int
		text  string
		scope string
	}{
		{1, "# a comment", "comment.line.number-sign.weir"},
		{2, "stage", "keyword.other.block.weir"},
		{2, `"s"`, "entity.name.label.weir"},
		{3, "for_each", "variable.other.property.weir"},
		{3, "toset", "support.function.weir"},
		{3, "var", "variable.language.weir"},
		{4, "<<-EOT", "keyword.operator.heredoc.weir"},
		{5, "echo", "string.unquoted.heredoc.weir"},
		{5, "${", "punctuation.section.interpolation.begin.weir"},
		{5, "each", "variable.language.weir"},
		{6, "EOT", "keyword.operator.heredoc.weir"},
		{7, "64MiB", "string.quoted.double.weir"},
		{8, "3", "constant.numeric.weir"},
		{8, "true", "constant.language.weir"},
		{9, "/*", "comment.block.weir"},
	}
	toks := byFile[abs[len(abs)-1]]
	for _, tt := range tests {
		found := false
		for _, tok := range toks {
			if tok.Line == tt.line && strings.TrimSpace(tok.Text) == tt.text {
				found = true
				if !slices.Contains(tok.Scopes, tt.scope) {
					t.Errorf("line %d: %q scoped %v, want %s", tt.line, tt.text, tok.Scopes, tt.scope)
				}
			}
		}
		if !found {
			t.Errorf("line %d: no token %q in %+v", tt.line, tt.text, toks)
		}
	}
}

const grammarSnippet = `# a comment
stage "s" {
  for_each = toset(var.names)
  script   = <<-EOT
    echo ${each.key}
  EOT
  memory   = "64MiB"
  retry { attempts = 3, x = true }
  /* block */
}
`
