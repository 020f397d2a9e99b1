package docs

import (
	"fmt"
	"slices"
	"testing"
)

func TestCommandsOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       block
		want    []string
		skipped []int
		err     bool
	}{
		{"sh", block{lang: "sh", text: "# a comment\nweir run x.hcl   # runs\n\nweir plan \\\n  x.hcl\n"}, []string{"weir run x.hcl   # runs", "weir plan x.hcl"}, nil, false},
		{"dollar lines", block{text: "$ weir version\nweir v0.1.0\n$ weir runs\n"}, []string{"weir version", "weir runs"}, nil, false},
		{"usage is no command", block{text: "weir run FILE [--var NAME=VALUE]\n"}, nil, nil, false},
		{"other languages", block{lang: "hcl", text: "$ x\n"}, nil, nil, false},
		{"skip all", block{lang: "sh", text: "a\nb\n", check: "skip: a benchmark"}, []string{"a", "b"}, []int{1, 2}, false},
		{"skip some", block{lang: "sh", text: "a\nb\nc\n", check: "skip 1,3: other shells"}, []string{"a", "b", "c"}, []int{1, 3}, false},
		{"skip without why", block{lang: "sh", text: "a\n", check: "skip:"}, nil, nil, true},
		{"skip past the end", block{lang: "sh", text: "a\n", check: "skip 2: x"}, nil, nil, true},
		{"unknown check", block{lang: "sh", text: "a\n", check: "maybe"}, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmds, skipped, err := commandsOf(tc.b)
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			var lines []string
			for _, c := range cmds {
				lines = append(lines, c.line)
			}
			if fmt.Sprintf("%q", lines) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("commands %q, want %q", lines, tc.want)
			}
			var skips []int
			for n := range skipped {
				skips = append(skips, n)
			}
			slices.Sort(skips)
			if fmt.Sprint(skips) != fmt.Sprint(tc.skipped) {
				t.Errorf("skipped %v, want %v", skips, tc.skipped)
			}
		})
	}
}

func TestRedirectsAndPrograms(t *testing.T) {
	for _, tc := range []struct {
		line            string
		wrote, programs []string
	}{
		{"weir graph w.hcl | dot -Tsvg > w.svg   # dot is Graphviz's", []string{"w.svg"}, []string{"weir", "dot"}},
		{"weir trace > trace.tsv", []string{"trace.tsv"}, []string{"weir"}},
		{`weir completion zsh > "${fpath[1]}/_weir"`, nil, []string{"weir"}},
		{"echo x >> ~/.config/nvim/init.lua", nil, nil},
		{"source <(weir completion bash)", nil, []string{"weir"}},
		{"cd editors/vscode && npm ci && npm run compile", nil, []string{"npm", "npm"}},
		{"weir plan w.hcl --json 2>/dev/null | jq -r '.tasks[] | \"\\(.id)\"'", nil, []string{"weir", "jq"}},
		{"FOO=1 /usr/bin/time -f x go run ./cmd/weir", nil, []string{"/usr/bin/time"}},
	} {
		if got := redirects(tc.line); fmt.Sprint(got) != fmt.Sprint(tc.wrote) {
			t.Errorf("redirects(%q) = %q, want %q", tc.line, got, tc.wrote)
		}
		if got := programs(tc.line); fmt.Sprint(got) != fmt.Sprint(tc.programs) {
			t.Errorf("programs(%q) = %q, want %q", tc.line, got, tc.programs)
		}
	}
}
