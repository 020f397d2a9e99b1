package proc

import "github.com/weirflow/weir/internal/procstat"

// Alive reports whether pid is a live process (not a zombie) with the given
// start time, i.e. still the process that was started as Process{pid,
// startTime} and not a later one that reuses the number. A later engine
// uses it to tell whether a task recorded by an earlier one still runs.
func Alive(pid int, startTime uint64) bool { return startTime != 0 && procstat.Alive(pid, startTime) }
