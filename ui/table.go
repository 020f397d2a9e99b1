package ui

import (
	"time"

	"github.com/weirflow/weir/event"
)

// A search, a sort or a filter of a finished run's table used to read the
// whole run into a view per task: 10.5 s of CPU at 100,000 tasks, tens of
// seconds and gigabytes at a million. taskTable is that run as columns,
// one entry a task in declaration order, built once from graph.json's task
// lines and one pass over the event log; a query filters and orders index
// arrays over it, and only the page's rows are read back as views, from
// the byte ranges of their events.

// taskTable is every task of a finished run, column by column.
type taskTable struct {
	n int

	ids    []byte   // the task ids end to end
	idEnd  []uint32 // task i's id is ids[idEnd[i-1]:idEnd[i]]
	lower  []byte   // the ids lower-cased, for a search; nil when ids are
	lowEnd []uint32
	keys   []byte // the keys end to end, as graph.json has them
	keyEnd []uint32
	keyed  []bool
	stage  []uint16 // into stages
	pool   []uint16 // into pools
	memory []int64  // the declared cap

	state  []uint8  // into states
	tries  []uint16 // attempts
	reason []uint32 // into texts: reasonText of the task's view
	start  []int64  // the last attempt's start (UnixNano), 0 unknown
	end    []int64  // and its end, 0 while it runs
	peak   []int64

	first []int64  // where the task's first event line starts in events.jsonl, -1 none
	span  []uint32 // bytes from there to the end of its last

	stages []string // in order of first appearance
	pools  []string
	states []event.TaskState
	texts  []string

	counts map[event.TaskState]int
	failed bool // the run failed: failures first by default

	ranks rankCache
}

// id is task i's id.
func (t *taskTable) id(i int) string { return string(t.ids[t.from(t.idEnd, i):t.idEnd[i]]) }

func (t *taskTable) from(ends []uint32, i int) uint32 {
	if i == 0 {
		return 0
	}
	return ends[i-1]
}

// lowerID is task i's id lower-cased, without a copy.
func (t *taskTable) lowerID(i int) []byte {
	if t.lower == nil {
		return t.ids[t.from(t.idEnd, i):t.idEnd[i]]
	}
	return t.lower[t.from(t.lowEnd, i):t.lowEnd[i]]
}

// lite is task i's row fields, as graph.json has them.
func (t *taskTable) lite(i int) LiteTask {
	return LiteTask{
		ID: t.id(i), Stage: t.stages[t.stage[i]], Key: string(t.keys[t.from(t.keyEnd, i):t.keyEnd[i]]),
		Keyed: t.keyed[i], Pool: t.pools[t.pool[i]], Memory: t.memory[i],
	}
}

// took is task i's last attempt's run time at now, -1 when unknown, as
// tookOf says of its view.
func (t *taskTable) took(i int, now int64) int64 {
	if t.start[i] == 0 {
		return -1
	}
	end := t.end[i]
	if end == 0 {
		end = now
	}
	return end - t.start[i]
}

// open says whether some task's time runs on (an attempt without an end,
// in a run that was lost): then a sort by time depends on the clock.
func (t *taskTable) open() bool {
	for i := range t.n {
		if t.start[i] != 0 && t.end[i] == 0 {
			return true
		}
	}
	return false
}

// tookNow is the clock tookOf reads.
func tookNow() int64 { return time.Now().UnixNano() }
