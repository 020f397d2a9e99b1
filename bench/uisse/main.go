// Command uisse measures what watching a run in the browser costs the
// engine: a 1,000-task workflow run by weir alone, and again with 50
// clients following its events over SSE from a weir UI server on the same
// machine, alternating, reporting medians and the ratio (goal: within
// 1.1x). Every client must get every event of the run exactly once.
//
//	go build -o /tmp/weir ./cmd/weir
//	go run ./bench/uisse -weir /tmp/weir
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/ui"
)

func main() {
	weir := flag.String("weir", "weir", "path of the weir binary")
	tasks := flag.Int("tasks", 1000, "tasks in the workflow")
	clients := flag.Int("clients", 50, "SSE clients")
	rounds := flag.Int("rounds", 3, "runs of each")
	flag.Parse()
	dir, err := os.MkdirTemp("", "weir-uisse-")
	check(err)
	defer os.RemoveAll(dir)
	wf := filepath.Join(dir, "w.hcl")
	check(os.WriteFile(wf, []byte(workflow(*tasks)), 0o644))
	state := filepath.Join(dir, "state")

	srv, err := ui.New(ui.Options{StateDir: state})
	check(err)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	var alone, watched []time.Duration
	for r := range *rounds {
		d, err := runWeir(*weir, state, wf)
		check(err)
		alone = append(alone, d)

		seen := runIDs(state)
		stop := make(chan struct{})
		var got []int
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			got = follow(base, state, seen, *clients, stop)
		}()
		d, err = runWeir(*weir, state, wf)
		check(err)
		close(stop)
		wg.Wait()
		watched = append(watched, d)
		fmt.Printf("round %d: alone %v, with %d clients %v (%.2fx); events per client: %s\n", r+1,
			alone[r].Round(time.Millisecond), *clients, d.Round(time.Millisecond), ratio(d, alone[r]), summary(got))
	}
	a, w := median.Of(alone), median.Of(watched)
	var paired []float64
	for i := range alone {
		paired = append(paired, ratio(watched[i], alone[i]))
	}
	slices.Sort(paired)
	fmt.Printf("\n%d tasks: alone %v, with %d SSE clients %v: %.2fx; median of the paired ratios %.2fx (%d rounds; goal <= 1.1x)\n",
		*tasks, a.Round(time.Millisecond), *clients, w.Round(time.Millisecond), ratio(w, a), paired[len(paired)/2], *rounds)
}

func workflow(n int) string {
	var b strings.Builder
	b.WriteString("workflow \"uisse\" {}\n\npool \"p\" {\n  processes = 2\n}\n\n")
	for i := range n {
		fmt.Fprintf(&b, "stage \"t%d\" {\n  pool    = pool.p\n  command = [\"/bin/true\"]\n  memory  = \"64MiB\"\n}\n\n", i)
	}
	return b.String()
}

func runWeir(weir, state, wf string) (time.Duration, error) {
	start := time.Now()
	out, err := exec.Command(weir, "run", "-q", "--state-dir", state, wf).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("weir run: %v\n%s", err, out)
	}
	return time.Since(start), nil
}

func runIDs(state string) map[string]bool {
	ids := map[string]bool{}
	ents, _ := os.ReadDir(filepath.Join(state, "runs"))
	for _, e := range ents {
		ids[e.Name()] = true
	}
	return ids
}

// follow waits for a new run in state, connects n clients to its event
// stream and returns how many events each got before the stream ended.
func follow(base, state string, old map[string]bool, n int, stop <-chan struct{}) []int {
	var id string
	for id == "" {
		select {
		case <-stop:
			return nil
		case <-time.After(2 * time.Millisecond):
		}
		for k := range runIDs(state) {
			if !old[k] {
				id = k
			}
		}
	}
	got := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = stream(base+"/api/runs/"+id+"/events", stop)
		}()
	}
	wg.Wait()
	return got
}

// stream reads an event stream until it ends and counts the events in it,
// the snapshot's seq counting as that many. A repeated or missing seq
// makes the count -1.
func stream(url string, stop <-chan struct{}) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			time.Sleep(5 * time.Second) // the stream ends at run_ended; this is a backstop
			cancel()
		case <-ctx.Done():
		}
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var last uint64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		// Cheap parsing: the clients share the machine with the engine.
		line, ok := bytes.CutPrefix(sc.Bytes(), []byte("id: "))
		if !ok {
			continue
		}
		seq, err := strconv.ParseUint(string(line), 10, 64)
		if err != nil {
			return -1
		}
		if last != 0 && seq != last+1 {
			return -1
		}
		last = seq
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return -1
	}
	return int(last)
}

func summary(got []int) string {
	if len(got) == 0 {
		return "none"
	}
	lo, hi := slices.Min(got), slices.Max(got)
	if lo == hi {
		return fmt.Sprintf("all %d", lo)
	}
	return fmt.Sprintf("%d to %d (they differ!)", lo, hi)
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "uisse:", err)
		os.Exit(1)
	}
}
