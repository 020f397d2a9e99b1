package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
)

// gate is a reader of --json that can stop reading: Write blocks while it
// is shut, as a full pipe does.
type gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	shut bool
	buf  bytes.Buffer
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) set(shut bool) {
	g.mu.Lock()
	g.shut = shut
	g.mu.Unlock()
	g.cond.Broadcast()
}

func (g *gate) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.shut {
		g.cond.Wait()
	}
	return g.buf.Write(b)
}

// --json never makes the engine wait and never holds more than
// jsonQueueMax events in memory, however long its reader stops reading,
// and it writes every event, in order, as the store's JSON.
func TestJSONViewSpillsInOrder(t *testing.T) {
	type phase struct {
		events int
		shut   bool // the reader stops reading before these events
	}
	for _, tc := range []struct {
		name   string
		phases []phase
		noTemp bool // no spill file can be made: memory holds the backlog
	}{
		{"a reader that keeps up", []phase{{3 * jsonQueueMax, false}}, false},
		{"a reader stopped for a long run", []phase{{5 * jsonQueueMax, true}}, false},
		{"stopped, caught up, stopped again", []phase{{3 * jsonQueueMax, true}, {100, false}, {4 * jsonQueueMax, true}, {10, false}}, false},
		{"no room for a spill file", []phase{{2 * jsonQueueMax, true}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.noTemp {
				t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
			}
			g := newGate()
			v := newJSONView(g)
			seq := uint64(0)
			for _, ph := range tc.phases {
				g.set(ph.shut)
				for range ph.events {
					seq++
					v.Record(event.Event{Seq: seq, Kind: event.TaskChanged, Task: "t[1]", State: event.Running}) // would hang here if it waited
					v.mu.Lock()
					queued := len(v.queue)
					v.mu.Unlock()
					if queued > jsonQueueMax && !tc.noTemp {
						t.Fatalf("%d events queued in memory, want at most %d", queued, jsonQueueMax)
					}
				}
				g.set(false)
				// Wait until the reader has caught up, so that the next
				// phase spills into a file that starts over.
				deadline := time.Now().Add(time.Minute)
				for !v.idle() {
					if time.Now().After(deadline) {
						t.Fatal("the writer did not catch up within a minute")
					}
					time.Sleep(time.Millisecond)
				}
			}
			v.Close()
			v.Record(event.Event{Seq: seq + 1}) // after Close: dropped, no panic
			sc := bufio.NewScanner(&g.buf)
			n := uint64(0)
			for sc.Scan() {
				n++
				var e struct { // what tells order and damage, cheap to decode
					Seq  uint64 `json:"seq"`
					Task string `json:"task"`
				}
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("line %d: %v: %q", n, err, sc.Text())
				}
				if e.Seq != n || e.Task != "t[1]" {
					t.Fatalf("line %d is event %d of task %q: out of order or damaged", n, e.Seq, e.Task)
				}
			}
			if n != seq {
				t.Fatalf("%d events written, want %d", n, seq)
			}
		})
	}
}

// idle reports whether nothing is queued or spilled.
func (v *jsonView) idle() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.queue) == 0 && v.spilled == 0
}
