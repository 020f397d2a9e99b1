// Package local runs attempts as processes on this machine. Each attempt is
// a fresh process, started inside its own memory cgroup before it runs an
// instruction (package cgroup), in its own process group, with only the
// descriptors it should have and a parent-death signal (package proc). The
// cgroup is the attempt's identity: when the main process ends, times out
// or is cancelled, everything still in it is killed. Where no cgroup can be
// made, a watchdog samples the resident memory of the process tree instead,
// and the result says which enforcement was in force.
//
// What a short task costs beyond its fork is kept off its path: its output
// is relayed through pipes into log files made on the first byte
// (logs.go), its temporary directory is its pool slot's, kept while empty
// (tmpdirs.go), and on cgroup v1 a cgroup its last attempt left empty
// serves the next (Runner.cgroup).
package local
