package ui

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sync"

	"github.com/weirflow/weir/event"
)

// parallelLines is how many lines make decoding on every core worth its
// goroutines: a run's first read (300,000 events for 100,000 tasks) took
// 3 s on one core.
const parallelLines = 4096

// decodeLines decodes lines of events.jsonl; a line that is not an event
// (blank, torn, no Seq) is nil.
func decodeLines(lines [][]byte) []*event.Event {
	out := make([]*event.Event, len(lines))
	decode := func(lo, hi int) {
		evs := make([]event.Event, hi-lo)
		for i := lo; i < hi; i++ {
			line := bytes.TrimSpace(lines[i])
			e := &evs[i-lo]
			if len(line) > 0 && json.Unmarshal(line, e) == nil && e.Seq != 0 {
				out[i] = e
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(lines) < parallelLines || workers == 1 {
		decode(0, len(lines))
		return out
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(lines)/workers, (w+1)*len(lines)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			decode(lo, hi)
		}()
	}
	wg.Wait()
	return out
}
