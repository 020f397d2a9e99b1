// Command liveview measures what watching a run costs the engine: 2,000
// no-op tasks (`/bin/true`, 2 at a time, 64 MiB caps) run with the live
// terminal view in a real terminal (tmux), with --json into a pipe that is
// read, and with --quiet, all in one run, alternating, reporting medians
// of the engine's wall time and CPU time and their ratios to --quiet.
//
// Every run is timed by this program re-executed as a wrapper inside the
// terminal (-timed), so that tmux's own start is not counted.
//
//	go build -o /tmp/weir ./cmd/weir
//	go run ./bench/liveview -weir /tmp/weir
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/weirflow/weir/internal/median"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-timed" {
		timed(os.Args[2], os.Args[3:])
		return
	}
	if err := measure(); err != nil {
		fail(err)
	}
}

// measure runs the rounds and prints the table; it cleans up after
// itself whatever happens.
func measure() error {
	weir := flag.String("weir", "weir", "path of the weir binary")
	n := flag.Int("tasks", 2000, "tasks in the workflow")
	rounds := flag.Int("rounds", 5, "runs of each way of watching")
	tmux := flag.String("tmux", "tmux", "path of tmux")
	limit := flag.Duration("limit", 10*time.Minute, "how long one run in tmux may take (100,000 tasks on a loaded machine need more)")
	flag.Parse()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "weir-liveview-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	wf := filepath.Join(dir, "noop.hcl")
	if err := os.WriteFile(wf, []byte(workflow(*n)), 0o644); err != nil {
		return err
	}
	sock := filepath.Join(dir, "tmux.sock")
	// One terminal for every run in it, as a user's would be; the shell
	// that keeps it open waits for nothing.
	if err := run(*tmux, "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", "sleep 100000"); err != nil {
		return err
	}
	defer exec.Command(*tmux, "-S", sock, "kill-server").Run()

	b := &bench{dir: dir, self: self, weir: *weir, wf: wf, tmux: *tmux, sock: sock, limit: *limit}
	ways := []struct {
		name string
		run  func(i int) (sample, error)
	}{
		{"--quiet, in tmux", func(i int) (sample, error) { return b.inTerminal(i, "-q") }},
		{"live view, in tmux", func(i int) (sample, error) { return b.inTerminal(i, "--progress=live") }},
		{"--json, into a pipe", b.json},
	}
	samples := make([][]sample, len(ways))
	for r := range *rounds {
		for i, w := range ways {
			s, err := w.run(r*len(ways) + i)
			if err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
			samples[i] = append(samples[i], s)
		}
	}
	fmt.Printf("%d no-op tasks, 2 at a time; medians of %d rounds, alternating; ratios to --quiet in the same round\n", *n, *rounds)
	fmt.Printf("  %-22s %9s %7s %9s %7s\n", "", "wall", "ratio", "cpu", "ratio")
	for i, w := range ways {
		m := medianSample(samples[i])
		var walls, cpus []float64
		for r := range samples[i] {
			walls = append(walls, ratio(samples[i][r].wall, samples[0][r].wall))
			cpus = append(cpus, ratio(samples[i][r].cpu, samples[0][r].cpu))
		}
		fmt.Printf("  %-22s %7.3f s %6.3fx %7.3f s %6.3fx\n", w.name, m.wall.Seconds(), median.Of(walls),
			m.cpu.Seconds(), median.Of(cpus))
	}
	return nil
}

type bench struct {
	dir, self, weir, wf, tmux, sock string
	limit                           time.Duration
}

// sample is one run: its wall time and the engine's CPU time (user and
// system, the engine and the tasks it reaped).
type sample struct{ wall, cpu time.Duration }

// inTerminal runs weir in the tmux window through the -timed wrapper and
// reads what it measured.
func (b *bench) inTerminal(i int, flags ...string) (sample, error) {
	out := filepath.Join(b.dir, fmt.Sprintf("timing-%d", i))
	state := filepath.Join(b.dir, fmt.Sprintf("state-%d", i))
	defer os.RemoveAll(state)
	args := append([]string{b.self, "-timed", out, b.weir, "run", "--state-dir", state}, flags...)
	args = append(args, b.wf)
	for j, a := range args {
		args[j] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	// clear, so every run starts on an empty screen, then the run.
	cmd := "clear; " + strings.Join(args, " ")
	if err := run(b.tmux, "-S", b.sock, "new-window", "-d", cmd); err != nil {
		return sample{}, err
	}
	deadline := time.Now().Add(b.limit)
	for time.Now().Before(deadline) {
		if text, err := os.ReadFile(out); err == nil && strings.HasSuffix(string(text), "\n") {
			return parseSample(string(text))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return sample{}, fmt.Errorf("the run in tmux did not end within %v (-limit)", b.limit)
}

// json runs weir --json with stdout into a pipe that this program reads
// line by line, as a program watching a run would.
func (b *bench) json(i int) (sample, error) {
	state := filepath.Join(b.dir, fmt.Sprintf("state-%d", i))
	defer os.RemoveAll(state)
	cmd := exec.Command(b.weir, "run", "--json", "--state-dir", state, b.wf)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return sample{}, err
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	lines := 0
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		lines++
	}
	err = cmd.Wait()
	wall := time.Since(start)
	if err != nil {
		return sample{}, err
	}
	if lines < 4 {
		return sample{}, fmt.Errorf("only %d events", lines)
	}
	return sample{wall, cpuOf(cmd.ProcessState)}, nil
}

// timed is the wrapper: it runs its command on this terminal and writes
// "<wall ns> <cpu ns> <exit code>" to out.
func timed(out string, argv []string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	text := fmt.Sprintf("%d %d %d\n", wall.Nanoseconds(), cpuOf(cmd.ProcessState).Nanoseconds(), code)
	must(os.WriteFile(out, []byte(text), 0o644))
}

func parseSample(text string) (sample, error) {
	f := strings.Fields(text)
	if len(f) != 3 {
		return sample{}, fmt.Errorf("bad timing %q", text)
	}
	if f[2] != "0" {
		return sample{}, fmt.Errorf("weir exited %s", f[2])
	}
	wall, err1 := strconv.ParseInt(f[0], 10, 64)
	cpu, err2 := strconv.ParseInt(f[1], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return sample{}, err
	}
	return sample{time.Duration(wall), time.Duration(cpu)}, nil
}

func cpuOf(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime() + ps.SystemTime()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// workflow is n independent tasks in stages of at most 1,000 (range()
// makes at most 1,024 keys).
func workflow(n int) string {
	var b strings.Builder
	b.WriteString("workflow \"noop\" {}\n\npool \"two\" {\n  processes = 2\n}\n")
	for i := 0; n > 0; i++ {
		k := min(n, 1000)
		n -= k
		fmt.Fprintf(&b, "\nstage \"s%d\" {\n  for_each = range(%d)\n  pool     = pool.two\n  command  = [\"/bin/true\"]\n  memory   = \"64MiB\"\n}\n", i, k)
	}
	return b.String()
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// medianSample is the median wall time and the median CPU time of ss.
func medianSample(ss []sample) sample {
	walls := make([]time.Duration, len(ss))
	cpus := make([]time.Duration, len(ss))
	for i, s := range ss {
		walls[i], cpus[i] = s.wall, s.cpu
	}
	return sample{median.Of(walls), median.Of(cpus)}
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "liveview:", err)
	os.Exit(1)
}
