package executor

import (
	"math"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		backoff time.Duration
		failed  int
		want    time.Duration
	}{
		{2 * time.Second, 1, 2 * time.Second},
		{2 * time.Second, 2, 4 * time.Second},
		{2 * time.Second, 4, 16 * time.Second},
		{0, 5, 0},
		{-time.Second, 2, 0},
		{time.Hour, 80, math.MaxInt64}, // saturates instead of overflowing
	}
	for _, tt := range tests {
		if got := BackoffDelay(tt.backoff, tt.failed); got != tt.want {
			t.Errorf("BackoffDelay(%v, %d) = %v, want %v", tt.backoff, tt.failed, got, tt.want)
		}
	}
}

func TestGrownCap(t *testing.T) {
	const gib = int64(1) << 30
	tests := []struct {
		cap    int64
		growth float64
		limit  int64
		want   int64
	}{
		{gib, 1.5, 0, 3 * gib / 2},
		{gib, 1.5, 5 * gib / 4, 5 * gib / 4},
		{gib, 1, 0, gib},
		{gib, 0, 0, gib},
		{0, 2, 0, 0},            // no cap stays no cap
		{1000, 1.0001, 0, 1001}, // rounds up: a grown cap is never the same cap
		{math.MaxInt64 / 2, 4, 0, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := grownCap(tt.cap, tt.growth, tt.limit); got != tt.want {
			t.Errorf("grownCap(%d, %g, %d) = %d, want %d", tt.cap, tt.growth, tt.limit, got, tt.want)
		}
	}
}

func TestLookupEnv(t *testing.T) {
	env := []string{"A=1", "AB=2", "A=3", "EMPTY="}
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{{"A", "3", true}, {"AB", "2", true}, {"EMPTY", "", true}, {"B", "", false}} {
		if got, ok := lookupEnv(env, tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("lookupEnv(%q) = %q, %v", tt.name, got, ok)
		}
	}
}
