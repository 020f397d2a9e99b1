package uibench

import (
	"os"
	"strings"
)

// LoadAvg is /proc/loadavg's first three fields: other work on the
// machine slows the page, and the figures should say so.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
