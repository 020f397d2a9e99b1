package store_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// An engine opens the state dir's store, creates a journal for its run and
// hands it to the scheduler (executor.Options.Journal); it records the
// hashes and outputs of tasks beside the events. Readers list runs and
// replay events, even while an engine holds the store.
func ExampleStore_Journal() {
	dir, err := os.MkdirTemp("", "weir-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(dir, store.Options{})
	if err != nil {
		log.Fatal(err) // *store.ErrLocked names the engine holding dir
	}
	j, err := s.Journal(store.RunRecord{ID: "r1", Name: "etl", Workflow: "/w/etl.hcl", Tasks: 1})
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	record := func(e event.Event) {
		e.Time = now
		if err := j.Record(e); err != nil {
			log.Fatal(err)
		}
	}
	record(event.Event{Seq: 1, Kind: event.RunStarted})
	record(event.Event{Seq: 2, Kind: event.TaskChanged, Task: "extract", State: event.Ready})
	s.SetTaskHashes("r1", "extract", "def-1", map[string]string{}) // committed with the next Record
	record(event.Event{Seq: 3, Kind: event.TaskChanged, Task: "extract", State: event.Running, Attempt: 1})
	record(event.Event{Seq: 4, Kind: event.AttemptStarted, Task: "extract", Attempt: 1, Handle: []byte(`{"pid":42}`)})
	record(event.Event{Seq: 5, Kind: event.AttemptEnded, Task: "extract", Attempt: 1,
		Result: &event.Result{Reason: event.Succeeded, Start: now, End: now}})
	s.SetOutputs("r1", "extract", []store.OutputRecord{{Name: "rows", Path: "/dev/shm/rows", Size: 10, Hash: "h"}})
	record(event.Event{Seq: 6, Kind: event.TaskChanged, Task: "extract", State: event.TaskSucceeded, Attempt: 1})
	record(event.Event{Seq: 7, Kind: event.RunEnded, Message: "succeeded"})
	j.Close()
	s.Close()

	runs, err := store.ListRuns(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(runs[0].ID, runs[0].Name, runs[0].State, runs[0].Counts)
	events, err := store.ReadEvents(dir, "r1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(events), "events;", "extract is", store.Replay(events)["extract"].State)
	// Output:
	// r1 etl succeeded map[succeeded:1]
	// 7 events; extract is succeeded
}
