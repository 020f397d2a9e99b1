package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// rssPeaks are the largest values of a process's resident memory seen by
// sampling /proc/PID/status: anonymous memory (the heap and stacks) apart
// from mapped files (the binary, and the store's database, which bbolt
// maps), since the two grow for different reasons.
type rssPeaks struct {
	anon, file int64 // bytes
}

// sampleRSS reads /proc/pid/status every interval until stop is closed,
// then sends the peaks on the returned channel.
func sampleRSS(pid int, interval time.Duration, stop <-chan struct{}) <-chan rssPeaks {
	out := make(chan rssPeaks, 1)
	go func() {
		var p rssPeaks
		path := fmt.Sprintf("/proc/%d/status", pid)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(path); err == nil {
				anon, file := parseStatus(b)
				p.anon, p.file = max(p.anon, anon), max(p.file, file)
			}
			select {
			case <-stop:
				out <- p
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// parseStatus returns RssAnon and RssFile of a /proc/PID/status text, in
// bytes; a field that is missing counts 0.
func parseStatus(b []byte) (anon, file int64) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "RssAnon":
			dst = &anon
		case "RssFile":
			dst = &file
		default:
			continue
		}
		f := bytes.Fields(rest) // "12345 kB"
		if len(f) == 2 {
			if kb, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
				*dst = kb << 10
			}
		}
	}
	return anon, file
}
