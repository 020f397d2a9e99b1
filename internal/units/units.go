// Package units renders sizes and durations the way workflows declare them,
// for every message and table weir prints.
package units

import (
	"strconv"
	"strings"
	"time"
)

// Size renders bytes in binary units with at most one decimal: "800 MiB",
// "1.5 GiB", "1 GiB", "512 B".
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	names := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n) / unit
	i := 0
	// Switch units at 1024 after rounding, so 1023.96 MiB reads "1 GiB"
	// rather than "1024 MiB".
	for i < len(names)-1 && roundTenth(v) >= unit {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(roundTenth(v), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + names[i]
}

func roundTenth(v float64) float64 {
	return float64(int64(v*10+0.5)) / 10
}

// Duration is time.Duration's String without the zero units it appends:
// "5m" rather than "5m0s", "2h" rather than "2h0m0s".
func Duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Plural is "1 task", "3 tasks", "2 processes": n and word, in the plural
// unless n is 1.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "s"), strings.HasSuffix(word, "sh"), strings.HasSuffix(word, "ch"), strings.HasSuffix(word, "x"):
		return strconv.Itoa(n) + " " + word + "es"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Thousands writes a non-negative n with commas between groups of three
// digits: 1000000 is "1,000,000". A negative n is written plainly.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
