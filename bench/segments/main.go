// Command segments measures handing 1 GiB from a producer stage to a
// consumer stage that sums every byte: weir segments against the same two
// Go programs run by hand through a file in /dev/shm (the floor), against a
// pipe between them, against Python's multiprocessing.Queue and
// shared_memory, and a fan-out to four consumers against four pipes fed by
// tee. Every round runs each method once, in the same order (A B C ...
// A B C ...); the table has medians and ratios. Every method starts from
// fresh pages except the two on reused pages: the floor writing over a
// zeroed file made before its clock starts, and weir with shm_reuse in a
// shm_dir kept across rounds, whose producer writes over the pages the last
// round released (untimed runs fill the pool first).
//
//	go run ./bench/segments                 # builds ./cmd/weir into its temp dir
//	go run ./bench/segments -weir /tmp/weir -rounds 5
//
// The consumer's own cost (mapping and summing a resident GiB against a
// memcpy of it) is a Go benchmark: go test ./shm -run '^$' -bench Consumer.
//
// The stage programs are modes of this binary (produce-shm, consume-shm,
// produce-pipe, consume-pipe). Everything the run makes lives in one
// directory under $TMPDIR and one under /dev/shm (or -shm), removed at the
// end, on an error and on Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/internal/bytesum"
	"github.com/weirflow/weir/shm"
)

func main() {
	if len(os.Args) > 1 {
		if mode, ok := stageModes[os.Args[1]]; ok {
			if err := mode(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
				os.Exit(1)
			}
			return
		}
	}
	os.Exit(drive())
}

type config struct {
	exe, weir, python string
	size              int64
	tmp, shmRoot      string
	pyShmName         string
	poolWarm          bool // weirReused's pool holds a released segment
}

// result is one run of one method.
type result struct {
	wall     time.Duration
	sums     []string
	shmPeak  int64         // most /dev/shm use above the start, while it ran
	producer time.Duration // weir: the producer's attempt
	consumer time.Duration // weir: first consumer start to last consumer end
	hash     time.Duration // floor: shm.Hash of the file afterwards, as weir's commit hashes
	remove   time.Duration // floor: removing the file afterwards, as weir's release does within its time
}

type method struct {
	name string
	run  func(ctx context.Context, c *config, dir string) (result, error)
}

func drive() int {
	weir := flag.String("weir", "", "weir binary (default: build ./cmd/weir into the temp dir)")
	mib := flag.Int64("mib", 1024, "MiB handed over")
	rounds := flag.Int("rounds", 5, "rounds; each runs every method once")
	python := flag.String("python", "/usr/bin/python3", "Python with numpy, for the Python rows")
	only := flag.String("methods", "", "comma-separated substrings: run only the methods whose names contain one")
	shmBase := flag.String("shm", "/dev/shm", "the tmpfs where the floor's file and weir's segments live (one mounted with huge=within_size gives them 2 MiB pages); Python's shared_memory is always in /dev/shm")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c := &config{weir: *weir, python: *python, size: *mib << 20}
	var err error
	if c.exe, err = os.Executable(); err != nil {
		return fail(err)
	}
	if c.tmp, err = os.MkdirTemp("", "weir-bench-segments-"); err != nil {
		return fail(err)
	}
	defer shm.RemoveAll(c.tmp)
	shmFS = *shmBase
	if c.shmRoot, err = os.MkdirTemp(shmFS, "weir-bench-segments-"); err != nil {
		return fail(err)
	}
	defer shm.RemoveAll(c.shmRoot)
	c.pyShmName = filepath.Base(c.shmRoot) + "-py"
	defer os.Remove(filepath.Join("/dev/shm", c.pyShmName))

	if c.weir == "" {
		c.weir = filepath.Join(c.tmp, "weir")
		fmt.Println("building ./cmd/weir")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", c.weir, "github.com/weirflow/weir/cmd/weir").CombinedOutput(); err != nil {
			return fail(fmt.Errorf("go build ./cmd/weir: %v\n%s", err, out))
		}
	}
	ms := methods()
	if !havePython(c.python) {
		fmt.Printf("note: %s cannot import numpy: the Python rows are skipped (apt-get install python3-numpy)\n", c.python)
		ms = slices.DeleteFunc(ms, func(m method) bool { return strings.HasPrefix(m.name, "python") })
	}
	if *only != "" {
		ms = slices.DeleteFunc(ms, func(m method) bool {
			for _, s := range strings.Split(*only, ",") {
				if strings.Contains(m.name, s) {
					return false
				}
			}
			return true
		})
	}
	want := expectedSum(c.size)
	fmt.Printf("%d MiB from a producer to consumers summing every byte (expected sum %d), %d rounds\n", *mib, want, *rounds)

	results := make([][]result, len(ms))
	for r := 0; r < *rounds; r++ {
		for i, m := range ms {
			dir := filepath.Join(c.tmp, fmt.Sprintf("r%d-%d", r, i))
			if err := os.Mkdir(dir, 0o755); err != nil {
				return fail(err)
			}
			res, err := m.run(ctx, c, dir)
			shm.RemoveAll(dir)
			shm.RemoveAll(filepath.Join(c.shmRoot, filepath.Base(dir)))
			if ctx.Err() != nil {
				fmt.Fprintln(os.Stderr, "interrupted; removed what the runs left")
				return 130
			}
			if err != nil {
				return fail(fmt.Errorf("round %d, %s: %w", r+1, m.name, err))
			}
			for _, s := range res.sums {
				if s != strconv.FormatUint(want, 10) {
					return fail(fmt.Errorf("round %d, %s: sum %s, want %d: THE SUMS DIFFER", r+1, m.name, s, want))
				}
			}
			results[i] = append(results[i], res)
			fmt.Printf("  round %d  %-44s %6.3f s\n", r+1, m.name, res.wall.Seconds())
		}
	}
	report(ms, results, want, c.size)
	return 0
}

func methods() []method {
	return []method{
		{floorName, floor},
		{"weir: segment, producer -> consumer", weirHandoff},
		{reusedFloorName, reusedFloor},
		{reusedName, weirReused},
		{"weir: the same stages, 8 bytes (fixed cost)", weirEmpty},
		{"pipe (default 64 KiB buffer)", func(ctx context.Context, c *config, _ string) (result, error) {
			return pipe(ctx, c, 0)
		}},
		{"pipe (1 MiB buffer, F_SETPIPE_SZ)", func(ctx context.Context, c *config, _ string) (result, error) {
			return pipe(ctx, c, 1<<20)
		}},
		{"python multiprocessing.Queue", pyQueue},
		{"python shared_memory", pyShm},
		{"fan-out x4: Go programs by hand, one file", fanFloor},
		{"fan-out x4: weir, one segment", weirFanout},
		{"fan-out x4: tee to four pipes", teeFanout},
	}
}

// floor: the producer writes a fresh file in /dev/shm with shm.Create,
// then the consumer maps it with shm.Open and sums it.
func floor(ctx context.Context, c *config, dir string) (result, error) {
	path := filepath.Join(c.shmRoot, filepath.Base(dir))
	start := time.Now()
	if err := command(ctx, c.exe, "produce-shm", fmt.Sprint(c.size), path).Run(); err != nil {
		return result{}, err
	}
	out, err := output(command(ctx, c.exe, "consume-shm", path))
	res := result{wall: time.Since(start), sums: []string{out}}
	if err == nil {
		t := time.Now()
		_, _, err = shm.Hash(path)
		res.hash = time.Since(t)
	}
	t := time.Now()
	os.Remove(path)
	res.remove = time.Since(t)
	return res, err
}

// fanFloor: as floor, with four consumers of the file at once.
func fanFloor(ctx context.Context, c *config, dir string) (result, error) {
	path := filepath.Join(c.shmRoot, filepath.Base(dir))
	base := shmUsed()
	start := time.Now()
	if err := command(ctx, c.exe, "produce-shm", fmt.Sprint(c.size), path).Run(); err != nil {
		return result{}, err
	}
	sample := sampler(base)
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 4 {
		cmd := command(ctx, c.exe, "consume-shm", path)
		out := new(bytes.Buffer)
		cmd.Stdout = out
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	err := runAll(cmds)
	res := result{wall: time.Since(start), shmPeak: sample()}
	os.Remove(path)
	for _, o := range outs {
		res.sums = append(res.sums, strings.TrimSpace(o.String()))
	}
	return res, err
}

// pipe: producer | consumer, with the pipe's buffer set to size (0: the
// kernel's default).
func pipe(ctx context.Context, c *config, size int) (result, error) {
	start := time.Now()
	r, w, err := os.Pipe()
	if err != nil {
		return result{}, err
	}
	if size > 0 {
		if _, err := unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, size); err != nil {
			return result{}, fmt.Errorf("F_SETPIPE_SZ: %w", err)
		}
	}
	prod := command(ctx, c.exe, "produce-pipe", fmt.Sprint(c.size))
	prod.Stdout = w
	cons := command(ctx, c.exe, "consume-pipe")
	cons.Stdin = r
	out := new(bytes.Buffer)
	cons.Stdout = out
	err = runAll([]*exec.Cmd{prod, cons}, r, w)
	return result{wall: time.Since(start), sums: []string{strings.TrimSpace(out.String())}}, err
}

// teeFanout: producer | tee /dev/fd/3 /dev/fd/4 /dev/fd/5 | consumer, each
// of fds 3-5 a pipe to another consumer: what `producer | tee >(c1) >(c2)
// >(c3) | c4` builds, waiting for all four.
func teeFanout(ctx context.Context, c *config, _ string) (result, error) {
	start := time.Now()
	var rs, ws []*os.File
	for range 5 {
		r, w, err := os.Pipe()
		if err != nil {
			return result{}, err
		}
		rs, ws = append(rs, r), append(ws, w)
	}
	prod := command(ctx, c.exe, "produce-pipe", fmt.Sprint(c.size))
	prod.Stdout = ws[0]
	tee := command(ctx, "tee", "/dev/fd/3", "/dev/fd/4", "/dev/fd/5")
	tee.Stdin, tee.ExtraFiles, tee.Stdout = rs[0], ws[1:4], ws[4]
	cmds := []*exec.Cmd{prod, tee}
	var outs []*bytes.Buffer
	for i := 1; i <= 4; i++ {
		cons := command(ctx, c.exe, "consume-pipe")
		cons.Stdin = rs[i]
		out := new(bytes.Buffer)
		cons.Stdout = out
		cmds, outs = append(cmds, cons), append(outs, out)
	}
	err := runAll(cmds, append(rs, ws...)...)
	res := result{wall: time.Since(start)}
	for _, o := range outs {
		res.sums = append(res.sums, strings.TrimSpace(o.String()))
	}
	return res, err
}

func pyQueue(ctx context.Context, c *config, dir string) (result, error) {
	return python(ctx, c, dir, "queue", fmt.Sprint(c.size))
}

func pyShm(ctx context.Context, c *config, dir string) (result, error) {
	defer os.Remove(filepath.Join("/dev/shm", c.pyShmName))
	return python(ctx, c, dir, "shm", fmt.Sprint(c.size), c.pyShmName)
}

func python(ctx context.Context, c *config, dir string, args ...string) (result, error) {
	script := filepath.Join(dir, "segments.py")
	if err := os.WriteFile(script, []byte(pythonScript), 0o644); err != nil {
		return result{}, err
	}
	start := time.Now()
	out, err := output(command(ctx, c.python, append([]string{script}, args...)...))
	return result{wall: time.Since(start), sums: []string{out}}, err
}

func havePython(python string) bool {
	return exec.Command(python, "-c", "import numpy").Run() == nil
}

// weirHandoff: `weir run -q` of a producer stage and a consumer stage,
// in a fresh directory, segments in a fresh shm_dir.
func weirHandoff(ctx context.Context, c *config, dir string) (result, error) {
	return runWeir(ctx, c, dir, c.size, 1)
}

// The rows on reused pages: the floor over a file whose pages exist, and
// weir with shm_reuse.
const (
	reusedFloorName = "floor on reused pages: by hand, over a zeroed file"
	reusedName      = "weir: segment on reused pages (shm_reuse)"
)

// reusedFloor: the floor's two programs, the producer writing over a file
// of zeros whose pages exist (as shm.Create does with what weir's pool
// hands it), made and zeroed before the clock starts.
func reusedFloor(ctx context.Context, c *config, dir string) (result, error) {
	path := filepath.Join(c.shmRoot, filepath.Base(dir))
	if err := zeroedFile(path+shm.ZeroedSuffix, c.size); err != nil {
		return result{}, err
	}
	res, err := floor(ctx, c, dir)
	os.Remove(path + shm.ZeroedSuffix)
	return res, err
}

// zeroedFile makes a file of size zero bytes whose pages exist.
func zeroedFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		if _, err := f.WriteAt(buf[:min(int64(len(buf)), size-off)], off); err != nil {
			return err
		}
	}
	return nil
}

// weirReused: the handoff with shm_reuse set, in one shm_dir kept across
// rounds, so that the producer writes over the pages an earlier round
// released. shm_reuse is twice the data: the pool holds two files, and
// while the producer writes over the one zeroed during the last round,
// weir zeroes the one the last round released on the other core. Two
// untimed runs fill the pool first.
func weirReused(ctx context.Context, c *config, dir string) (result, error) {
	shmDir := filepath.Join(c.shmRoot, "reuse")
	if !c.poolWarm {
		for i := range 2 {
			warm := fmt.Sprintf("%s-warm%d", dir, i)
			if err := os.Mkdir(warm, 0o755); err != nil {
				return result{}, err
			}
			_, err := runWeirIn(ctx, c, warm, shmDir, c.size, 1, 2*c.size)
			shm.RemoveAll(warm)
			if err != nil {
				return result{}, err
			}
		}
		c.poolWarm = true
	}
	return runWeirIn(ctx, c, dir, shmDir, c.size, 1, 2*c.size)
}

// weirEmpty: the same workflow handing over 8 bytes: what weir costs
// whatever the size.
func weirEmpty(ctx context.Context, c *config, dir string) (result, error) {
	res, err := runWeir(ctx, c, dir, 8, 1)
	res.sums = nil // not the sum of the others
	return res, err
}

// weirFanout: one producer, four consumer stages of its segment, all four
// at once.
func weirFanout(ctx context.Context, c *config, dir string) (result, error) {
	return runWeir(ctx, c, dir, c.size, 4)
}

func runWeir(ctx context.Context, c *config, dir string, size int64, consumers int) (result, error) {
	return runWeirIn(ctx, c, dir, filepath.Join(c.shmRoot, filepath.Base(dir)), size, consumers, 0)
}

// runWeirIn runs the handoff with its segments in shmDir, keeping up to
// reuse bytes of released segments there for the next run (shm_reuse).
func runWeirIn(ctx context.Context, c *config, dir, shmDir string, size int64, consumers int, reuse int64) (result, error) {
	file := filepath.Join(dir, "handoff.hcl")
	if err := os.WriteFile(file, []byte(workflow(c, shmDir, size, consumers, reuse)), 0o644); err != nil {
		return result{}, err
	}
	state := filepath.Join(dir, "state")
	base := shmUsed()
	sample := func() int64 { return 0 }
	if consumers > 1 {
		sample = sampler(base)
	}
	start := time.Now()
	cmd := command(ctx, c.weir, "--state-dir", state, "run", "-q", file)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // weir stops its tasks
	cmd.WaitDelay = 30 * time.Second
	_, err := output(cmd)
	res := result{wall: time.Since(start), shmPeak: sample()}
	if err != nil {
		return res, fmt.Errorf("weir run: %w", err)
	}
	logs, _ := filepath.Glob(filepath.Join(state, "runs", "*", "logs", "*", "consume*.stdout"))
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			return res, err
		}
		res.sums = append(res.sums, strings.TrimSpace(string(b)))
	}
	if len(res.sums) != consumers {
		return res, fmt.Errorf("found %d consumer logs, want %d", len(res.sums), consumers)
	}
	st, err := output(command(ctx, c.weir, "--state-dir", state, "status", "--json"))
	if err != nil {
		return res, fmt.Errorf("weir status: %w", err)
	}
	var status struct {
		Tasks map[string]struct {
			Last struct{ Start, End time.Time }
		}
	}
	if err := json.Unmarshal([]byte(st), &status); err != nil {
		return res, fmt.Errorf("weir status: %w", err)
	}
	var first, last time.Time
	for id, t := range status.Tasks {
		if id == "produce" {
			res.producer = t.Last.End.Sub(t.Last.Start)
			continue
		}
		if first.IsZero() || t.Last.Start.Before(first) {
			first = t.Last.Start
		}
		if t.Last.End.After(last) {
			last = t.Last.End
		}
	}
	res.consumer = last.Sub(first)
	return res, nil
}

func workflow(c *config, shmDir string, size int64, consumers int, reuse int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "workflow \"segments\" {\n  shm_dir   = %q\n  shm_reuse = %d\n}\n\n", shmDir, reuse)
	fmt.Fprintf(&b, "pool \"fan\" {\n  processes = %d\n}\n\n", consumers)
	// What the producer writes to tmpfs is charged to its cap: the
	// segment plus room for the program.
	fmt.Fprintf(&b, `stage "produce" {
  pool    = pool.fan
  command = [%q, "produce-shm", "%d"]
  memory  = "%dMiB"
  timeout = "10m"
  output "data" { size = %d }
}
`, c.exe, size, size>>20+512, size)
	for i := range consumers {
		// Reading the resident segment is not charged to the reader.
		fmt.Fprintf(&b, `
stage "consume%d" {
  pool    = pool.fan
  command = [%q, "consume-shm"]
  memory  = "256MiB"
  timeout = "10m"
  input "data" { from = stage.produce.output.data }
}
`, i, c.exe)
	}
	return b.String()
}

// command is a child in its own process group, killed (with everything
// it started) when ctx ends.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Stderr = os.Stderr
	return cmd
}

func output(cmd *exec.Cmd) (string, error) {
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runAll starts cmds, closes the parent's copies of files (pipe ends the
// children now hold), and waits for all of them.
func runAll(cmds []*exec.Cmd, files ...*os.File) error {
	var errs []error
	var started []*exec.Cmd
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			break
		}
		started = append(started, cmd)
	}
	for _, f := range files {
		f.Close()
	}
	if len(errs) > 0 {
		for _, cmd := range started {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	for _, cmd := range started {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", filepath.Base(cmd.Path), strings.Join(cmd.Args[1:], " "), err))
		}
	}
	return errors.Join(errs...)
}

// floorName names the floor's row: its file is in shmFS.
const floorName = "floor: Go programs by hand, one tmpfs file"

// shmFS is the tmpfs of the floor's file and weir's segments (-shm).
var shmFS = "/dev/shm"

// shmUsed is the bytes used in shmFS (statfs).
func shmUsed() int64 {
	var st unix.Statfs_t
	if unix.Statfs(shmFS, &st) != nil {
		return 0
	}
	return int64(st.Blocks-st.Bfree) * st.Bsize
}

// sampler samples shmFS use every 5 ms until the returned function is
// called, which returns the most seen above base.
func sampler(base int64) func() int64 {
	done := make(chan struct{})
	var peak int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, shmUsed()-base)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// expectedSum is the byte sum of what the producers write.
func expectedSum(size int64) uint64 {
	buf := make([]byte, chunk)
	var sum uint64
	for off := int64(0); off < size; off += chunk {
		b := buf[:min(chunk, size-off)]
		fill(b, uint64(off/8))
		sum += bytesum.Sum(b)
	}
	return sum
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "segments:", err)
	return 1
}
