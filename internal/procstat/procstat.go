// Package procstat tells a process from a later one that reuses its pid, by
// the start time the kernel keeps in /proc/<pid>/stat. The process layer
// records it for every task, the store for every engine; both ask Alive
// later.
package procstat
