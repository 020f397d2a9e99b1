package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkRunBytes records whole runs as the engine does (every task's
// definition first, a commit window at a time; then, two tasks at a time,
// ready, running (waited for), attempt started and ended, succeeded), one
// run of each size per iteration, and reports what a task costs the store:
//
//	ns/task      time
//	db-B/task    growth of weir.db
//	rec-B/task   bytes of task state records written
//	def-B/task   bytes of definitions written
//	rssfile-MiB  the largest mapped-file RSS of the process seen
//	             (bbolt reads the database through its map)
//
// Run the large size once: go test ./store -run '^$' -bench RunBytes -benchtime 1x
func BenchmarkRunBytes(b *testing.B) {
	for _, tasks := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("tasks=%d", tasks), func(b *testing.B) {
			dir := b.TempDir()
			s := openStore(b, dir, Options{NoSync: true})
			path := filepath.Join(dir, DBFile)
			size0 := fileSize(b, path)
			before := s.Stats()
			run, peak := 0, int64(0)
			start := time.Now()
			for b.Loop() {
				run++
				peak = max(peak, recordRun(b, s, fmt.Sprint("r", run), tasks))
			}
			elapsed := time.Since(start)
			n := float64(run * tasks)
			st := s.Stats()
			b.ReportMetric(float64(elapsed.Nanoseconds())/n, "ns/task")
			b.ReportMetric(float64(fileSize(b, path)-size0)/n, "db-B/task")
			b.ReportMetric(float64(st.TaskBytes-before.TaskBytes)/n, "rec-B/task")
			b.ReportMetric(float64(st.DefBytes-before.DefBytes)/n, "def-B/task")
			b.ReportMetric(float64(peak)/(1<<20), "rssfile-MiB")
		})
	}
}

// recordRun records one run of n tasks, and returns the largest
// mapped-file RSS it saw.
func recordRun(b *testing.B, s *Store, id string, n int) int64 {
	j, err := s.Journal(RunRecord{ID: id, Name: "wide", Workflow: "/w/wide.hcl", Tasks: n})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("work[k%07d]", i)
		// The definition of bench/scale's no-op task.
		def := []DefPart{{Name: "command[0]", Value: "/bin/true"}, {Name: "env_passthrough"}, {Name: "dir", Value: "/tmp/weir-scale-1234567"}}
		if err := s.SetDefinition(id, ids[i], fmt.Sprintf("%064x", i), def); err != nil {
			b.Fatal(err)
		}
		if i%1024 == 1023 {
			if err := s.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	sq := &seqs{}
	var mu sync.Mutex
	peak := rssFile()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < n; i += 2 {
				if err := writeTask(j, sq, ids[i], true); err != nil {
					b.Error(err)
					return
				}
				if i%1000 < 2 {
					r := rssFile()
					mu.Lock()
					peak = max(peak, r)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
	return max(peak, rssFile())
}

func fileSize(tb testing.TB, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// rssFile is the process's resident memory of mapped files, in bytes; 0
// where /proc cannot tell.
func rssFile() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("RssFile:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			return kb << 10
		}
	}
	return 0
}
