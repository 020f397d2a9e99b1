package dag

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
)

// definitionHash is DefHash as it was first written, over Definition's
// components: the value every recorded run holds.
func definitionHash(t *Task) string {
	h := sha256.New()
	for _, c := range t.Definition() {
		h.Write([]byte(strconv.Itoa(len(c.Name)) + ":" + c.Name + strconv.Itoa(len(c.Value)) + ":" + c.Value))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// defHashTasks cover every component of a definition.
func defHashTasks() map[string]*Task {
	seg := Placeholder(SegmentRef{Task: "gen[a b]", Output: "rows"})
	return map[string]*Task{
		"empty":   {ID: "e"},
		"argv":    {ID: "w[7]", Argv: []string{"true", "7"}, Dir: "/w"},
		"segment": {ID: "s", Argv: []string{"cat", seg, "--in=" + seg + "x"}, Dir: "/w"},
		"script":  {ID: "sc", Script: "echo a\n\necho " + seg + "\n", Argv: []string{"/bin/sh", "-eu", "-c", "x", "sc"}},
		"env": {ID: "v", Argv: []string{"x"}, Env: map[string]string{"B": "2", "A": seg, "LONG_NAME_10": ""},
			EnvPassthrough: []string{"PATH", "HOME", "LANG"}},
		"io": {ID: "io", Argv: []string{"x"},
			Inputs:  []Input{{Name: "rows", From: []SegmentRef{{Task: "a", Output: "o"}, {Task: "b[1]", Output: "p"}}}, {Name: "none"}},
			Outputs: []Output{{Name: "out", Size: 1 << 40}, {Name: "min", Size: 10, MinSize: 10}, {Name: "free"}}},
		"many args": {ID: "m", Argv: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}},
	}
}

// TestDefHashUnchanged: DefHash without Definition's strings hashes what
// Definition lists, so the hashes recorded by runs before it still match
// and a resume reuses their tasks. The golden values were recorded with
// the first DefHash.
func TestDefHashUnchanged(t *testing.T) {
	golden := map[string]string{
		"empty":     "3acadce43484201e7892f3b9ee115b82",
		"argv":      "a658400aeba5df4465077a00f33ef3c6",
		"segment":   "d7d8c32799cda74e02d60672a3e8c616",
		"script":    "a97b38238d6d60e55929e86bc003638b",
		"env":       "069d80d286dd4c3c65cc633fd66f80ee",
		"io":        "d0bf2fc1a486ee1c24cc0bf815d299b5",
		"many args": "a57176a055970b1719d37679df9ce9a1",
	}
	for name, task := range defHashTasks() {
		t.Run(name, func(t *testing.T) {
			got := task.DefHash()
			if want := definitionHash(task); got != want {
				t.Errorf("DefHash %s, over Definition %s", got, want)
			}
			if golden[name] != got {
				t.Errorf("DefHash %s, recorded runs hold %s", got, golden[name])
			}
		})
	}
}

// TestDefHasherReused: one DefHasher over many tasks gives each its own
// hash, whatever it hashed before.
func TestDefHasherReused(t *testing.T) {
	var h DefHasher
	for range 2 {
		for name, task := range defHashTasks() {
			sum := h.Sum(task)
			if got, want := hex.EncodeToString(sum[:]), definitionHash(task); got != want {
				t.Errorf("%s: %s, want %s", name, got, want)
			}
		}
	}
}

// BenchmarkDefHash compares a wide stage's task hashed through Definition
// (as DefHash first did) with DefHasher, in the same run.
func BenchmarkDefHash(b *testing.B) {
	task := &Task{ID: "work[123456]", Argv: []string{"true", "123456"}, Dir: "/home/u/wf"}
	b.Run("definition", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			definitionHash(task)
		}
	})
	b.Run("hasher", func(b *testing.B) {
		b.ReportAllocs()
		var h DefHasher
		for b.Loop() {
			h.Sum(task)
		}
	})
}
