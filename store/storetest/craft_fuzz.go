package storetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// Place is where a crafted state dir lives: its state dir and shm_dir, the
// sentinel tree beside them, and a process that records may name but that
// nothing may signal.
type Place struct {
	State, Shm, Outside string
	Bystander
	// DefHash gives the tasks that the caller's plan declares their
	// definition hash, so that a crafted record can pass for reusable.
	DefHash map[string]string
}

// NewPlace lays out the places of a crafted state dir under root.
func NewPlace(root string, b Bystander) Place {
	return Place{State: filepath.Join(root, "state"), Shm: filepath.Join(root, "shm"), Outside: filepath.Join(root, "outside"), Bystander: b}
}

// Plant crafts records from data into p's store and arms a sentinel on
// p.Outside; ok is false when bbolt refuses a crafted key, as no real store
// can hold one.
func Plant(t testing.TB, data []byte, p Place) (sentinel *Sentinel, ok bool) {
	sentinel = NewSentinel(t, p.Outside)
	recs, err := Craft(data, p)
	if err != nil {
		t.Fatal(err)
	}
	if PutErr(p.State, recs) != nil {
		return nil, false
	}
	sentinel.Arm(t)
	return sentinel, true
}

// picker draws choices from fuzz bytes; past their end it draws zeros.
type picker struct{ b []byte }

func (p *picker) next() int {
	if len(p.b) == 0 {
		return 0
	}
	c := p.b[0]
	p.b = p.b[1:]
	return int(c)
}

// pick is one of options, or (one value in len+1) a raw string of data.
func (p *picker) pick(options ...string) string {
	i := p.next() % (len(options) + 1)
	if i < len(options) {
		return options[i]
	}
	n := min(p.next()%24, len(p.b))
	s := string(p.b[:n])
	p.b = p.b[n:]
	return s
}

// Craft turns fuzz bytes into store records for p: up to three runs whose
// ids, shm_dir, pool_shm_dirs, task outputs, Slurm and local handles and
// engines are each chosen from what a damaged or hostile state dir would
// hold (the place's own directories, the sentinel tree, links into it,
// climbs, grammar breakers, another process) or taken raw from data. It
// makes the directories runs with sound ids leave, as a real run does, and
// links from the shm_dir and the state dir into the sentinel tree.
func Craft(data []byte, p Place) (Records, error) {
	pk := &picker{b: data}
	for _, l := range [][2]string{{p.Outside, filepath.Join(p.Shm, "linked")}, {filepath.Join(p.Outside, "r1"), filepath.Join(p.State, "runs", "linkrun")}} {
		if err := os.MkdirAll(filepath.Dir(l[1]), 0o700); err != nil {
			return Records{}, err
		}
		if err := os.Symlink(l[0], l[1]); err != nil && !os.IsExist(err) {
			return Records{}, err
		}
	}
	recs := Records{Tasks: map[string][]store.TaskRecord{}, Attempts: map[string][]store.AttemptRecord{}}
	n := 1 + pk.next()%3
	var ids []string
	for range n {
		ids = append(ids, pk.pick("r1", "r2", "20261126-071512-3fa9c1", "..", ".", "../outside", "a/b", "/abs", "linked", "linkrun", ""))
	}
	for _, id := range ids {
		dirFor := func() string {
			return pk.pick(filepath.Join(p.Shm, id), filepath.Join(p.Shm, "r2"), p.Outside, filepath.Join(p.Outside, id),
				filepath.Join(p.Shm, "linked", id), "/", "relative/"+id, p.Shm+"/x/../"+id, filepath.Join(p.Outside, "r1"), "", "/"+id)
		}
		r := store.RunRecord{ID: id, Workflow: pk.pick("/w/a.hcl", "/w/b.hcl"), ShmDir: dirFor(),
			State:   store.RunState(pk.pick("failed", "lost", "succeeded", "cancelled", "running")),
			Resumes: pk.pick(append(append([]string{}, ids...), "")...),
			Started: time.Unix(1e9, 0), Ended: time.Unix(1e9+60, 0)}
		for range pk.next() % 3 {
			r.PoolShmDirs = append(r.PoolShmDirs, dirFor())
		}
		switch pk.next() % 4 {
		case 0:
			r.Engine = store.Engine{Pid: p.Bystander.Pid, StartTime: p.Bystander.Start}
		case 1:
			r.Engine = store.Engine{Pid: p.Bystander.Pid}
		case 2:
			r.Engine = store.Engine{Pid: 1}
		}
		recs.Runs = append(recs.Runs, r)
		if store.CheckRunID(id) == nil {
			if err := leaveRunDirs(p, id); err != nil {
				return Records{}, err
			}
		}
		for range 1 + pk.next()%3 {
			task := pk.pick("a", "b", "shard[0]", "../x", "")
			name := pk.pick("out", "..", "a/b", "")
			path := pk.pick(filepath.Join(p.Shm, id, dag.Slug(task), name), filepath.Join(p.Outside, "file"), filepath.Join(p.Outside, "r1", "a", "out"),
				filepath.Join(p.Shm, "linked", "r1", "a", "out"), p.Shm+"/"+id+"/a/../../../outside/file", filepath.Join(p.Outside, "dir"), "")
			rec := store.TaskRecord{ID: task, State: event.TaskState(pk.pick("succeeded", "failed", "running", "reused", "pending")), Attempts: pk.next() % 3,
				DefHash: p.DefHash[task], Outputs: []store.OutputRecord{{Name: name, Path: path, Size: int64(len("precious file")), Hash: pk.pick("", "0123456789abcdef")}}}
			recs.Tasks[id] = append(recs.Tasks[id], rec)
			for a := 1; a <= rec.Attempts; a++ {
				var handle any
				switch pk.next() % 3 {
				case 0:
					handle = map[string]string{"job_id": pk.pick("4711", "--me", "4711,1", "0", ""), "job_name": pk.pick("weir-"+id+"-a-1", "weir-other-a-1", "x", "")}
				case 1:
					handle = map[string]any{"pid": p.Bystander.Pid, "start_time": p.Bystander.Start}
				default:
					handle = pk.pick()
				}
				h, _ := json.Marshal(handle)
				at := store.AttemptRecord{Task: task, N: a, Handle: h, Started: time.Unix(1e9, 0)}
				if pk.next()%2 == 0 {
					at.Result = &event.Result{Reason: event.Lost}
				}
				recs.Attempts[id] = append(recs.Attempts[id], at)
			}
		}
	}
	return recs, nil
}

// leaveRunDirs makes what a run with a sound id leaves: its temporary
// directory and a segment.
func leaveRunDirs(p Place, id string) error {
	for _, f := range []string{filepath.Join(p.State, "runs", id, "tmp", "scratch"), filepath.Join(p.Shm, id, "a", "out")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(f, []byte("precious file"), 0o600); err != nil {
			return err
		}
	}
	return nil
}
