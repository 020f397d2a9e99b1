package slurm

import (
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
)

// Two arrays of one stage never share a name: the scancel --name that
// follows an sbatch that timed out must not cancel the other.
func TestArrayNames(t *testing.T) {
	spec := func(run, key string, attempt int) *executor.Spec {
		return &executor.Spec{RunID: run, Attempt: attempt,
			Task: &dag.Task{ID: "fan[" + key + "]", Stage: "fan", Key: key, Keyed: true}}
	}
	names := map[string]string{}
	for _, tt := range []struct {
		what string
		s    *executor.Spec
	}{
		{"the first window", spec("r1", "a", 1)},
		{"a later window of the same stage", spec("r1", "k", 1)},
		{"a retry's window", spec("r1", "a", 2)},
		{"the same first task in another run", spec("r2", "a", 1)},
	} {
		n := arrayName(tt.s)
		if other, dup := names[n]; dup {
			t.Errorf("%s and %s are both named %s", tt.what, other, n)
		}
		names[n] = tt.what
	}
}
