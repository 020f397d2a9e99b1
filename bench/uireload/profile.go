package main

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/chromedp/cdproto/profiler"
)

type profile struct{ *profiler.Profile }

// top lists the n functions with the most self time, in ms, by sample.
func (p profile) top(n int) string {
	frames := map[int64]string{}
	for _, x := range p.Nodes {
		f := x.CallFrame
		name := f.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		if f.URL != "" {
			name += fmt.Sprintf(" %s:%d:%d", path.Base(f.URL), f.LineNumber+1, f.ColumnNumber+1)
		}
		frames[x.ID] = name
	}
	self := map[string]float64{}
	for i, id := range p.Samples {
		if i+1 < len(p.TimeDeltas) {
			self[frames[id]] += float64(p.TimeDeltas[i+1]) / 1000
		}
	}
	type row struct {
		name string
		ms   float64
	}
	var rows []row
	var total float64
	for k, v := range self {
		rows = append(rows, row{k, v})
		total += v
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(b.ms, a.ms) })
	var b strings.Builder
	fmt.Fprintf(&b, "  %8.1f  (all samples)\n", total)
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Fprintf(&b, "  %8.1f  %s\n", r.ms, r.name)
	}
	return b.String()
}
