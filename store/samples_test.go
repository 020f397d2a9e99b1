package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// Memory samples ride on every attempt's result. What 2,000 attempts' samples
// add to the store (its database pages in use and the event log beside it)
// stays under 20 MiB, however long the attempts ran: a result keeps at most
// event.MaxSamples of them.
func TestMemorySamplesStaySmall(t *testing.T) {
	t.Parallel()
	const attempts = 2000
	without := storedBytes(t, attempts, false)
	with := storedBytes(t, attempts, true)
	added := with - without
	t.Logf("%d attempts: %.1f MiB without samples, %.1f MiB with (%.1f MiB added)",
		attempts, float64(without)/(1<<20), float64(with)/(1<<20), float64(added)/(1<<20))
	if added > 20<<20 {
		t.Errorf("the samples of %d attempts take %.1f MiB, over 20 MiB", attempts, float64(added)/(1<<20))
	}
}

// storedBytes records n successful attempts, each with two hours of
// samples when withSamples, and returns the bytes the store holds for
// them: database pages in use (not the file's preallocated growth) plus
// the event log.
func storedBytes(t *testing.T, n int, withSamples bool) int64 {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	j := newJournal(t, s, "r1")
	sq := &seqs{}
	var series event.SampleSeries
	for k := range 2 * 3600 * 4 { // four a second for two hours
		series.Add(event.MemorySample{At: time.Duration(k) * 250 * time.Millisecond, Bytes: int64(1<<30 + k*4096)})
	}
	for i := range n {
		events := taskEvents(sq, fmt.Sprintf("shard[%d]", i))
		for k := range events {
			if events[k].Kind == event.AttemptEnded && withSamples {
				r := *events[k].Result
				r.Samples = series.Samples()
				events[k].Result = &r
			}
		}
		for _, e := range events {
			if _, err := j.Append(e); err != nil { // one commit for many, as the engine does
				t.Fatal(err)
			}
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := s.Attempts("r1", "shard[7]")
	if err != nil || len(got) != 1 || got[0].Result == nil || withSamples != (len(got[0].Result.Samples) > 0) {
		t.Fatalf("attempts of shard[7]: %+v, %v", got, err)
	}
	var used int64
	s.db.View(func(tx *bolt.Tx) error {
		used = tx.Size() // the high-water mark of pages, freelist included
		return nil
	})
	st, err := os.Stat(filepath.Join(dir, "runs", "r1", "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return used + st.Size()
}
