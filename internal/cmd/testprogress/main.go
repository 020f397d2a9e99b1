// Command testprogress turns `go test -json` into a line per package as it
// finishes, with its time, the whole output of what failed, and the
// slowest packages at the end, so that a suite of many minutes is never
// silent and a failure is read without scrolling through passes:
//
//	go test -json ./... | go run ./internal/cmd/testprogress
//
// It exits 1 when a package failed or did not build.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// event is the part of test2json's output read here.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

type pkg struct {
	name    string
	elapsed time.Duration
	output  strings.Builder
}

func main() {
	os.Exit(run(os.Stdin, os.Stdout))
}

func run(in io.Reader, out io.Writer) int {
	start := time.Now()
	pkgs := map[string]*pkg{}
	builds := map[string]*strings.Builder{}
	var done []*pkg
	failed := 0
	of := func(name string) *pkg {
		p := pkgs[name]
		if p == nil {
			p = &pkg{name: name}
			pkgs[name] = p
		}
		return p
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Fprintln(out, sc.Text()) // not JSON: go's own message
			continue
		}
		switch e.Action {
		case "build-output":
			b := builds[e.ImportPath]
			if b == nil {
				b = &strings.Builder{}
				builds[e.ImportPath] = b
			}
			b.WriteString(e.Output)
		case "build-fail":
			failed++
			fmt.Fprintf(out, "FAIL  %s [build failed]\n%s", e.ImportPath, builds[e.ImportPath])
		case "output":
			of(e.Package).output.WriteString(e.Output)
		case "pass", "fail", "skip":
			if e.Test != "" {
				continue
			}
			p := of(e.Package)
			p.elapsed = time.Duration(e.Elapsed * float64(time.Second))
			switch {
			case e.Action == "fail":
				failed++
				fmt.Fprintf(out, "FAIL  %s (%s)\n%s", p.name, p.elapsed.Round(time.Millisecond*100), p.output.String())
			case strings.Contains(p.output.String(), "[no test files]"):
				continue
			default:
				fmt.Fprintf(out, "ok    %-60s %6.1fs  (%s in all)\n", p.name, p.elapsed.Seconds(), time.Since(start).Round(time.Second))
			}
			done = append(done, p)
		}
	}
	slices.SortFunc(done, func(a, b *pkg) int { return int(b.elapsed - a.elapsed) })
	fmt.Fprintf(out, "== %d packages in %s; the slowest:\n", len(done), time.Since(start).Round(time.Second))
	for _, p := range done[:min(5, len(done))] {
		fmt.Fprintf(out, "      %-60s %6.1fs\n", p.name, p.elapsed.Seconds())
	}
	if failed > 0 {
		fmt.Fprintf(out, "== %d failed\n", failed)
		return 1
	}
	return 0
}
