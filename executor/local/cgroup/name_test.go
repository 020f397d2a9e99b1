package cgroup

import (
	"strings"
	"testing"
)

func TestDirName(t *testing.T) {
	for _, tc := range []struct {
		seq  uint64
		name string
		want string
	}{
		{1, "extract", "1-extract"},
		{2, "stats[p99]", "2-stats_p99_"},
		{3, "../../etc/passwd", "3-.._.._etc_passwd"},
		{4, "", "4"},
		{5, "..", "5-.."},
		{6, "a b/c", "6-a_b_c"},
		{7, "naïve", "7-na__ve"},
		{8, strings.Repeat("x", 300), "8-" + strings.Repeat("x", maxNameLen)},
	} {
		if got := dirName(tc.seq, tc.name); got != tc.want {
			t.Errorf("dirName(%d, %q) = %q, want %q", tc.seq, tc.name, got, tc.want)
		}
	}
}
