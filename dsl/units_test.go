package dsl

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"512MiB", 512 << 20, false},
		{"2GiB", 2 << 30, false},
		{"1.5GB", 1_500_000_000, false},
		{"100M", 100 << 20, false},
		{"100m", 100 << 20, false},
		{"4096", 4096, false},
		{"1k", 1024, false},
		{"1KB", 1000, false},
		{" 8 GiB ", 8 << 30, false},
		{"0", 0, false},
		{"1.5GiB", 3 << 29, false},
		{"", 0, true},
		{"-1GiB", 0, true},
		{"GiB", 0, true},
		{"12 gigs", 0, true},
		{"1.2.3G", 0, true},
		{"0.5", 0, true},
		{"99999999999PiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"90s", 90 * time.Second, false},
		{"5m", 5 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"2d", 48 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"0s", 0, false},
		{"", 0, true},
		{"5", 0, true},
		{"-5s", 0, true},
		{"5 minutes", 0, true},
		{"xd", 0, true},
		{"1d-5s", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseCPUList(t *testing.T) {
	got, err := parseCPUList("0-2, 5,1")
	if err != nil || len(got) != 4 || got[0] != 0 || got[3] != 5 {
		t.Errorf("parseCPUList = %v, %v", got, err)
	}
	for _, bad := range []string{"", "a", "3-1", "-1", "1-", "9999"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q) accepted", bad)
		}
	}
}
