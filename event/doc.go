// Package event is the vocabulary of a run: the events the scheduler
// records, the states a task moves through, how an attempt ended and what
// it committed. The scheduler, the store, the engine and every reader of
// a run (the CLI, the page, the history) speak it; it imports nothing of
// weir's, so that reading a run never drags in the code that ran it.
package event
