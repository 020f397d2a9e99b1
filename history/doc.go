// Package history reads what ended runs left in a state dir and turns it
// into the explanations users ask for afterwards: a row per attempt (the
// trace file, in the spirit of Nextflow's trace.txt) and, across runs, the
// memory and time a stage really needs against what it declares.
//
// It reads the run files (runs/<id>/graph.json and events.jsonl), not the
// database, so it works while an engine holds the store.
package history
