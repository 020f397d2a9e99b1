package store

import "time"

// A commit costs two fdatasyncs. On a quiet disk that is half a
// millisecond, and commits appendDelay apart cost a run nothing that can
// be measured. On a busy disk one fdatasync took a median 4.4 ms and a
// 90th percentile 26 ms: the events appended during a commit were due
// again by the time it ended, so the store synced back to back, and a
// 1,000-task chain took 1.2-1.9x its wall time and 1.14x its CPU with
// fsyncs off. Resting restFactor times the last commit's length after it
// keeps the store syncing at most a fifth of the time; the events a
// crash can forget are then those of the last appendDelay or of five
// commits' length, whichever is longer. Waiters (Record, a Slurm
// submission, the end of a run) are never held back by the rest.
const restFactor = 4

// appendedDue is when the appended events queued since queuedAt are
// committed if nobody waits for them: appendDelay after the first, and
// no sooner than restFactor times the last commit's length after its end.
func appendedDue(queuedAt, lastEnd time.Time, lastTook time.Duration) time.Time {
	due := queuedAt.Add(appendDelay)
	if rest := lastEnd.Add(restFactor * lastTook); rest.After(due) {
		return rest
	}
	return due
}
