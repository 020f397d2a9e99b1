package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weirflow/weir/executor"
)

// Attempts of one for_each stage that start together with the same
// resources are submitted as one job array, as Slurm users expect: one
// sbatch instead of one per task. The first such Start opens a batch and
// waits Options.ArrayWindow for others to join; then every attempt's
// Durable is waited for and the array goes to sbatch. Element I of array A
// is the job "A_I", watched, stopped and re-attached like any job. Its
// script sends its stdout and stderr to the attempt's logs itself, since
// one --output pattern cannot name every attempt's files; what Slurm
// itself says about an element (its OOM notice) goes nowhere.

// batch is the attempts collected for one array.
type batch struct {
	key   string
	items []*joiner
	taken bool // submitted, or being submitted: joins open a new batch
}

// joiner is one Start waiting in a batch.
type joiner struct {
	ctx  context.Context
	spec *executor.Spec
	args []string // its resourceArgs
	h    *handle
	err  error
	done chan struct{}
	// durable: spec.Durable has run, before an sbatch that was refused
	durable bool
}

// arrayKey groups attempts that can share an array: one stage of one pool,
// the same resources.
func arrayKey(s *executor.Spec, args []string) string {
	return s.Task.Pool + "\x00" + s.Task.Stage + "\x00" + strings.Join(args, "\x00")
}

// startInArray submits s as an element of an array of at most size
// elements, with the others of its stage that start within the window.
func (r *Runner) startInArray(ctx context.Context, s *executor.Spec, args []string, size int) (*handle, error) {
	j := &joiner{ctx: ctx, spec: s, args: args, done: make(chan struct{})}
	key := arrayKey(s, args)
	r.batchMu.Lock()
	b := r.batches[key]
	if b == nil {
		b = &batch{key: key}
		r.batches[key] = b
		time.AfterFunc(r.opts.ArrayWindow, func() { r.submitBatch(b) })
	}
	b.items = append(b.items, j)
	full := len(b.items) >= size
	r.batchMu.Unlock()
	if full {
		r.submitBatch(b)
	}
	<-j.done
	return j.h, j.err
}

// submitBatch submits the attempts of b as arrays (a lone attempt as a
// plain job), once: as many at a time as Slurm's limits leave room for.
func (r *Runner) submitBatch(b *batch) {
	r.batchMu.Lock()
	if b.taken {
		r.batchMu.Unlock()
		return
	}
	b.taken = true
	if r.batches[b.key] == b {
		delete(r.batches, b.key)
	}
	items := b.items
	r.batchMu.Unlock()

	ctx, cancel := r.joinersContext(items)
	defer cancel()
	for len(items) > 0 {
		k, err := r.gate.take(ctx, len(items))
		if err != nil {
			for _, j := range items {
				j.err = fmt.Errorf("slurm: %s attempt %d not submitted: %w", j.spec.Task.ID, j.spec.Attempt, err)
				os.RemoveAll(j.spec.TmpDir)
				close(j.done)
			}
			return
		}
		// A window slurmctld refused goes again, first, once the gate
		// sees room: a refusal is a full cluster, not a failed task.
		items = append(r.submitWindow(items[:k]), items[k:]...)
	}
}

// joinersContext is done once every joiner's start is abandoned, or the
// runner closes: a window may wait long for room in Slurm.
func (r *Runner) joinersContext(js []*joiner) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	var left atomic.Int64
	left.Store(int64(len(js)))
	for _, j := range js {
		stop := context.AfterFunc(j.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
		context.AfterFunc(ctx, func() { stop() })
	}
	go func() {
		select {
		case <-r.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// submitWindow submits js, for which the gate has given room, as one
// array, and gives back the room of those not submitted. It returns the
// attempts slurmctld refused for want of room, to be submitted again.
func (r *Runner) submitWindow(items []*joiner) (refused []*joiner) {
	// Write-ahead, as for a single job: every element is durably recorded
	// running before the array exists (once, however often it is refused).
	var live []*joiner
	for _, j := range items {
		j.err = nil // a refusal's, from its last window
		if err := j.ctx.Err(); err != nil {
			j.err = fmt.Errorf("slurm: not submitted: %w", err)
		} else if j.spec.Durable != nil && !j.durable {
			if err := j.spec.Durable(); err != nil {
				j.err = fmt.Errorf("slurm: not submitted: %w", err)
			}
			j.durable = true
		}
		if j.err != nil {
			os.RemoveAll(j.spec.TmpDir)
			close(j.done)
			continue
		}
		live = append(live, j)
	}
	r.gate.put(len(items) - len(live))
	switch len(live) {
	case 0:
		return nil
	case 1:
		j := live[0]
		j.h, j.err = r.submit(j.ctx, j.spec, sbatchArgs(j.spec, r.pools[j.spec.Task.Pool]))
		if errors.Is(j.err, ErrRefused) {
			return live
		}
		close(j.done)
		return nil
	}
	specs := make([]*executor.Spec, len(live))
	for i, j := range live {
		specs[i] = j.spec
	}
	script, err := arrayScript(specs)
	var id string
	if err == nil {
		name := arrayName(specs[0])
		args := append([]string{"--job-name=" + name, "--array=0-" + strconv.Itoa(len(live)-1),
			"--output=/dev/null", "--error=/dev/null"}, live[0].args...)
		// The starts' contexts differ; one that gives up must not take the
		// others with it.
		ctx, cancel := context.WithTimeout(context.Background(), r.client.timeout)
		id, err = r.client.Submit(ctx, args, script)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			// sbatch may have created the array before it was killed.
			ctx, cancel := context.WithTimeout(context.Background(), r.client.timeout)
			r.client.CancelByName(ctx, name)
			cancel()
		}
		if err != nil {
			err = fmt.Errorf("submitting %d attempts of stage %s to Slurm as an array (pool %q): %w", len(live), specs[0].Task.Stage, specs[0].Task.Pool, err)
		}
	}
	switch {
	case errors.Is(err, ErrRefused):
		r.gate.refused(len(live))
		return live
	case err != nil:
		r.gate.put(len(live))
	default:
		r.gate.sent(len(live))
		r.submitted.Add(uint64(len(live)))
	}
	submitted := time.Now()
	for i, j := range live {
		if err != nil {
			j.err = err
			os.RemoveAll(j.spec.TmpDir)
		} else {
			j.h = r.newHandle(j.spec, state{JobID: id + "_" + strconv.Itoa(i), JobName: arrayName(specs[0]), Submitted: submitted})
			j.h.counted = true
			if j.err = r.watch(j.h); j.err != nil {
				j.h = nil
				r.gate.ended() // the runner closed: a later engine may take it over
			}
		}
		close(j.done)
	}
	return nil
}

// arrayName names an array's job after its first element's attempt: every
// element carries it, and no other array of the run does, so that the
// scancel --name after an sbatch that timed out cancels this array only.
func arrayName(first *executor.Spec) string {
	return JobName(first) + "-array"
}

// arrayScript is the batch script of an array: element I runs specs[I]
// as Script would, writing its own logs.
func arrayScript(specs []*executor.Spec) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# weir run %s, stage %s: %d attempts\n", oneLine(specs[0].RunID), oneLine(specs[0].Task.Stage), len(specs))
	b.WriteString(slurmVars)
	b.WriteString("case \"$SLURM_ARRAY_TASK_ID\" in\n")
	for i, s := range specs {
		cd, exec, err := commands(s)
		if err != nil {
			return nil, err
		}
		out, err := quote(s.Stdout)
		if err != nil {
			return nil, err
		}
		errf, err := quote(s.Stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%d) # task %s, attempt %d\nexec >%s 2>%s\n%s%s;;\n", i, oneLine(s.Task.ID), s.Attempt, out, errf, cd, exec)
	}
	b.WriteString("esac\necho \"weir: no attempt for array index $SLURM_ARRAY_TASK_ID\" >&2\nexit 127\n")
	return []byte(b.String()), nil
}
