package dsl

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads Go duration syntax ("90s", "5m", "1h30m") and also
// whole days ("2d", "1d12h"), which long batch jobs need and Go lacks.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if strings.ContainsAny(t, "-+") {
		return 0, fmt.Errorf("duration %q has a sign; durations are positive, as in \"90s\"", s)
	}
	var days time.Duration
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		n, err := strconv.ParseUint(t[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("duration %q: days must be a whole number before \"d\"", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		t = t[i+1:]
		if t == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("duration %q is not valid (examples: \"90s\", \"5m\", \"1h30m\", \"2d\")", s)
	}
	return days + d, nil
}
