package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/weirflow/weir/event"
)

func TestOverviewSummarizesWideStages(t *testing.T) {
	dir := t.TempDir()
	wideRun(t, dir, "r1", 30, 7, 21)
	_, hs := startServer(t, Options{StateDir: dir, WideStage: 20})
	for _, tc := range []struct {
		name    string
		wide    string
		tasks   int
		groups  int
		edges   int
		counts  map[event.TaskState]int
		retried int
	}{
		{name: "wide stage summarized", tasks: 1, groups: 1, edges: 1,
			counts: map[event.TaskState]int{event.TaskCancelled: 28, event.TaskFailed: 2}, retried: 2},
		{name: "narrow under a higher limit", wide: "100", tasks: 31, groups: 0, edges: 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o Overview
			u := hs.URL + "/api/runs/r1/overview"
			if tc.wide != "" {
				u += "?wide=" + tc.wide
			}
			getJSON(t, u, &o)
			if len(o.Tasks) != tc.tasks || len(o.Groups) != tc.groups || len(o.Edges) != tc.edges || o.All != 31 {
				t.Fatalf("overview has %d tasks, %d groups, %d edges, all %d; want %d, %d, %d, 31", len(o.Tasks), len(o.Groups), len(o.Edges), o.All, tc.tasks, tc.groups, tc.edges)
			}
			if tc.groups == 0 {
				return
			}
			g := o.Groups[0]
			if g.Stage != "noop" || g.Tasks != 30 || fmt.Sprint(g.Counts) != fmt.Sprint(tc.counts) || g.Retried != tc.retried {
				t.Errorf("group %+v, want noop of 30 with %v and %d retried", g, tc.counts, tc.retried)
			}
			if e := o.Edges[0]; e.From != "prep" || e.To != "stage:noop" {
				t.Errorf("edge %s -> %s, want prep -> stage:noop", e.From, e.To)
			}
		})
	}
}

func TestTasksPageFilteredOnServer(t *testing.T) {
	dir := t.TempDir()
	wideRun(t, dir, "r1", 30, 7, 21)
	_, hs := startServer(t, Options{StateDir: dir})
	for _, tc := range []struct {
		query string
		total int
		ids   []string
		index int
	}{
		// A failed run: failures first, then in declaration order.
		{query: "limit=3", total: 31, ids: []string{"noop[7]", "noop[21]", "noop[0]"}},
		{query: "state=failed", total: 2, ids: []string{"noop[7]", "noop[21]"}},
		{query: "stage=prep", total: 1, ids: []string{"prep"}},
		{query: "q=NOOP[2&limit=3", total: 11, ids: []string{"noop[21]", "noop[2]", "noop[20]"}},
		{query: "q=exit+2", total: 2, ids: []string{"noop[7]", "noop[21]"}},
		{query: "q=exit&state=cancelled", total: 0},
		{query: "sort=tries&dir=-1&limit=1", total: 31, ids: []string{"noop[7]"}},
		{query: "sort=stage&offset=29", total: 31, ids: []string{"noop[29]", "prep"}},
		{query: "state=cancelled&find=noop[3]&limit=0", total: 28, index: 3},
		{query: "state=failed&find=prep&limit=0", total: 2, index: -1},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var got Rows
			getJSON(t, hs.URL+"/api/runs/r1/tasks?"+tc.query, &got)
			var ids []string
			for _, r := range got.Rows {
				ids = append(ids, r.Task.ID)
			}
			if got.Total != tc.total || !slices.Equal(ids, tc.ids) || got.All != 31 {
				t.Errorf("%d of %d: %q; want %d: %q", got.Total, got.All, ids, tc.total, tc.ids)
			}
			if v, _ := url.ParseQuery(tc.query); v.Get("find") != "" && got.Index != tc.index {
				t.Errorf("find at %d, want %d", got.Index, tc.index)
			}
			if got.Counts[event.TaskFailed] != 2 || got.Counts[event.TaskCancelled] != 28 {
				t.Errorf("counts %v", got.Counts)
			}
		})
	}
}

// TestPartialSnapshot checks that a page on the overview gets the tasks of
// narrow stages and the failures of wide ones, and the counts of all.
func TestPartialSnapshot(t *testing.T) {
	dir := t.TempDir()
	wideRun(t, dir, "r1", 30, 7, 21)
	_, hs := startServer(t, Options{StateDir: dir})
	for _, tc := range []struct {
		query string
		tasks []string
	}{
		{query: "?overview=1&wide=20", tasks: []string{"noop[21]", "noop[7]", "prep"}},
		{query: "?overview=1&wide=100", tasks: nil}, // every task: nothing is wide
	} {
		t.Run(tc.query, func(t *testing.T) {
			ch, _, stop := openStream(t, hs.URL+"/api/runs/r1/events"+tc.query, "")
			defer stop()
			m := next(t, ch)
			var snap Snapshot
			if err := json.Unmarshal([]byte(m.data), &snap); err != nil || m.event != "snapshot" {
				t.Fatalf("first message %q: %v", m.event, err)
			}
			var ids []string
			for id := range snap.Tasks {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			if tc.tasks == nil && len(ids) != 31 || tc.tasks != nil && !slices.Equal(ids, tc.tasks) {
				t.Errorf("snapshot tasks %q, want %q (nil: all 31)", ids, tc.tasks)
			}
			if snap.Run.Counts[event.TaskCancelled] != 28 {
				t.Errorf("counts %v: the snapshot counts every task", snap.Run.Counts)
			}
		})
	}
}
