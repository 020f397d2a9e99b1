package event

import (
	"encoding/json"
	"fmt"
	"time"
)

// MemorySample is the memory an attempt used at one moment, as its cap
// counts it (the cgroup's usage, or the watchdog's sum of resident sets).
type MemorySample struct {
	At    time.Duration // since the attempt started
	Bytes int64
}

// MarshalJSON writes [milliseconds, bytes]: a result keeps up to
// MaxSamples of them, and pairs are a third the size of objects.
func (s MemorySample) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "[%d,%d]", s.At.Milliseconds(), s.Bytes), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *MemorySample) UnmarshalJSON(b []byte) error {
	var pair [2]int64
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("memory sample: want [ms, bytes]: %w", err)
	}
	s.At, s.Bytes = time.Duration(pair[0])*time.Millisecond, pair[1]
	return nil
}

// MaxSamples bounds the samples a Result keeps, however long its attempt
// ran: 2,000 attempts' samples take about 2 MB in the store.
const MaxSamples = 64

// SampleSeries keeps an attempt's memory over time within MaxSamples points:
// when it is full, every other point goes and the stride between kept
// points doubles, so the series always spans the whole attempt evenly.
// The zero value is ready to use; it is not safe for concurrent use.
type SampleSeries struct {
	kept   []MemorySample
	stride int // keep one sample in stride
	seen   int
}

// Add offers one sample.
func (s *SampleSeries) Add(m MemorySample) {
	if s.stride == 0 {
		s.stride = 1
	}
	s.seen++
	if (s.seen-1)%s.stride != 0 {
		return
	}
	if len(s.kept) == MaxSamples {
		half := s.kept[:0]
		for i := 0; i < len(s.kept); i += 2 {
			half = append(half, s.kept[i])
		}
		s.kept = half
		s.stride *= 2
		if (s.seen-1)%s.stride != 0 {
			return
		}
	}
	s.kept = append(s.kept, m)
}

// Samples returns a copy of the kept points, oldest first.
func (s *SampleSeries) Samples() []MemorySample {
	if len(s.kept) == 0 {
		return nil
	}
	return append([]MemorySample(nil), s.kept...)
}
