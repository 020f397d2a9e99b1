package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/weirflow/weir/internal/median"
)

// measured is one command's wall times over the rounds.
type measured struct {
	times  []time.Duration
	median time.Duration
	out    string // the size of its output, and its first line
}

func (m measured) rounds() string {
	var s []string
	for _, t := range m.times {
		s = append(s, t.Round(time.Millisecond).String())
	}
	return strings.Join(s, ", ")
}

// measure runs weir args in dir, rounds times, and keeps its wall times.
// The output is read and counted, as a terminal or a pipe would take it.
func measure(weir, dir string, args []string, rounds int) measured {
	var m measured
	for range rounds {
		cmd := exec.Command(weir, args...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		t0 := time.Now()
		err := cmd.Run()
		m.times = append(m.times, time.Since(t0))
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			check(err)
		}
		first, _, _ := strings.Cut(out.String(), "\n")
		if first == "" {
			first, _, _ = strings.Cut(errb.String(), "\n")
		}
		m.out = fmt.Sprintf("%d lines, %d bytes; %q", bytes.Count(out.Bytes(), []byte("\n")), out.Len(), first)
	}
	m.median = median.Of(m.times)
	return m
}

// resumeStart runs weir resume in dir until its first task starts (its
// line in the line-per-task view), stops it, and returns the time to that
// line.
func resumeStart(weir, dir string) (time.Duration, error) {
	cmd := exec.Command(weir, "resume")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(out)
	var took time.Duration
	for sc.Scan() {
		if strings.Contains(sc.Text(), "start ") {
			took = time.Since(t0)
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
	}
	cmd.Wait()
	if took == 0 {
		return 0, fmt.Errorf("weir resume started no task: %s", errb.String())
	}
	return took, nil
}
