package ui

import (
	"bytes"
	"cmp"
	"maps"
	"slices"
	"sync"

	"github.com/weirflow/weir/event"
)

// rankCache keeps each column's ranks once computed: a sort by key or
// peak over a million tasks is a comparison sort once, then a counting
// sort of the filtered tasks by rank at every query.
type rankCache struct {
	mu sync.Mutex
	m  map[string][]int32
}

// ranks is each task's dense rank by column key (ties share one), nil for
// a key the table does not sort by.
func (t *taskTable) rankOf(key string) []int32 {
	if key == "took" && t.open() {
		// Times that run on are taken at one instant, as tookOf's are.
		now := tookNow()
		return t.rankBy(nil, func(i int) int64 { return t.took(i, now) })
	}
	t.ranks.mu.Lock()
	defer t.ranks.mu.Unlock()
	if r, ok := t.ranks.m[key]; ok {
		return r
	}
	var r []int32
	switch key {
	case "stage":
		r = t.byName(t.stages, func(i int) int { return int(t.stage[i]) })
	case "pool":
		r = t.byName(t.pools, func(i int) int { return int(t.pool[i]) })
	case "reason":
		r = t.byName(t.texts, func(i int) int { return int(t.reason[i]) })
	case "state":
		r = t.small(func(i int) int32 { return int32(rankOf(t.states[t.state[i]])) })
	case "tries":
		r = t.small(func(i int) int32 { return int32(t.tries[i]) })
	case "key":
		key := func(i int) []byte { return t.keys[t.from(t.keyEnd, i):t.keyEnd[i]] }
		r = t.rankBy(func(a, b int) int { return bytes.Compare(key(a), key(b)) }, nil)
	case "took":
		r = t.rankBy(nil, func(i int) int64 { return t.took(i, 0) })
	case "peak":
		r = t.rankBy(nil, func(i int) int64 { return t.peak[i] })
	default:
		return nil
	}
	if t.ranks.m == nil {
		t.ranks.m = map[string][]int32{}
	}
	t.ranks.m[key] = r
	return r
}

// small is a rank that is the value itself.
func (t *taskTable) small(v func(i int) int32) []int32 {
	r := make([]int32, t.n)
	for i := range r {
		r[i] = v(i)
	}
	return r
}

// byName ranks tasks by a name of a small table (stages, pools, reasons).
func (t *taskTable) byName(names []string, of func(i int) int) []int32 {
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(names[a], names[b]) })
	rank := make([]int32, len(names))
	for k, j := range order {
		rank[j] = int32(k)
		if k > 0 && names[order[k-1]] == names[j] {
			rank[j] = rank[order[k-1]]
		}
	}
	return t.small(func(i int) int32 { return rank[of(i)] })
}

// rankBy sorts the tasks once by compare, or by value when compare is nil,
// and gives each its dense rank.
func (t *taskTable) rankBy(compare func(a, b int) int, value func(i int) int64) []int32 {
	idx := make([]int32, t.n)
	for i := range idx {
		idx[i] = int32(i)
	}
	var vals []int64
	if value != nil {
		vals = make([]int64, t.n)
		for i := range vals {
			vals[i] = value(i)
		}
		compare = func(a, b int) int { return cmp.Compare(vals[a], vals[b]) }
	}
	slices.SortFunc(idx, func(a, b int32) int { return compare(int(a), int(b)) })
	r := make([]int32, t.n)
	for k := 1; k < len(idx); k++ {
		r[idx[k]] = r[idx[k-1]]
		if compare(int(idx[k-1]), int(idx[k])) != 0 {
			r[idx[k]]++
		}
	}
	return r
}

// byRank orders pick by rank, stably (ties keep pick's order), descending
// when dir is -1: a counting sort, linear in the tasks and the ranks.
func byRank(pick []int32, rank []int32, dir int) []int32 {
	top := int32(0)
	for _, i := range pick {
		top = max(top, rank[i])
	}
	at := func(i int32) int32 {
		if dir < 0 {
			return top - rank[i]
		}
		return rank[i]
	}
	pos := make([]int32, top+2)
	for _, i := range pick {
		pos[at(i)+1]++
	}
	for k := 1; k < len(pos); k++ {
		pos[k] += pos[k-1]
	}
	out := make([]int32, len(pick))
	for _, i := range pick {
		k := at(i)
		out[pos[k]] = i
		pos[k]++
	}
	return out
}

// query filters and orders the tasks as rows() does with every view in
// hand: the tasks that pass, in the table's order.
func (t *taskTable) query(q rowQuery) []int32 {
	state, stage := -1, -1
	if q.state != "" {
		if state = slices.Index(t.states, event.TaskState(q.state)); state < 0 {
			return nil
		}
	}
	if q.stage != "" {
		if stage = slices.Index(t.stages, q.stage); stage < 0 {
			return nil
		}
	}
	var textHit []bool
	needle := []byte(q.q)
	if q.q != "" {
		textHit = make([]bool, len(t.texts))
		for k, s := range t.texts {
			textHit[k] = containsFold(s, q.q)
		}
	}
	pick := make([]int32, 0, t.n)
	for i := range t.n {
		if state >= 0 && int(t.state[i]) != state || stage >= 0 && int(t.stage[i]) != stage {
			continue
		}
		if textHit != nil && !textHit[t.reason[i]] && !bytes.Contains(t.lowerID(i), needle) {
			continue
		}
		pick = append(pick, int32(i))
	}
	if r := t.rankOf(q.sort); r != nil {
		return byRank(pick, r, q.dir)
	}
	if t.failed {
		return byRank(pick, t.rankOf("state"), 1)
	}
	return pick
}

// find is task id's place in the declaration order, -1 if none.
func (t *taskTable) find(id string) int {
	want := []byte(id)
	for i := range t.n {
		if bytes.Equal(t.ids[t.from(t.idEnd, i):t.idEnd[i]], want) {
			return i
		}
	}
	return -1
}

// frame is an answer to q without its rows: what rows() puts around them.
func (t *taskTable) frame(q rowQuery, pick []int32) *Rows {
	out := &Rows{Total: len(pick), All: t.n, Counts: maps.Clone(t.counts), Stages: slices.Clone(t.stages),
		Offset: q.offset, Index: -1, Rows: []Row{}}
	if q.find != "" {
		if j := t.find(q.find); j >= 0 {
			out.Index = slices.Index(pick, int32(j))
		}
	}
	return out
}
