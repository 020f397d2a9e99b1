// Package store keeps weir's checkpoints: every run, task, attempt and
// event in a bbolt database at <state dir>/weir.db, so that a later engine
// can tell what finished and resume the rest.
//
// # Layout
//
// Layout 3. Keys are strings unless marked BE (a big-endian uint64, so that
// cursor order is numeric order); values are JSON.
//
//	weir.db
//	├── meta                          bucket
//	│   └── version      -> BE         the layout version (3)
//	├── runs                          bucket
//	│   └── <run id>     -> RunRecord  state, times, engine pid, task counts
//	└── run                           bucket
//	    └── <run id>                  bucket, one per run
//	        ├── tasks                 bucket
//	        │   └── <task id>                -> TaskRecord    state, hashes, outputs, last result (no definition)
//	        ├── defs                  bucket (layout 3)
//	        │   └── <task id>                -> definition    its parts and input hashes, written once
//	        ├── attempts              bucket
//	        │   └── <task id> 0x00 <n BE>    -> AttemptRecord handle, memory, result
//	        ├── events                bucket
//	        │   └── <seq BE>                 -> event.Event
//	        ├── stages                bucket (layout 2)
//	        │   └── <stage>                  -> StageSummary  its tasks, and how many in each state
//	        └── failed                bucket (layout 2)
//	            └── <task id>                -> (empty)       the tasks now failed
//
// Every write touches a fixed number of keys, whatever the size of the run:
// an event is one put, plus its task's record, its attempt's record, its
// stage's counts and the failed index when its state changes, and the run
// record once per transaction. Nothing rewrites a whole run, so that how
// far a run of a million tasks is, and what failed, is read without
// reading its tasks (Stages, Failed). A task's definition (a few KiB) is
// written once, before it runs, and none for a task a resume reuses
// untouched; its state changes rewrite only its small record. Readers of
// TaskRecord get the two joined.
//
// A layout change is a numbered migration (migrations.go), applied by a
// writable Open in one transaction; a store from a newer weir is refused.
//
// # Files beside the database
//
//	<state dir>/engine.lock             pid, start time and opening time of the engine that has the store open
//	<state dir>/runs/<run id>/events.jsonl every event of the run, one JSON line each
//	<state dir>/runs/<run id>/run.json     the RunRecord, at the start and the end of the run
//	<state dir>/runs/<run id>/summary.json stage counts, retries, times, the failures, and the bytes of events.jsonl they cover (ReadRunSummary)
//	<state dir>/runs/<run id>/engine.log   what the engine could not clean up (processes it could not reap); only when there is some
//
// bbolt allows one writer process, and its flock also keeps read-only
// openers out while an engine runs. So the engine appends each committed
// event to events.jsonl as well, and commands that only read (status, runs,
// logs, the UI) read those files while the database is locked: see
// ReadEvents, Replay and ListRuns. The database stays the record; the files
// are views of it, written after each commit without fsync.
//
// # Writing
//
// An engine opens the store (Open; one engine per state dir, a second gets
// *ErrLocked naming the first), creates a Journal per run and passes it to
// the scheduler as its event.Journal. Record is write-ahead: it returns
// once the event and the record updates it implies are committed (fsynced).
// SetTaskHashes and SetOutputs queue a task's hashes and outputs; the next
// Record commits them with it, so a task recorded running has its hashes
// and one recorded succeeded has its outputs.
//
// One goroutine commits whatever is queued in one transaction (group
// commit), so concurrent writers share fsyncs. A writer that records
// everything with Record pays a commit per event; Append queues an event
// without waiting and returns the wait, so a caller can wait only where it
// must (before it submits a cluster job, and at the end of a run) and let
// the other events ride along.
//
// bbolt reads the database through a map of the file, and every page a
// commit reads stays in the engine's RSS until the map is remade; so the
// batcher drops the map's pages every few hundred commits (dropMapped).
//
// Close closes the store: it commits what is queued, closes the journals
// and removes engine.lock. The next writable Open marks runs left running
// as lost.
package store
