package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		code     int
		want     []string
	}{{
		name: "a pass is one line, its output is not shown",
		in: `{"Action":"output","Package":"x/a","Output":"=== RUN TestA\n"}
{"Action":"pass","Package":"x/a","Test":"TestA","Elapsed":0.1}
{"Action":"pass","Package":"x/a","Elapsed":1.5}`,
		code: 0,
		want: []string{"ok    x/a", "1.5s", "== 1 packages"},
	}, {
		name: "a failure shows its package's output",
		in: `{"Action":"output","Package":"x/b","Output":"--- FAIL: TestB\n    b_test.go:3: wrong\n"}
{"Action":"fail","Package":"x/b","Test":"TestB"}
{"Action":"fail","Package":"x/b","Elapsed":2}`,
		code: 1,
		want: []string{"FAIL  x/b", "b_test.go:3: wrong", "== 1 failed"},
	}, {
		name: "a build failure shows the compiler's message",
		in: `{"ImportPath":"x/c [x/c.test]","Action":"build-output","Output":"c.go:1: undefined: y\n"}
{"ImportPath":"x/c [x/c.test]","Action":"build-fail"}`,
		code: 1,
		want: []string{"FAIL  x/c [x/c.test] [build failed]", "undefined: y"},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if code := run(strings.NewReader(tt.in), &out); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.code == 0 && strings.Contains(out.String(), "RUN") {
				t.Errorf("a pass printed its output:\n%s", out.String())
			}
		})
	}
}
