package main

import (
	"strconv"
	"strings"
	"time"
)

// humanSize renders bytes in binary units with at most one decimal, the
// way workflows usually declare them: "800 MiB", "1.5 GiB", "1 GiB".
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n) / unit
	i := 0
	// Switch units at 1024 after rounding, so 1023.96 MiB reads "1 GiB"
	// rather than "1024 MiB".
	for i < len(units)-1 && roundTenth(v) >= unit {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(roundTenth(v), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[i]
}

func roundTenth(v float64) float64 {
	return float64(int64(v*10+0.5)) / 10
}

// humanDuration is time.Duration's String without the zero units it
// appends: "5m" rather than "5m0s", "2h" rather than "2h0m0s".
func humanDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// plural returns "1 stage" or "3 stages".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
