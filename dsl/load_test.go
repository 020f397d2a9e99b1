package dsl

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the .golden files from the current output")

// testOptions fixes the host so that golden output is the same everywhere.
var testOptions = Options{HostMemory: 16 << 30, NumCPU: 4, Cwd: "/work"}

// TestInvalid loads every testdata/invalid file. Each line that should get
// an error ends in "# ERROR: <summary>"; the full text output must match the
// .golden file beside it.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.hcl")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".hcl"), func(t *testing.T) {
			want := wantErrors(t, file)
			p := NewParser()
			plan, diags := p.Load(file, testOptions)
			if plan != nil {
				t.Errorf("Load returned a plan for an invalid workflow")
			}
			got := map[int][]string{}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without a source range: %s: %s", d.Summary, d.Detail)
					continue
				}
				got[d.Subject.Start.Line] = append(got[d.Subject.Start.Line], d.Summary)
			}
			for _, s := range got {
				sort.Strings(s)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("errors by line (-want +got):\n%s", diff)
			}
			var buf bytes.Buffer
			if err := p.WriteDiagnostics(&buf, diags, 100, false); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".hcl")+".golden", buf.Bytes())
		})
	}
}

func wantErrors(t *testing.T, file string) map[int][]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[int][]string{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		for {
			i := strings.Index(text, "# ERROR: ")
			if i < 0 {
				break
			}
			rest := text[i+len("# ERROR: "):]
			summary, more, _ := strings.Cut(rest, " # ERROR: ")
			want[line] = append(want[line], strings.TrimSpace(summary))
			if more == "" {
				break
			}
			text = "# ERROR: " + more
		}
		sort.Strings(want[line])
	}
	return want
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dsl -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test ./dsl -update to accept):\n%s", path, diff)
	}
}

func cmpDiff(want, got any) string { return cmp.Diff(want, got) }
