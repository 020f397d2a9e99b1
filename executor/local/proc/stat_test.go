//go:build linux

package proc

import (
	"slices"
	"testing"
)

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
