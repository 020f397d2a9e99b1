package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"strconv"
	"sync"

	"github.com/weirflow/weir/dag"
)

// PlanHash digests everything of a plan that a resume's decision reads:
// each task's ID, definition hash, dependencies and outputs (name, keep,
// publish), in declaration order. The run records it; a resume of a plan
// with the same hash knows that every task the run ended done is unchanged
// without reading its record.
func PlanHash(plan *dag.Plan) string { return planHash(plan, defHashes(plan)) }

// defHashes is the definition hash of each task of plan, in order, as
// digests: DefHash is their hex, which a million tasks need not allocate. The
// tasks are shared out among the CPUs: at a million tasks the hashes take
// over 2 s of CPU, all before the first task can start.
func defHashes(plan *dag.Plan) [][16]byte {
	defs := make([][16]byte, len(plan.Tasks))
	const least = 4096 // fewer tasks a goroutine cost more than they save
	n := min(runtime.GOMAXPROCS(0), (len(defs)+least-1)/least)
	var wg sync.WaitGroup
	for part := range n {
		lo, hi := part*len(defs)/n, (part+1)*len(defs)/n
		wg.Go(func() {
			var h dag.DefHasher
			for i := lo; i < hi; i++ {
				defs[i] = h.Sum(plan.Tasks[i])
			}
		})
	}
	wg.Wait()
	return defs
}

// planHash is PlanHash with the tasks' definition hashes given (defHashes),
// so that a run that records them too hashes each definition once.
func planHash(plan *dag.Plan, defs [][16]byte) string {
	h := sha256.New()
	var buf []byte
	field := func(s string) {
		// Lengths first, so that no two different plans read the same.
		buf = append(strconv.AppendInt(buf, int64(len(s)), 10), ':')
		buf = append(buf, s...)
	}
	for i, t := range plan.Tasks {
		buf = buf[:0]
		field(t.ID)
		// As the hex of DefHash, which the hash was first made of.
		buf = append(strconv.AppendInt(buf, 2*int64(len(defs[i])), 10), ':')
		buf = hex.AppendEncode(buf, defs[i][:])
		field(strconv.Itoa(len(t.Deps)))
		for _, d := range t.Deps {
			field(d)
		}
		field(strconv.Itoa(len(t.Outputs)))
		for _, o := range t.Outputs {
			field(o.Name)
			field(strconv.FormatBool(o.Keep))
			field(o.Publish)
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
