package uibench

import (
	"bytes"
	"testing"
)

// The builds and rounds compared must lay out one graph: the same n gives
// the same graph.json every time.
func TestWriteGraphSame(t *testing.T) {
	for _, n := range []int{1, 50, 2000} {
		var a, b bytes.Buffer
		if err := WriteGraph(&a, n); err != nil {
			t.Fatal(err)
		}
		// Map order differs between iterations, not only between runs.
		for range 5 {
			b.Reset()
			if err := WriteGraph(&b, n); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%d stages: two writes differ (%d and %d bytes)", n, a.Len(), b.Len())
			}
		}
	}
}
