package main

import (
	"fmt"
	"testing"
	"time"
)

// TestWaitOwnExcludesChildren checks that the CPU of the children a
// command reaped is not counted as its own.
func TestWaitOwnExcludesChildren(t *testing.T) {
	c, err := command(nil, "sh", "-c", "i=0; while [ $i -lt 4 ]; do sh -c 'j=0; while [ $j -lt 100000 ]; do j=$((j+1)); done'; i=$((i+1)); done")
	if err != nil {
		t.Fatal(err)
	}
	if c.cpu < 50*time.Millisecond {
		t.Fatalf("the children took only %v of CPU: too little to tell apart (make them work longer)", c.cpu)
	}
	if c.own*2 > c.cpu {
		t.Errorf("own CPU %v is over half of all %v: the children's was counted", c.own, c.cpu)
	}
}

// TestRoundOrder: a base contender and the one of this build after it
// swap places every other round; the rest keep theirs.
func TestRoundOrder(t *testing.T) {
	cs := []contender{{name: "go loop"}, {name: "base, a"}, {name: "weir, a"}, {name: "base, b"}, {name: "weir, b"}, {name: "weir, c"}}
	for r, want := range [][]int{{0, 1, 2, 3, 4, 5}, {0, 2, 1, 4, 3, 5}, {0, 1, 2, 3, 4, 5}} {
		got := roundOrder(cs, r)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("round %d: %v, want %v", r, got, want)
		}
	}
}
