// Package ui serves weir's browser view: a run's DAG coloured by state,
// live over Server-Sent Events, with a panel per stage, a timeline of
// attempts and the run history of a state dir; and, for a workflow file,
// an authoring view that redraws the DAG when the file is saved.
//
// Everything it shows is read from the files a run leaves in its state dir
// (runs/<id>/run.json, events.jsonl, graph.json and the logs), which the
// engine writes while it holds the database's lock, so one code path serves
// a live run and a finished one. One tailer per run (a hub) reads the event
// log and feeds every SSE client of that run.
//
// The page and its scripts are embedded (dist/, built from web/ by npm and
// esbuild and committed), so the binary needs no network. The HTTP API is
// documented in docs/api.md.
package ui
