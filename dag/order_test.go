package dag

import (
	"slices"
	"testing"
	"time"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		name  string
		tasks []*Task
		want  []string
	}{
		{"valid declaration order kept", []*Task{tk("a"), tk("b", "a"), tk("c"), tk("d", "b", "c")}, []string{"a", "b", "c", "d"}},
		{"independent", []*Task{tk("z"), tk("y"), tk("x")}, []string{"z", "y", "x"}},
		{"dependent declared first", []*Task{tk("b", "a"), tk("c"), tk("a")}, []string{"c", "a", "b"}},
		// Once a is done, b (declared before d) goes before d even though d
		// was ready earlier.
		{"ready ties by declaration", []*Task{tk("a"), tk("b", "a"), tk("d")}, []string{"a", "b", "d"}},
		{"chain reversed", []*Task{tk("c", "b"), tk("b", "a"), tk("a")}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, tt.tasks...)
			if got := ids(g.Order()); !slices.Equal(got, tt.want) {
				t.Errorf("Order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLayers(t *testing.T) {
	g := mustNew(t, tk("d", "b", "c"), tk("a"), tk("b", "a"), tk("c", "a"), tk("e"), tk("f", "a", "d"))
	var got [][]string
	for _, l := range g.Layers() {
		got = append(got, ids(l))
	}
	want := [][]string{{"a", "e"}, {"b", "c"}, {"d"}, {"f"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Layers = %v, want %v", got, want)
	}
}

func TestStartOrder(t *testing.T) {
	// long: a(1s) -> b(10s); short: c(5s); d(5s) ready with c.
	a := tk("a")
	b := tk("b", "a")
	b.Estimate = 10 * time.Second
	c := tk("c")
	c.Estimate = 5 * time.Second
	d := tk("d")
	d.Estimate = 5 * time.Second
	g := mustNew(t, c, d, a, b)
	// a leads the longest chain (11s); c and d tie at 5s, c declared first.
	if got := ids(g.StartOrder(nil)); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("StartOrder(nil) = %v", got)
	}
	// With equal weights, a's chain (2) beats c and d (1 each); then b ties
	// with them and goes last, being declared last.
	one := func(*Task) time.Duration { return time.Second }
	if got := ids(g.StartOrder(one)); !slices.Equal(got, []string{"a", "c", "d", "b"}) {
		t.Errorf("StartOrder(one) = %v", got)
	}
	// With zero weights, all tie: declaration order among ready tasks.
	zero := func(*Task) time.Duration { return 0 }
	if got := ids(g.StartOrder(zero)); !slices.Equal(got, []string{"c", "d", "a", "b"}) {
		t.Errorf("StartOrder(zero) = %v", got)
	}
}
