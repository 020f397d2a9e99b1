package local_test

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/store"
)

// An attempt that holds memory past the sampling interval leaves a sample
// file of "<unix ms> <bytes>" lines and a series in its result; one that
// ends at once leaves neither.
func TestMemorySamples(t *testing.T) {
	for name, r := range runnersUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			var f fixture
			s := f.run(t, context.Background(), r, dag.Pool{},
				helperTask("holder", "alloc 64", 512<<20),
				shTask("quick", "true"),
			)
			layout := store.DirLayout{Root: f.runDir}

			res := lastResult(t, s, "holder")
			if !res.OK() || len(res.Samples) == 0 {
				t.Fatalf("holder: %+v", res)
			}
			var peak int64
			for i, m := range res.Samples {
				if i > 0 && m.At <= res.Samples[i-1].At {
					t.Errorf("samples out of order: %v", res.Samples)
				}
				peak = max(peak, m.Bytes)
			}
			if peak < 32<<20 {
				t.Errorf("the largest sample is %d bytes; the task held 64 MiB", peak)
			}

			lines := readSampleFile(t, layout.Samples("holder", 1))
			if len(lines) != len(res.Samples) {
				t.Errorf("%d lines in the sample file, %d samples in the result", len(lines), len(res.Samples))
			}
			for _, l := range lines {
				if l[0] < res.Start.UnixMilli() || l[0] > res.End.UnixMilli() || l[1] < 0 {
					t.Errorf("sample %v outside the attempt [%d, %d]", l, res.Start.UnixMilli(), res.End.UnixMilli())
				}
			}

			if q := lastResult(t, s, "quick"); len(q.Samples) != 0 {
				t.Errorf("quick: %d samples", len(q.Samples))
			}
			if _, err := os.Stat(layout.Samples("quick", 1)); !os.IsNotExist(err) {
				t.Errorf("quick left a sample file: %v", err)
			}
		})
	}
}

func readSampleFile(t *testing.T, path string) [][2]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		var pair [2]int64
		for i, s := range fields {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("%s: bad line %q: %v", path, sc.Text(), err)
			}
			pair[i] = n
		}
		out = append(out, pair)
	}
	return out
}
