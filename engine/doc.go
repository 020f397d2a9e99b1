// Package engine owns a run from a checked plan to its end. It ends what
// lost runs left behind, opens the run's segment directories (one per
// pool shm_dir), records the run and its task definitions, adopts the
// outputs a resume reuses, re-attaches to Slurm jobs a killed engine left
// queued, hands the tasks to the scheduler, and after a successful run
// publishes its outputs and releases the segments of the runs it
// superseded.
//
// The command line, the benchmarks and tests call it the same way:
//
//	run, err := engine.Prepare(engine.Options{Plan: plan, Store: st})
//	defer run.Close()
//	summary, err := run.Execute(ctx, kill, watch)
//
// Resume decisions (which tasks of an earlier run are reused, and why the
// rest run again) are Decide's, which plan and why ask too.
package engine
