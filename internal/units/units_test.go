package units

import (
	"testing"
	"time"
)

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:                     "0 B",
		1023:                  "1023 B",
		1024:                  "1 KiB",
		800 << 20:             "800 MiB",
		1 << 30:               "1 GiB",
		3 << 29:               "1.5 GiB",
		(1 << 30) - (1 << 10): "1 GiB",
		5 << 40:               "5 TiB",
	} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Second:        "1m30s",
		5 * time.Minute:         "5m",
		2 * time.Hour:           "2h",
		90 * time.Minute:        "1h30m",
		48 * time.Hour:          "48h",
		1500 * time.Millisecond: "1.5s",
		time.Hour + time.Second: "1h0m1s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n          int
		word, want string
	}{
		{0, "task", "0 tasks"},
		{1, "task", "1 task"},
		{2, "process", "2 processes"},
		{1, "process", "1 process"},
		{3, "match", "3 matches"},
		{12, "job", "12 jobs"},
	} {
		if got := Plural(tt.n, tt.word); got != tt.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tt.n, tt.word, got, tt.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {1000000, "1,000,000"}, {-1234, "-1234"},
	} {
		if got := Thousands(tc.n); got != tc.want {
			t.Errorf("Thousands(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
