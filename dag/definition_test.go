package dag

import (
	"testing"
	"time"
)

func TestDefHash(t *testing.T) {
	base := func() *Task {
		return &Task{ID: "t", Argv: []string{"python3", "x.py", Placeholder(SegmentRef{Task: "gen", Output: "rows"})},
			Env: map[string]string{"A": "1", "B": "2"}, EnvPassthrough: []string{"HOME", "PATH"}, Dir: "/w",
			Inputs: []Input{{Name: "rows", From: []SegmentRef{{Task: "gen", Output: "rows"}}}}, Outputs: []Output{{Name: "out", Size: 10}},
			Memory: 1 << 30, Timeout: time.Minute, Pool: "cpu", Retry: Retry{Attempts: 3}}
	}
	h := base().DefHash()
	same := []func(*Task){
		func(t *Task) { t.Memory = 2 << 30 },
		func(t *Task) { t.Timeout = time.Hour },
		func(t *Task) { t.Pool = "other" },
		func(t *Task) { t.Retry.Attempts = 1 },
		func(t *Task) { t.EnvPassthrough = []string{"PATH", "HOME"} },
	}
	for i, f := range same {
		tk := base()
		f(tk)
		if tk.DefHash() != h {
			t.Errorf("change %d changed the definition", i)
		}
	}
	differ := []func(*Task){
		func(t *Task) { t.Argv[1] = "y.py" },
		func(t *Task) { t.Argv = append(t.Argv, "--fast") },
		func(t *Task) { t.Env["A"] = "2" },
		func(t *Task) { t.Env["C"] = "" },
		func(t *Task) { t.EnvPassthrough = []string{"HOME"} },
		func(t *Task) { t.Dir = "/x" },
		func(t *Task) { t.Inputs[0].From[0].Task = "gen2" },
		func(t *Task) { t.Outputs[0].Size = 11 },
		func(t *Task) { t.Outputs = append(t.Outputs, Output{Name: "log"}) },
		func(t *Task) {
			t.Argv = []string{"python3", "x.py" + Placeholder(SegmentRef{Task: "gen", Output: "rows"})}
		},
	}
	for i, f := range differ {
		tk := base()
		f(tk)
		if tk.DefHash() == h {
			t.Errorf("change %d kept the definition", i)
		}
	}
}
