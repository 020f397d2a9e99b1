//go:build linux

package proc

import (
	"slices"
	"testing"
)

func TestParseStat(t *testing.T) {
	line := "4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 102 0 0 0 0 0 0 0 20 0 1 0 987654 1234 56 18446744073709551615\n"
	state, st, err := parseStat([]byte(line))
	if err != nil || state != 'S' || st != 987654 {
		t.Errorf("got %c %d %v", state, st, err)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDedupEnv(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"A=1", "B=2"}, []string{"A=1", "B=2"}},
		{[]string{"A=1", "B=2", "A=3"}, []string{"B=2", "A=3"}},
	} {
		if got := dedupEnv(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("dedupEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
