package dag

import (
	"fmt"
	"strings"
	"time"
)

// Pos is where something was declared, for messages that point back at the
// workflow file. File is the path as the user gave it, so messages read
// "etl.hcl:23" rather than an absolute path; Plan.File is absolute.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func (p Pos) String() string {
	if p.File == "" {
		return "<unknown>"
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Task is one process a run starts: a stage, or one instance of a for_each
// stage. Every field is resolved; only segment paths (see Placeholder) wait
// for the run to know its directory. The tasks of one stage may share their
// slices and maps (a command, an env that does not depend on the key): treat
// them as read-only.
type Task struct {
	ID    string `json:"id"`    // "stage", or "stage[key]" for a for_each instance
	Stage string `json:"stage"` // the stage block's name
	Key   string `json:"key,omitempty"`
	// Keyed is true for for_each instances; Key may be "" in a keyed task.
	Keyed bool `json:"keyed,omitempty"`

	// Argv is the program and its arguments. A script stage gets
	// ["/bin/sh", "-eu", "-c", Script, ID].
	Argv   []string `json:"argv"`
	Script string   `json:"script,omitempty"`
	// Env is exactly the declared environment; the runner adds WEIR_* and the
	// passthrough names, nothing else.
	Env            map[string]string `json:"env,omitempty"`
	EnvPassthrough []string          `json:"env_passthrough,omitempty"`
	Dir            string            `json:"dir,omitempty"` // absolute

	Pool     string        `json:"pool"`
	Memory   int64         `json:"memory,omitempty"` // cap in bytes, 0 = none declared
	CPUs     float64       `json:"cpus,omitempty"`   // CPUs the task uses, 0 = unspecified
	Timeout  time.Duration `json:"timeout,omitempty"`
	Grace    time.Duration `json:"grace"`              // SIGTERM to SIGKILL
	Estimate time.Duration `json:"estimate,omitempty"` // expected run time, for ordering
	Retry    Retry         `json:"retry"`

	Inputs  []Input  `json:"inputs,omitempty"`
	Outputs []Output `json:"outputs,omitempty"`
	// Deps are the IDs of the tasks this one waits for, sorted, without
	// duplicates: from references, inputs and depends_on.
	Deps []string `json:"deps,omitempty"`

	Description string `json:"description,omitempty"`
	Origin      Pos    `json:"origin"` // the stage block
}

// Retry says how often and on which failures a task is tried again.
type Retry struct {
	Attempts     int           `json:"attempts"` // total tries, at least 1
	Backoff      time.Duration `json:"backoff,omitempty"`
	On           []string      `json:"on,omitempty"`            // reasons; empty = every failure reason
	MemoryGrowth float64       `json:"memory_growth,omitempty"` // cap factor after an oom, 0 = keep
}

// RetryReasons are the failure reasons `retry { on = [...] }` accepts, besides
// "exit:N" for one exit code.
var RetryReasons = []string{"exit", "signal", "oom", "timeout", "lost", "output_missing"}

// Input is a named read-only view of one or more committed segments.
type Input struct {
	Name string       `json:"name"`
	From []SegmentRef `json:"from"`
}

// Output is a named segment the task writes.
type Output struct {
	Name string `json:"name"`
	Size int64  `json:"size,omitempty"` // bytes, 0 = the producer decides
	// MinSize is the least the producer must write, in bytes (equal to
	// Size: exactly that); 0 = no minimum.
	MinSize int64  `json:"min_size,omitempty"`
	Keep    bool   `json:"keep,omitempty"`
	Publish string `json:"publish,omitempty"` // absolute path, copied out on success
}

// SegmentRef names one output of one task.
type SegmentRef struct {
	Task   string `json:"task"`
	Output string `json:"output"`
}

func (r SegmentRef) String() string { return r.Task + ".output." + r.Output }

// TaskID is the ID of a stage's task: the stage name, or stage[key].
func TaskID(stage, key string, keyed bool) string {
	if !keyed {
		return stage
	}
	return stage + "[" + key + "]"
}

// Placeholder stands in a task's strings for the path of a segment, which is
// known only when the run has its directory. It holds NUL bytes, so it can't
// come from a user and can't reach exec without being replaced.
func Placeholder(r SegmentRef) string {
	return "\x00seg\x00" + r.Task + "\x00" + r.Output + "\x00"
}

// Expand replaces every placeholder in s with path(ref).
func Expand(s string, path func(SegmentRef) string) string {
	if !strings.Contains(s, "\x00seg\x00") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "\x00seg\x00")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		rest := s[i+len("\x00seg\x00"):]
		ref, n, ok := parsePlaceholder(rest)
		if !ok {
			// Not ours after all; keep the bytes so exec rejects them loudly.
			b.WriteString(s[i : i+len("\x00seg\x00")])
			s = rest
			continue
		}
		b.WriteString(path(ref))
		s = rest[n:]
	}
}

// Refs lists the segments referenced in s, in order of appearance.
func Refs(s string) []SegmentRef {
	var refs []SegmentRef
	Expand(s, func(r SegmentRef) string {
		refs = append(refs, r)
		return ""
	})
	return refs
}

// Display renders placeholders as the reference a user wrote, for messages
// and plans.
func Display(s string) string {
	return Expand(s, func(r SegmentRef) string { return "${" + r.String() + "}" })
}

func parsePlaceholder(s string) (SegmentRef, int, bool) {
	t := strings.IndexByte(s, 0)
	if t < 0 {
		return SegmentRef{}, 0, false
	}
	o := strings.IndexByte(s[t+1:], 0)
	if o < 0 {
		return SegmentRef{}, 0, false
	}
	return SegmentRef{Task: s[:t], Output: s[t+1 : t+1+o]}, t + 1 + o + 1, true
}
