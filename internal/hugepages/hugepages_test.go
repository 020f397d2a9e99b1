package hugepages

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestAdvise: a large slice advised before its first touch is backed by
// huge pages where the kernel offers them on request.
func TestAdvise(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Skipf("transparent huge pages are not offered here (%q)", mode)
	}
	for _, c := range []struct {
		name   string
		advise bool
		want   bool
	}{
		{"advised", true, true},
		{"not advised", false, bytes.Contains(mode, []byte("[always]"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := make([]int64, 8<<20) // 64 MiB
			if c.advise {
				Advise(s)
			}
			for i := 0; i < len(s); i += 512 {
				s[i] = 1
			}
			huge := anonHugeKiB(t, uintptr(unsafe.Pointer(&s[0])), uintptr(len(s))*8)
			if got := huge > 0; got != c.want {
				t.Errorf("%d KiB of huge pages under the slice, want some: %v", huge, c.want)
			}
		})
	}
}

// anonHugeKiB sums AnonHugePages of the mappings overlapping [p, p+n).
func anonHugeKiB(t *testing.T, p, n uintptr) int {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sum, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uintptr(a) < p+n && uintptr(b) > p
			continue
		}
		if in && len(fields) >= 2 && fields[0] == "AnonHugePages:" {
			kb, _ := strconv.Atoi(fields[1])
			sum += kb
		}
	}
	return sum
}
