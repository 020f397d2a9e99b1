package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// report prints the medians, the ratios against the floors and the goals.
func report(ms []method, results [][]result, sum uint64, size int64) {
	med := map[string]time.Duration{}
	for i, m := range ms {
		med[m.name] = median(results[i], func(r result) time.Duration { return r.wall })
	}
	index := map[string]int{}
	for i, m := range ms {
		index[m.name] = i
	}
	floorOf := func(name string) (string, int) {
		n, short := floorName, "floor"
		switch {
		case strings.HasPrefix(name, "fan-out"):
			n, short = "fan-out x4: Go programs by hand, one file", "fan-out floor"
		case strings.Contains(name, "reused") && name != reusedFloorName:
			n, short = reusedFloorName, "reused floor"
		}
		i, ok := index[n]
		if !ok || strings.Contains(name, "8 bytes") {
			return "", -1
		}
		return short, i
	}
	fmt.Printf("\nmedians of %d rounds (min-max); every sum was %d\n\n", len(results[0]), sum)
	fmt.Printf("| method | wall time, median (min-max) | x its floor: medians | x its floor: median of the rounds' ratios |\n|---|---|---|---|\n")
	for i, m := range ms {
		walls := make([]float64, len(results[i]))
		for j, r := range results[i] {
			walls[j] = r.wall.Seconds()
		}
		ratio, paired := "-", "-"
		if fname, f := floorOf(m.name); f >= 0 {
			ratio = fmt.Sprintf("%.2fx the %s", float64(med[m.name])/float64(med[ms[f].name]), fname)
			rs := make([]float64, len(results[i]))
			for j, r := range results[i] {
				rs[j] = float64(r.wall) / float64(results[f][j].wall)
			}
			slices.Sort(rs)
			paired = fmt.Sprintf("%.2fx (%.2f-%.2f)", rs[len(rs)/2], rs[0], rs[len(rs)-1])
		}
		fmt.Printf("| %s | %.3f s (%.3f-%.3f) | %s | %s |\n", m.name, med[m.name].Seconds(), slices.Min(walls), slices.Max(walls), ratio, paired)
	}

	fmt.Println()
	if i, ok := index[floorName]; ok {
		h := median(results[i], func(r result) time.Duration { return r.hash })
		fmt.Printf("shm.Hash of the resident file (what weir's commit reads), timed after each floor run: %.3f s\n", h.Seconds())
		rm := median(results[i], func(r result) time.Duration { return r.remove })
		fmt.Printf("removing the file (freeing its pages, which weir's release does within its time), timed after each floor run: %.3f s\n", rm.Seconds())
	}
	for i, m := range ms {
		if !strings.HasPrefix(m.name, "fan-out x4: weir") && !strings.HasPrefix(m.name, "weir") {
			continue
		}
		p := median(results[i], func(r result) time.Duration { return r.producer })
		c := median(results[i], func(r result) time.Duration { return r.consumer })
		fmt.Printf("%s: producer attempt %.3f s, consumer attempt(s) %.3f s, the rest (engine, commit and hash, starts) %.3f s\n",
			m.name, p.Seconds(), c.Seconds(), (med[m.name] - p - c).Seconds())
	}
	fanPeak := -1.0
	for i, m := range ms {
		if !strings.HasPrefix(m.name, "fan-out") || strings.Contains(m.name, "tee") {
			continue
		}
		peaks := make([]float64, len(results[i]))
		for j, r := range results[i] {
			peaks[j] = float64(r.shmPeak) / float64(size)
		}
		slices.Sort(peaks)
		fmt.Printf("%s: /dev/shm use above the start while it ran, peak %.3fx the data (median; %.3f-%.3f)\n",
			m.name, peaks[len(peaks)/2], peaks[0], peaks[len(peaks)-1])
		if strings.Contains(m.name, "weir") {
			fanPeak = peaks[len(peaks)-1]
		}
	}

	goal := func(what string, have, want float64, less bool) {
		met := have <= want
		if !less {
			met = have >= want
		}
		verdict := "not met"
		if met {
			verdict = "met"
		}
		fmt.Printf("  %-52s %5.2fx (goal %s %.2fx): %s\n", what, have, map[bool]string{true: "<=", false: ">="}[less], want, verdict)
	}
	w := med["weir: segment, producer -> consumer"]
	fmt.Println("\ngoals")
	if f := med[floorName]; f > 0 && w > 0 {
		goal("weir against the floor", float64(w)/float64(f), 1.15, true)
	}
	if q := med["python multiprocessing.Queue"]; q > 0 && w > 0 {
		goal("weir faster than multiprocessing.Queue", float64(q)/float64(w), 5, false)
	}
	if s := med["python shared_memory"]; s > 0 && w > 0 {
		goal("weir faster than shared_memory", float64(s)/float64(w), 2.5, false)
	}
	if r := med[reusedName]; r > 0 {
		if q := med["python multiprocessing.Queue"]; q > 0 {
			goal("the same with shm_reuse, faster than the Queue", float64(q)/float64(r), 5, false)
		}
		if s := med["python shared_memory"]; s > 0 {
			goal("the same with shm_reuse, faster than shared_memory", float64(s)/float64(r), 2.5, false)
		}
		if f := med[floorName]; f > 0 {
			fmt.Printf("  %-52s %5.2fx\n", "with shm_reuse, against the fresh floor", float64(r)/float64(f))
		}
	}
	if p := med["pipe (default 64 KiB buffer)"]; p > 0 && w > 0 {
		fmt.Printf("  %-52s %5.2fx\n", "weir faster than a pipe (64 KiB)", float64(p)/float64(w))
	}
	if p := med["pipe (1 MiB buffer, F_SETPIPE_SZ)"]; p > 0 && w > 0 {
		fmt.Printf("  %-52s %5.2fx\n", "weir faster than a pipe (1 MiB)", float64(p)/float64(w))
	}
	if fanPeak >= 0 {
		goal("weir fan-out x4: /dev/shm peak over the data (max)", fanPeak, 1.1, true)
	}
	if fw, ft := med["fan-out x4: weir, one segment"], med["fan-out x4: tee to four pipes"]; fw > 0 && ft > 0 {
		fmt.Printf("  %-52s %5.2fx\n", "weir fan-out faster than tee to four pipes", float64(ft)/float64(fw))
	}
}

func median(rs []result, f func(result) time.Duration) time.Duration {
	if len(rs) == 0 {
		return 0
	}
	ds := make([]time.Duration, len(rs))
	for i, r := range rs {
		ds[i] = f(r)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
