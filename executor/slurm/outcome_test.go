package slurm

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
)

// What people read about an attempt's end says what happened and where.
func TestOutcomeDetails(t *testing.T) {
	s := &executor.Spec{Task: &dag.Task{ID: "t"}, Memory: 64 << 20, Timeout: 90 * time.Second}
	uncapped := &executor.Spec{Task: &dag.Task{ID: "t"}}
	start, end := at("2026-11-26T08:42:53"), at("2026-11-26T08:44:05")
	tests := []struct {
		name  string
		job   Job
		cause event.Reason
		peak  int64
		want  event.Result
	}{
		{"oom", Job{ID: "6", State: "OUT_OF_MEMORY", Signal: 125, NodeList: "vm"}, "", 48 << 20,
			event.Result{Reason: event.OOM, PeakMemory: 64 << 20, Detail: "exceeded its memory cap of 64 MiB (peak 64 MiB; --mem of Slurm job 6 on vm)"}},
		{"oom without a cap", Job{ID: "6", State: "OUT_OF_MEMORY", Signal: 125, NodeList: "(null)"}, "", 0,
			event.Result{Reason: event.OOM, Detail: "exceeded the memory Slurm gives a job that declares none (the cluster's DefMemPerCPU; Slurm job 6); declare memory for the stage"}},
		{"signal", Job{ID: "5", State: "FAILED", Signal: 9, NodeList: "vm"}, "", 0,
			event.Result{Reason: event.Signal, Signal: 9, Detail: "killed by signal killed (Slurm job 5 on vm)"}},
		{"exit", Job{ID: "4", State: "FAILED", ExitCode: 3}, "", 0,
			event.Result{Reason: event.Exit, ExitCode: 3}},
		{"no exit status", Job{ID: "4", State: "FAILED", Reason: "JobLaunchFailure"}, "", 0,
			event.Result{Reason: event.StartFailed, Detail: "Slurm job 4 failed (JobLaunchFailure) without an exit status; see its stderr log"}},
		{"time limit", Job{ID: "2", State: "TIMEOUT", Signal: 15}, "", 0,
			event.Result{Reason: event.Timeout, Detail: "ran past its Slurm time limit (timeout 1m30s, rounded up to whole minutes; Slurm job 2)"}},
		{"node failure", Job{ID: "17", State: "NODE_FAIL", Reason: "NodeDown", NodeList: "vm"}, "", 0,
			event.Result{Reason: event.Lost, Detail: "Slurm job 17 on vm ended NODE_FAIL (NodeDown)"}},
		{"preempted", Job{ID: "18", State: "PREEMPTED", Reason: "None"}, "", 0,
			event.Result{Reason: event.Lost, Detail: "Slurm job 18 ended PREEMPTED (None)"}},
		{"scancel by someone", Job{ID: "7", State: "CANCELLED", Signal: 15}, "", 0,
			event.Result{Reason: event.Cancelled, Detail: "Slurm job 7 was cancelled outside weir (scancel?)"}},
		{"stopped by weir", Job{ID: "14", State: "FAILED", Signal: 15}, event.Cancelled, 0,
			event.Result{Reason: event.Cancelled}},
		{"weir's timeout", Job{ID: "14", State: "CANCELLED", Signal: 15}, event.Timeout, 0,
			event.Result{Reason: event.Timeout, Detail: "ran past its timeout of 1m30s"}},
		{"forgotten", *lostJob("9", "Slurm has no record of it"), "", 0,
			event.Result{Reason: event.Lost, Detail: "Slurm job 9: Slurm has no record of it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := tt.job
			j.Start, j.End = start, end
			spec := s
			if tt.name == "oom without a cap" {
				spec = uncapped // Slurm's DefMemPerCPU capped it
			}
			got := outcome(&j, spec, tt.cause, tt.peak, time.Now())
			want := tt.want
			want.Start, want.End, want.Enforcement = start, end, event.Cluster
			if want.PeakMemory == 0 {
				want.PeakMemory = tt.peak
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A job cancelled while pending never started: it starts and ends at
	// its end, whatever start Slurm expected for it.
	j := Job{ID: "9", State: "CANCELLED", Start: at("2026-11-26T09:42:51"), End: start}
	if r := outcome(&j, s, "", 0, time.Now()); !r.Start.Equal(start) || !r.End.Equal(start) {
		t.Errorf("pending job: %v..%v", r.Start, r.End)
	}
}
