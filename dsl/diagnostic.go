package dsl

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"
)

// WriteDiagnostics prints diags in HCL's text form, sorted by position, with
// the column in the location line and a caret under the offending range, so
// a message reads the same in a terminal, a CI log and a golden file:
//
//	Error: Reference to undeclared stage
//
//	  on etl.hcl line 9, column 21, in stage "clean":
//	   9:   command = ["cat", stage.extrat.output.table]
//	                          ^^^^^^^^^^^^
//
//	No stage "extrat" is declared. Did you mean "extract"?
func (p *Parser) WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, width int, color bool) error {
	if width <= 0 {
		width = 100
	}
	sorted := append(hcl.Diagnostics(nil), diags...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].Subject, sorted[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
	bw := bufio.NewWriter(w)
	for _, d := range sorted {
		p.writeDiagnostic(bw, d, uint(width), color)
	}
	return bw.Flush()
}

func (p *Parser) writeDiagnostic(w *bufio.Writer, d *hcl.Diagnostic, width uint, color bool) {
	severity, on, off, mark := "Error", "", "", ""
	if d.Severity == hcl.DiagWarning {
		severity = "Warning"
	}
	if color {
		on, off, mark = "\x1b[1;31m", "\x1b[0m", "\x1b[1;31m"
		if d.Severity == hcl.DiagWarning {
			on, mark = "\x1b[1;33m", "\x1b[1;33m"
		}
	}
	fmt.Fprintf(w, "%s%s:%s %s\n\n", on, severity, off, d.Summary)
	if d.Subject != nil {
		p.writeSnippet(w, d.Subject, mark, off)
	}
	if d.Detail != "" {
		w.WriteString(wordwrap.WrapString(d.Detail, width))
		w.WriteString("\n\n")
	}
}

// writeSnippet prints the location, the subject's first line and a caret
// line under the subject's columns on it.
func (p *Parser) writeSnippet(w *bufio.Writer, rng *hcl.Range, mark, off string) {
	file := p.p.Files()[rng.Filename]
	context := ""
	if file != nil {
		if nav, ok := file.Nav.(interface{ ContextString(int) string }); ok {
			if c := nav.ContextString(rng.Start.Byte); c != "" {
				context = ", in " + c
			}
		}
	}
	fmt.Fprintf(w, "  on %s line %d, column %d%s:\n", rng.Filename, rng.Start.Line, rng.Start.Column, context)
	if file == nil || file.Bytes == nil {
		w.WriteString("  (source not available)\n\n")
		return
	}
	line := sourceLine(file.Bytes, rng.Start.Line)
	start := min(max(rng.Start.Column-1, 0), len(line))
	end := len(line)
	if rng.End.Line == rng.Start.Line {
		end = min(max(rng.End.Column-1, start+1), len(line))
	}
	if end <= start {
		end = start + 1 // an empty range still gets one caret
	}
	prefix := fmt.Sprintf("%4d: ", rng.Start.Line)
	fmt.Fprintf(w, "%s%s\n", prefix, line)
	pad := strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		return ' '
	}, prefix+line[:start])
	fmt.Fprintf(w, "%s%s%s%s\n\n", pad, mark, strings.Repeat("^", max(1, runeCount(line, start, end))), off)
}

func sourceLine(src []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r")
}

// runeCount is the width of line[start:end] in characters; HCL columns count
// characters, lines are bytes.
func runeCount(line string, start, end int) int {
	if end > len(line) {
		end = len(line)
	}
	return len([]rune(line[start:end]))
}
