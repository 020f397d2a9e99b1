//go:build linux

package proc_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
)

// BenchmarkStart spawns and reaps `true` b.N times, 2 at a time, through
// proc (ns/op), then does the same with os/exec in a helper process (this
// one may not use os/exec) and reports its time (osexec-ns/op) and the
// ratio (x-osexec: proc time / os/exec time).
//
//	go test -run '^$' -bench Start -benchtime 1000x -count 5 ./executor/local/proc/
func BenchmarkStart(b *testing.B) {
	t0 := time.Now()
	if err := twoAtATime(b.N, runTrue); err != nil {
		b.Fatal(err)
	}
	procNs := float64(time.Since(t0).Nanoseconds())
	b.StopTimer()

	argv, env := helperArgv(b, "osexec-bench", strconv.Itoa(b.N))
	out, stderr, err := proc.Output(context.Background(), argv, env, nil)
	if err != nil {
		b.Fatalf("%v\n%s", err, stderr)
	}
	execNs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(execNs/float64(b.N), "osexec-ns/op")
	b.ReportMetric(procNs/execNs, "x-osexec")
}
