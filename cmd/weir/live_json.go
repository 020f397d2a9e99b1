package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/weirflow/weir/event"
)

// jsonQueueMax is how many events --json holds in memory for a reader that
// has fallen behind; later ones wait in a spill file until it catches up.
// At about 200 bytes an event that is under a MiB.
const jsonQueueMax = 4096

// jsonView is --json: every event of the run as a line of JSON, in order,
// without making the engine wait for the reader and without holding a slow
// reader's backlog in memory. Record queues an event; past jsonQueueMax
// queued, it encodes the event into an unlinked temporary file instead, and
// every later event goes there too until the writer has copied the file
// out, so the order holds. The writer goroutine buffers its writes: one
// write call per batch, not per event.
type jsonView struct {
	out *bufio.Writer

	mu      sync.Mutex
	queue   []event.Event
	spill   *os.File      // nil until first needed
	noSpill bool          // no file could be made: the queue takes all
	spillW  *bufio.Writer // encodes into spill
	spilled int64         // bytes written to spill, buffered ones included
	copied  int64         // bytes of spill already written out
	wake    chan struct{} // holds one token while there is news
	closed  bool
	drained chan struct{}
	once    sync.Once
}

func newJSONView(w io.Writer) *jsonView {
	v := &jsonView{out: bufio.NewWriterSize(w, 64<<10), wake: make(chan struct{}, 1), drained: make(chan struct{})}
	go v.write()
	return v
}

// Record implements event.Journal; it never waits for the reader.
func (v *jsonView) Record(e event.Event) error {
	v.mu.Lock()
	if !v.closed {
		if v.spilled > v.copied || len(v.queue) >= jsonQueueMax {
			v.toSpill(e)
		} else {
			v.queue = append(v.queue, e)
		}
	}
	v.mu.Unlock()
	select {
	case v.wake <- struct{}{}:
	default:
	}
	return nil
}

// toSpill writes e to the spill file; v.mu is held. Without a file (no
// room for one in the temporary directory) the event stays in memory: a
// backlog in memory is better than a lost event.
func (v *jsonView) toSpill(e event.Event) {
	if v.spill == nil {
		var f *os.File
		err := errors.ErrUnsupported
		if !v.noSpill {
			f, err = os.CreateTemp("", "weir-json-")
		}
		if err != nil {
			v.noSpill = true // tried once: not again for every event
			v.queue = append(v.queue, e)
			return
		}
		os.Remove(f.Name()) // gone with the process, whatever happens
		v.spill, v.spillW = f, bufio.NewWriterSize(f, 64<<10)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return // an event is plain data: this does not happen
	}
	line = append(line, '\n')
	v.spillW.Write(line)
	v.spilled += int64(len(line))
}

func (v *jsonView) write() {
	defer close(v.drained)
	enc := json.NewEncoder(v.out)
	var batch []event.Event
	for range v.wake {
		for {
			v.mu.Lock()
			batch, v.queue = v.queue, batch[:0]
			from, to := v.copied, v.spilled
			if len(batch) == 0 && to > from {
				v.spillW.Flush()
			}
			closed := v.closed
			v.mu.Unlock()
			switch {
			case len(batch) > 0:
				// The queue is older than anything spilled.
				for _, e := range batch {
					enc.Encode(e) // a closed pipe must not stop the run
				}
				clear(batch) // let the events' results go
			case to > from:
				io.Copy(v.out, io.NewSectionReader(v.spill, from, to-from))
				v.mu.Lock()
				v.copied = to
				if v.copied == v.spilled {
					// Caught up: the file starts over, and events go to
					// the queue again.
					v.spill.Truncate(0)
					v.spill.Seek(0, io.SeekStart)
					v.copied, v.spilled = 0, 0
				}
				v.mu.Unlock()
			default:
				v.out.Flush()
				if closed {
					if v.spill != nil {
						v.spill.Close()
					}
					return
				}
			}
			if len(batch) == 0 && to == from {
				break
			}
		}
	}
}

// Close writes every event recorded and stops the writer.
func (v *jsonView) Close() {
	v.once.Do(func() {
		v.mu.Lock()
		v.closed = true
		v.mu.Unlock()
		select {
		case v.wake <- struct{}{}:
		default:
		}
		<-v.drained
	})
}
