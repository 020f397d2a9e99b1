package ui

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// maxRows bounds one page of the task table.
const maxRows = 1000

// rank puts failures first, as the page's table does in a failed run.
var rank = map[event.TaskState]int{
	event.TaskFailed: 0, "lost": 0, event.Running: 1, event.Ready: 2, event.TaskCancelled: 3,
	event.Skipped: 4, event.Pending: 5, event.Reused: 6, event.TaskSucceeded: 7,
}

// Row is a task in the table: its place in the graph and where it is.
type Row struct {
	Task  LiteTask `json:"t"`
	Order int      `json:"order"` // declaration order
	View  TaskView `json:"v"`
}

// Rows is one page of the table as filtered and sorted, with what the
// table's menus show.
type Rows struct {
	Total  int                     `json:"total"` // rows that pass the filter
	All    int                     `json:"all"`
	Counts map[event.TaskState]int `json:"counts"` // every task, by state
	Stages []string                `json:"stages"`
	Offset int                     `json:"offset"`
	Rows   []Row                   `json:"rows"`
	Index  int                     `json:"index"` // where ?find=ID is in the order, -1 if filtered out
}

// rowQuery is a table request: filters, order and the page.
type rowQuery struct {
	state, stage, q, sort, find string
	dir, offset, limit          int
}

func parseRowQuery(r *http.Request) (rowQuery, bool) {
	v := r.URL.Query()
	q := rowQuery{state: v.Get("state"), stage: v.Get("stage"), q: strings.ToLower(strings.TrimSpace(v.Get("q"))),
		sort: v.Get("sort"), find: v.Get("find"), dir: 1}
	var err1, err2, err3 error
	var d, o, l int64
	d, err1 = intParam(v.Get("dir"), 1)
	o, err2 = intParam(v.Get("offset"), 0)
	l, err3 = intParam(v.Get("limit"), 200)
	if err1 != nil || err2 != nil || err3 != nil || o < 0 || l < 0 {
		return q, false
	}
	if d < 0 {
		q.dir = -1
	}
	q.offset, q.limit = int(o), min(int(l), maxRows)
	return q, true
}

// reasonText is how the table words an attempt's end (format.js reason).
func reasonText(v *TaskView) string {
	if len(v.Attempts) == 0 {
		return v.Message
	}
	a := v.Attempts[len(v.Attempts)-1]
	switch {
	case a.Result != nil:
		return a.Result.String()
	case !a.Start.IsZero():
		return "running"
	}
	return ""
}

// tookOf is the last attempt's run time, -1 when unknown.
func tookOf(v *TaskView, now time.Time) time.Duration {
	if len(v.Attempts) == 0 {
		return -1
	}
	a := v.Attempts[len(v.Attempts)-1]
	start, end := a.Start, now
	if a.Result != nil {
		if !a.Result.Start.IsZero() {
			start = a.Result.Start
		}
		if !a.Result.End.IsZero() {
			end = a.Result.End
		}
	}
	if start.IsZero() {
		return -1
	}
	return end.Sub(start)
}

func peakOf(v *TaskView) int64 {
	var p int64
	for _, a := range v.Attempts {
		if a.Result != nil {
			p = max(p, a.Result.PeakMemory)
		}
	}
	return p
}

// rows filters, sorts and pages the run's tasks, as the page's table
// would with every row in hand.
func (h *hub) rows(q rowQuery) (*Rows, error) {
	g, err := h.liteDoc()
	if err != nil {
		return nil, err
	}
	if err := h.refresh(); err != nil {
		return nil, err
	}
	// Under the lock throughout: the model's tasks change as events come.
	h.mu.Lock()
	defer h.mu.Unlock()
	pending := &TaskView{State: event.Pending}
	views := make([]*TaskView, len(g.Tasks))
	for i, t := range g.Tasks {
		if views[i] = h.model.tasks[t.ID]; views[i] == nil {
			views[i] = pending
		}
	}
	failedRun := h.model.run.State == string(store.RunFailed)

	out := &Rows{All: len(g.Tasks), Counts: map[event.TaskState]int{}, Stages: g.stages, Index: -1}
	var pick []int
	for i, t := range g.Tasks {
		v := views[i]
		out.Counts[v.State]++
		if q.state != "" && string(v.State) != q.state || q.stage != "" && t.Stage != q.stage {
			continue
		}
		if q.q != "" && !containsFold(t.ID, q.q) && !containsFold(reasonText(v), q.q) {
			continue
		}
		pick = append(pick, i)
	}
	if by := sortKey(q.sort, g, views, pick); by != nil {
		slices.SortStableFunc(pick, func(a, b int) int { return q.dir * by(a, b) })
	} else if failedRun {
		slices.SortStableFunc(pick, func(a, b int) int { return cmp.Compare(rankOf(views[a].State), rankOf(views[b].State)) })
	}
	out.Total, out.Offset = len(pick), q.offset
	if q.find != "" {
		if j, ok := g.index[q.find]; ok {
			out.Index = slices.Index(pick, j)
		}
	}
	for _, i := range pick[min(q.offset, len(pick)):min(q.offset+q.limit, len(pick))] {
		out.Rows = append(out.Rows, Row{Task: g.Tasks[i], Order: i, View: rowView(views[i])})
	}
	if out.Rows == nil {
		out.Rows = []Row{}
	}
	return out, nil
}

// rowView is a copy of v as a row carries it: without outputs and memory
// samples, which the panel fetches.
func rowView(v *TaskView) TaskView {
	c := *v
	c.Outputs = nil
	c.Attempts = slices.Clone(v.Attempts)
	for k := range c.Attempts {
		if r := c.Attempts[k].Result; r != nil && len(r.Samples) > 0 {
			x := *r
			x.Samples = nil
			c.Attempts[k].Result = &x
		}
	}
	return c
}

// containsFold says whether s contains lower, a lower-case text.
func containsFold(s, lower string) bool { return strings.Contains(strings.ToLower(s), lower) }

func rankOf(s event.TaskState) int {
	if r, ok := rank[s]; ok {
		return r
	}
	return 9
}

// sortKey compares two tasks by a column of the table; nil keeps the
// declaration order. A column computed from a view (a reason is formatted,
// a time subtracted) is computed once for each task of pick, not at each
// of a sort's comparisons: a million tasks sorted by reason formatted
// twenty million strings.
func sortKey(key string, g *liteGraph, views []*TaskView, pick []int) func(a, b int) int {
	now := time.Now()
	each := func(f func(v *TaskView) int64) []int64 {
		out := make([]int64, len(views))
		for _, i := range pick {
			out[i] = f(views[i])
		}
		return out
	}
	byValue := func(vals []int64) func(a, b int) int {
		return func(a, b int) int { return cmp.Compare(vals[a], vals[b]) }
	}
	switch key {
	case "stage":
		return func(a, b int) int { return cmp.Compare(g.Tasks[a].Stage, g.Tasks[b].Stage) }
	case "key":
		return func(a, b int) int { return cmp.Compare(g.Tasks[a].Key, g.Tasks[b].Key) }
	case "state":
		return byValue(each(func(v *TaskView) int64 { return int64(rankOf(v.State)) }))
	case "tries":
		return byValue(each(func(v *TaskView) int64 { return int64(len(v.Attempts)) }))
	case "reason":
		texts := make([]string, len(views))
		for _, i := range pick {
			texts[i] = reasonText(views[i])
		}
		return func(a, b int) int { return cmp.Compare(texts[a], texts[b]) }
	case "took":
		return byValue(each(func(v *TaskView) int64 { return int64(tookOf(v, now)) }))
	case "peak":
		return byValue(each(peakOf))
	case "pool":
		return func(a, b int) int { return cmp.Compare(g.Tasks[a].Pool, g.Tasks[b].Pool) }
	}
	return nil
}

// apiTasks answers a page of the task table: ?state, ?stage and ?q
// filter, ?sort (a column) and ?dir (1 or -1) order, ?offset and ?limit
// page, ?find says where a task falls.
func (s *Server) apiTasks(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	q, ok := parseRowQuery(r)
	if !ok {
		http.Error(w, "dir, offset and limit must be integers, offset and limit not negative", http.StatusBadRequest)
		return
	}
	if qr := h.quick(); qr != nil {
		out, err := h.finishedRows(qr, q)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, out)
		return
	}
	out, err := h.rows(q)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, out)
}

// finishedRows answers a table request of a finished run: from its task
// table once built; else from the outline and summary, or graph.json's ids
// and the page's events, where they suffice (a scroll past the failures
// then builds the table in the background); else from the table, built
// first.
func (h *hub) finishedRows(qr *quickRun, q rowQuery) (*Rows, error) {
	if t := qr.builtTable(); t != nil {
		return h.tableRows(t, q)
	}
	if out := qr.rows(q); out != nil {
		return out, nil
	}
	out, err := h.quickPage(qr, q)
	if err != nil || out != nil {
		if out != nil {
			h.table(qr, false)
		}
		return out, err
	}
	t, err := h.table(qr, true)
	if err != nil {
		return nil, err
	}
	return h.tableRows(t, q)
}
