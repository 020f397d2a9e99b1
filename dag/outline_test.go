package dag

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// TestOutline: stages of more than wide tasks become groups, and the edges
// to and from their tasks end at the group, once per pair, with every
// segment they carry.
func TestOutline(t *testing.T) {
	report := TaskID("report", `my "q" \ key`, true)
	odd := TaskID("stats", `<b>&#quot;`+"`x`", true)
	cases := []struct {
		wide       int
		wantTasks  []string
		wantGroups map[string]int
		wantEdges  map[[2]string][]string
	}{{
		wide:      100,
		wantTasks: []string{"gen", "clean[a]", "clean[b]", "stats[p99]", odd, report, "notify"},
	}, {
		wide:       1,
		wantTasks:  []string{report, "notify", "gen"},
		wantGroups: map[string]int{"clean": 2, "stats": 2},
		wantEdges: map[[2]string][]string{
			{"gen", "stage:clean"}:         {"raw"},
			{"stage:clean", "stage:stats"}: {"table"},
			{"stage:stats", report}:        {"summary"},
			{"gen", report}:                {"raw"},
			{report, "notify"}:             {},
		},
	}}
	for _, c := range cases {
		p := fixturePlan(t)
		var b bytes.Buffer
		if err := WriteOutlineJSON(&b, p, c.wide); err != nil {
			t.Fatal(err)
		}
		var o Outline
		if err := json.Unmarshal(b.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range o.Tasks {
			ids = append(ids, x.ID)
		}
		slices.Sort(ids)
		want := slices.Sorted(slices.Values(c.wantTasks))
		if !slices.Equal(ids, want) {
			t.Errorf("wide %d: tasks %q, want %q", c.wide, ids, want)
		}
		if o.All != len(p.Tasks) || o.Wide != c.wide {
			t.Errorf("wide %d: all %d wide %d, want %d %d", c.wide, o.All, o.Wide, len(p.Tasks), c.wide)
		}
		groups := map[string]int{}
		for _, g := range o.Groups {
			groups[g.Stage] = g.Tasks
		}
		if len(groups) != len(c.wantGroups) {
			t.Errorf("wide %d: groups %v, want %v", c.wide, groups, c.wantGroups)
		}
		for s, n := range c.wantGroups {
			if groups[s] != n {
				t.Errorf("wide %d: group %s has %d tasks, want %d", c.wide, s, groups[s], n)
			}
		}
		if c.wantEdges == nil {
			continue
		}
		got := map[[2]string][]string{}
		for _, e := range o.Edges {
			k := [2]string{e.From, e.To}
			if _, dup := got[k]; dup {
				t.Errorf("edge %v twice", k)
			}
			got[k] = e.Segments
		}
		for k, segs := range c.wantEdges {
			if g, ok := got[k]; !ok || !slices.Equal(g, segs) {
				t.Errorf("edge %v: segments %v (present %v), want %v", k, g, ok, segs)
			}
		}
		if len(got) != len(c.wantEdges) {
			t.Errorf("edges %v, want %v", got, c.wantEdges)
		}
	}
}
