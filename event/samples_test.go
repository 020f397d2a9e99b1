package event_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
)

func TestSampleSeries(t *testing.T) {
	for _, n := range []int{0, 1, 2, event.MaxSamples - 1, event.MaxSamples, event.MaxSamples + 1, 1000, 28_800} {
		var s event.SampleSeries
		for i := range n {
			s.Add(event.MemorySample{At: time.Duration(i) * time.Second, Bytes: int64(i)})
		}
		got := s.Samples()
		if n == 0 {
			if got != nil {
				t.Errorf("no samples added: got %v", got)
			}
			continue
		}
		if len(got) > event.MaxSamples || len(got) < min(n, event.MaxSamples/2) {
			t.Errorf("%d added: kept %d", n, len(got))
		}
		if got[0].Bytes != 0 {
			t.Errorf("%d added: the first sample is gone: %v", n, got[0])
		}
		// Evenly spread: one stride between all kept points, and the last
		// one within a stride of the end.
		if len(got) > 1 {
			stride := got[1].Bytes - got[0].Bytes
			for i := 1; i < len(got); i++ {
				if got[i].Bytes-got[i-1].Bytes != stride {
					t.Fatalf("%d added: uneven series %v", n, got)
				}
			}
			if last := got[len(got)-1].Bytes; int64(n-1)-last >= stride {
				t.Errorf("%d added: the series ends at %d, stride %d", n, last, stride)
			}
		}
	}
}

func TestMemorySampleJSON(t *testing.T) {
	in := []event.MemorySample{{At: 250 * time.Millisecond, Bytes: 1 << 20}, {At: 2 * time.Second, Bytes: 0}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[[250,1048576],[2000,0]]" {
		t.Errorf("marshal: %s", b)
	}
	var out []event.MemorySample
	if err := json.Unmarshal(b, &out); err != nil || !slices.Equal(in, out) {
		t.Errorf("round trip: %v, %v", out, err)
	}
	var bad event.MemorySample
	if err := json.Unmarshal([]byte(`{"at":1}`), &bad); err == nil {
		t.Error("an object decoded as a sample")
	}
}
