package local

import (
	"os"
	"strconv"
	"time"

	"github.com/weirflow/weir/event"
)

// SampleInterval is how often an attempt's memory is sampled for the
// sample file and its result. Attempts shorter than this leave no samples,
// so a flood of tiny tasks costs no extra file each.
const SampleInterval = 250 * time.Millisecond

// slowDownAfter is the number of lines written at one rate before the rate
// halves: a two-hour attempt writes about 3,000 lines (75 kB), not 29,000.
const slowDownAfter = 512

// sampleFile appends an attempt's memory use to Spec.Samples while it runs,
// one "<unix ms> <bytes>" line at a time, for readers that tail it (the
// terminal view, the UI), and keeps the bounded series its result carries.
type sampleFile struct {
	path   string
	start  time.Time
	f      *os.File
	failed bool // the file could not be written: keep the series only
	every  time.Duration
	next   time.Time
	lines  int
	series event.SampleSeries
}

func newSampleFile(path string, start time.Time) *sampleFile {
	return &sampleFile{path: path, start: start, every: SampleInterval, next: start.Add(SampleInterval)}
}

// add records usage measured at now if a sample is due.
func (s *sampleFile) add(now time.Time, bytes int64) {
	if now.Before(s.next) {
		return
	}
	s.next = now.Add(s.every)
	s.series.Add(event.MemorySample{At: now.Sub(s.start), Bytes: bytes})
	if s.path == "" || s.failed {
		return
	}
	if s.f == nil {
		f, err := createLog(s.path)
		if err != nil {
			// Samples are for watching; losing them must not fail the task.
			s.failed = true
			return
		}
		s.f = f
	}
	line := strconv.AppendInt(nil, now.UnixMilli(), 10)
	line = append(line, ' ')
	line = strconv.AppendInt(line, bytes, 10)
	line = append(line, '\n')
	if _, err := s.f.Write(line); err != nil {
		s.failed = true
	}
	if s.lines++; s.lines%slowDownAfter == 0 {
		s.every *= 2
	}
}

// close ends the file and returns the series for the result.
func (s *sampleFile) close() []event.MemorySample {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	return s.series.Samples()
}
