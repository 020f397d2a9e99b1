package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor/executortest"
)

// BenchmarkJournal records the events of 1,000 tasks (ready, running,
// attempt started, attempt ended, succeeded) per iteration, and reports
// the cost per task and how many commits carried them.
//
//	durable:   fsync at every commit
//	nosync:    the same without fsync
//	memory:    executortest.Journal, a slice behind a mutex
//	pipelined: one writer that waits only for running, as a scheduler that
//	           must not start a process before it is recorded would
func BenchmarkJournal(b *testing.B) {
	const tasks = 1000
	cases := []struct {
		name      string
		writers   int
		nosync    bool
		memory    bool
		pipelined bool
	}{
		{name: "durable/writers=2", writers: 2},
		{name: "nosync/writers=2", writers: 2, nosync: true},
		{name: "memory/writers=2", writers: 2, memory: true},
		{name: "durable/writers=1", writers: 1},
		{name: "durable/writers=1/pipelined", writers: 1, pipelined: true},
		{name: "nosync/writers=1/pipelined", writers: 1, nosync: true, pipelined: true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var s *Store
			if !c.memory {
				s = openStore(b, b.TempDir(), Options{NoSync: c.nosync})
			}
			before := Stats{}
			if s != nil {
				before = s.Stats()
			}
			run := 0
			start := time.Now()
			for b.Loop() {
				run++
				var j event.Journal = &executortest.Journal{}
				if s != nil {
					sj, err := s.Journal(RunRecord{ID: fmt.Sprint("r", run), Tasks: tasks})
					if err != nil {
						b.Fatal(err)
					}
					j = sj
				}
				sq := &seqs{}
				var wg sync.WaitGroup
				for w := range c.writers {
					wg.Go(func() {
						for i := w; i < tasks; i += c.writers {
							if err := writeTask(j, sq, fmt.Sprint("task-", i), c.pipelined); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				if sj, ok := j.(*Journal); ok {
					if err := sj.Close(); err != nil {
						b.Fatal(err)
					}
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(run*tasks), "ns/task")
			if s != nil {
				st := s.Stats()
				commits := st.Commits - before.Commits
				b.ReportMetric(float64(commits)/float64(run), "commits/op")
				b.ReportMetric(float64(st.Events-before.Events)/float64(commits), "events/commit")
			}
		})
	}
}

// writeTask records one task's life. pipelined appends everything and
// waits only for the running event, which must be durable before the
// process starts; the rest is committed with the next task's running.
func writeTask(j event.Journal, sq *seqs, task string, pipelined bool) error {
	events := taskEvents(sq, task)
	sj, ok := j.(*Journal)
	if !pipelined || !ok {
		for _, e := range events {
			if err := j.Record(e); err != nil {
				return err
			}
		}
		return nil
	}
	for i, e := range events {
		wait, err := sj.Append(e)
		if err != nil {
			return err
		}
		if i == 1 {
			if err := wait(); err != nil {
				return err
			}
		}
	}
	return nil
}
