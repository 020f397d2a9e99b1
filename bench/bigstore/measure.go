package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/weirflow/weir/internal/median"
)

// measured is one command's wall and CPU times over the rounds.
type measured struct {
	times  []time.Duration
	median time.Duration
	cpu    time.Duration // user+sys of the median round, which the machine's load does not inflate
	rss    int64         // peak resident bytes of that round
	out    string        // the size of its output, and its first line
	// For resume: the CPU time and peak resident bytes of the command up
	// to its first task's start, read from /proc as its line appears (the
	// whole command goes on to record what it reused, and is stopped).
	cpuFirst time.Duration
	rssFirst int64
}

func (m measured) rounds() string {
	var s []string
	for _, t := range m.times {
		s = append(s, t.Round(time.Millisecond).String())
	}
	return strings.Join(s, ", ")
}

// usage is the CPU time and peak RSS of a process that ended.
func usage(ps *os.ProcessState) (time.Duration, int64) {
	if ps == nil {
		return 0, 0
	}
	var rss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10 // KiB on Linux
	}
	return ps.UserTime() + ps.SystemTime(), rss
}

// measure runs weir args in dir, rounds times, and keeps its wall times.
// The output is read and counted, as a terminal or a pipe would take it.
func measure(weir, dir string, args []string, rounds int) measured {
	var m measured
	type round struct {
		cpu time.Duration
		rss int64
	}
	byWall := map[time.Duration]round{}
	for range rounds {
		cmd := exec.Command(weir, args...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		t0 := time.Now()
		err := cmd.Run()
		took := time.Since(t0)
		m.times = append(m.times, took)
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			check(err)
		}
		cpu, rss := usage(cmd.ProcessState)
		byWall[took] = round{cpu, rss}
		first, _, _ := strings.Cut(out.String(), "\n")
		if first == "" {
			first, _, _ = strings.Cut(errb.String(), "\n")
		}
		m.out = fmt.Sprintf("%d lines, %d bytes; %q", bytes.Count(out.Bytes(), []byte("\n")), out.Len(), first)
	}
	m.median = median.Of(m.times)
	if r, ok := byWall[m.median]; ok {
		m.cpu, m.rss = r.cpu, r.rss
	}
	return m
}

// resumeStart runs weir resume in dir until its first task starts (its
// line in the line-per-task view), stops it, and returns the time to that
// line, with the CPU time and peak RSS of the whole command.
func resumeStart(weir, dir string) (measured, error) {
	cmd := exec.Command(weir, "resume")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		return measured{}, err
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return measured{}, err
	}
	sc := bufio.NewScanner(out)
	var took time.Duration
	var m measured
	for sc.Scan() {
		if strings.Contains(sc.Text(), "start ") {
			took = time.Since(t0)
			m.cpuFirst, m.rssFirst = procUsage(cmd.Process.Pid)
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
	}
	cmd.Wait()
	if took == 0 {
		return measured{}, fmt.Errorf("weir resume started no task: %s", errb.String())
	}
	m.times, m.median = []time.Duration{took}, took
	m.cpu, m.rss = usage(cmd.ProcessState)
	return m, nil
}

// procUsage is the CPU time (user+sys) and peak resident bytes of running
// process pid so far, from /proc; zero where it cannot be read.
func procUsage(pid int) (time.Duration, int64) {
	var cpu time.Duration
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// The fields after the command's name, which may hold spaces:
		// utime and stime are the 14th and 15th of the line, in clock
		// ticks of 1/100 s on Linux.
		if i := bytes.LastIndexByte(b, ')'); i > 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				cpu = time.Duration(u+s) * 10 * time.Millisecond
			}
		}
	}
	var rss int64
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss = kb << 10
			}
		}
	}
	return cpu, rss
}
