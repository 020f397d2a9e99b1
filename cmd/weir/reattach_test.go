package main

import (
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

func TestLastSlurmAttempt(t *testing.T) {
	task := &dag.Task{ID: "shard[a/b]"}
	lost := &event.Result{Reason: event.Lost}
	exit := &event.Result{Reason: event.Exit, ExitCode: 3}
	tests := []struct {
		name     string
		begun    int
		attempts []store.AttemptRecord
		want     string // the handle state re-attached to; "" = none
	}{
		{"never started", 0, nil, ""},
		{"running with its job id", 1, []store.AttemptRecord{{N: 1, Handle: []byte(`{"job_id":"7"}`)}}, `{"job_id":"7"}`},
		{"marked lost when its engine died", 2, []store.AttemptRecord{{N: 1, Result: exit}, {N: 2, Handle: []byte(`{"job_id":"9"}`), Result: lost}}, `{"job_id":"9"}`},
		{"ended while watched", 1, []store.AttemptRecord{{N: 1, Handle: []byte(`{"job_id":"7"}`), Result: exit}}, ""},
		// The engine died between sbatch and the journal's record of the
		// job id: the job is found by its name.
		{"job id never recorded", 2, []store.AttemptRecord{{N: 1, Result: exit}}, `{"job_name":"weir-r1-shard%5Ba%2Fb%5D-2"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := lastSlurmAttempt("r1", task, store.TaskRecord{ID: task.ID, Attempts: tt.begun}, tt.attempts)
			got := ""
			if ok {
				got = string(a.Handle)
				if a.N != tt.begun {
					t.Errorf("attempt %d, want %d", a.N, tt.begun)
				}
			}
			if got != tt.want {
				t.Errorf("state %q, want %q", got, tt.want)
			}
		})
	}
}
