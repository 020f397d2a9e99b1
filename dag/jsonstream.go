package dag

import (
	"bufio"
	"bytes"
	"encoding/json"
)

// jsonWriter writes a jsonGraph as json.Encoder would with two-space
// indents and no HTML escaping, but one task at a time: the task view of a
// 100,000-task plan held 64 MB at once as a copy of every task for display
// and the encoded document.
type jsonWriter struct {
	w   *bufio.Writer
	buf bytes.Buffer
	err error
}

// doc writes g, its tasks streamed from tasks when the task view is asked
// for (g.Tasks is ignored) and in order of the struct's fields.
func (jw *jsonWriter) doc(g *jsonGraph, tasks []*Task, taskView bool) error {
	jw.raw("{\n")
	jw.field("name", g.Name, false)
	jw.field("file", g.File, false)
	jw.field("settings", g.Settings, false)
	jw.field("pools", g.Pools, false)
	if taskView {
		jw.raw(`  "tasks": `)
		jw.tasks(tasks)
		jw.raw(",\n")
	} else {
		jw.field("stages", g.Stages, false)
	}
	jw.field("edges", g.Edges, false)
	jw.field("reduced", g.Reduced, false)
	jw.field("critical_path", g.CriticalPath, true)
	jw.raw("}\n")
	return jw.err
}

func (jw *jsonWriter) tasks(tasks []*Task) {
	if len(tasks) == 0 {
		jw.raw("[]")
		return
	}
	jw.raw("[\n")
	for i, t := range tasks {
		jw.raw("    ")
		jw.value(displayTask(t), "    ")
		if i < len(tasks)-1 {
			jw.raw(",")
		}
		jw.raw("\n")
	}
	jw.raw("  ]")
}

// field writes one member of the top-level object.
func (jw *jsonWriter) field(name string, v any, last bool) {
	jw.raw(`  "` + name + `": `)
	jw.value(v, "  ")
	if !last {
		jw.raw(",")
	}
	jw.raw("\n")
}

// value writes v as it would appear at the depth that prefix indents.
func (jw *jsonWriter) value(v any, prefix string) {
	if jw.err != nil {
		return
	}
	jw.buf.Reset()
	enc := json.NewEncoder(&jw.buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if jw.err = enc.Encode(v); jw.err != nil {
		return
	}
	jw.w.Write(bytes.TrimSuffix(jw.buf.Bytes(), []byte("\n")))
}

func (jw *jsonWriter) raw(s string) {
	if jw.err == nil {
		jw.w.WriteString(s)
	}
}
