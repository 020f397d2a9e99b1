package lsp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/dsl"
)

// genWorkflow writes a workflow of n stages with bench/genworkflow, the
// generator of the other benchmarks.
func genWorkflow(b *testing.B, n int) string {
	b.Helper()
	diagnosticsWait = 2 * time.Minute
	out, err := exec.Command("go", "run", "../bench/genworkflow", "-stages", fmt.Sprint(n)).Output()
	if err != nil {
		b.Skipf("go run ../bench/genworkflow: %v", err)
	}
	return string(out)
}

// BenchmarkLspDiagnosticsAfterEdit measures the time from an edit in the
// middle of the file to the diagnostics of the edited text: "replace"
// changes one digit of a memory cap, "type" inserts a digit and then
// deletes it, which moves every block below by a byte. Each runs with the
// editor parser and, as a baseline, with a parse from scratch.
//
//	go test ./lsp -run '^$' -bench DiagnosticsAfterEdit -benchtime 20x
func BenchmarkLspDiagnosticsAfterEdit(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		src := genWorkflow(b, n)
		for _, edit := range []string{"replace", "type"} {
			for _, mode := range parsers {
				b.Run(fmt.Sprintf("stages=%d/%s/%s", n, edit, mode.name), func(b *testing.B) {
					defer swapParser(mode.parser)()
					dir := b.TempDir()
					c := start(b, dir)
					path := filepath.Join(dir, "w.hcl")
					uri := pathURI(path)
					if got := open(b, c, path, src); len(got) != 0 {
						b.Fatalf("generated workflow has diagnostics: %v", got[0])
					}
					line, col := memoryDigit(src, n/2)
					b.ResetTimer()
					cpu := cpuTime()
					for i := range b.N {
						v := int32(i + 2)
						var err error
						switch {
						case edit == "replace":
							err = c.Change(uri, v, line, col, line, col+1, fmt.Sprint(i%9+1))
						case i%2 == 0:
							err = c.Change(uri, v, line, col, line, col, "1")
						default:
							err = c.Change(uri, v, line, col, line, col+1, "")
						}
						if err != nil {
							b.Fatal(err)
						}
						diagnostics(b, c, uri, v)
					}
					// CPU time tells more than wall time on a machine
					// shared with other work.
					b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/edit")
				})
			}
		}
	}
}

// parsers are the two ways of analyzing an edited text: reusing what the
// edit did not touch, and from scratch (the baseline).
var parsers = []struct {
	name   string
	parser func() *dsl.Parser
}{
	{"incremental", dsl.NewEditorParser},
	{"scratch", dsl.NewParser},
}

func swapParser(p func() *dsl.Parser) func() {
	old := newParser
	newParser = p
	return func() { newParser = old }
}

// BenchmarkLspCompletion measures completion after "stage." in the last
// stage of a large workflow, the worst place for reading the context.
func BenchmarkLspCompletion(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("stages=%d", n), func(b *testing.B) {
			src := genWorkflow(b, n)
			dir := b.TempDir()
			c := start(b, dir)
			path := filepath.Join(dir, "w.hcl")
			uri := pathURI(path)
			open(b, c, path, src)
			line, col := memoryDigit(src, n-1)
			// `  memory  = "64MiB"`: after the quote, which offers units.
			at := map[string]any{"textDocument": map[string]any{"uri": uri}, "position": Position{Line: line, Character: col + 2}}
			b.ResetTimer()
			for range b.N {
				var list CompletionList
				if err := c.Call("textDocument/completion", at, &list); err != nil {
					b.Fatal(err)
				}
				if len(list.Items) == 0 {
					b.Fatal("no completion")
				}
			}
		})
	}
}

// BenchmarkLspMemory makes 10,000 edits to the etl example, each waited
// for, and reports the live heap after the first 1,000 and after all.
//
//	go test ./lsp -run '^$' -bench LspMemory -benchtime 1x
func BenchmarkLspMemory(b *testing.B) {
	src, err := os.ReadFile("../workflows/etl/etl.hcl")
	if err != nil {
		b.Skip(err)
	}
	for range b.N {
		dir := b.TempDir()
		c := start(b, dir)
		path := filepath.Join(dir, "etl.hcl")
		uri := pathURI(path)
		open(b, c, path, string(src))
		line := strings.Count(string(src[:strings.Index(string(src), "default     = 200000")]), "\n")
		heap := func() float64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return float64(m.HeapAlloc) / (1 << 20)
		}
		var at1000 float64
		start := time.Now()
		for i := range 10000 {
			v := int32(i + 2)
			if err := c.Change(uri, v, line, 16, line, 17, fmt.Sprint(i%9+1)); err != nil {
				b.Fatal(err)
			}
			diagnostics(b, c, uri, v)
			if i == 999 {
				at1000 = heap()
			}
		}
		b.ReportMetric(at1000, "MiB-heap@1000")
		b.ReportMetric(heap(), "MiB-heap@10000")
		b.ReportMetric(float64(time.Since(start).Microseconds())/10000, "µs/edit")
	}
}

// memoryDigit returns the position of the first digit of the memory cap of
// stage s<k> in a generated workflow.
func memoryDigit(src string, k int) (int, int) {
	i := strings.Index(src, fmt.Sprintf("stage \"s%d\" {", k))
	j := i + strings.Index(src[i:], `memory  = "`) + len(`memory  = "`)
	line := strings.Count(src[:j], "\n")
	return line, j - (strings.LastIndex(src[:j], "\n") + 1)
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
