package dag

import (
	"sort"
	"strconv"
	"strings"
)

// Component is one named part of a task's definition, such as "argv[2]" or
// "env.LC_ALL". Resume compares definitions component by component, so it
// can say exactly what changed.
type Component struct {
	Name  string
	Value string
}

// Definition lists what decides a task's outputs: what it runs, in which
// environment and directory, which inputs it reads and which outputs it
// writes. Caps, timeouts, retries and the pool are left out: changing them
// changes how a task is run, not what it computes, so it does not make a
// finished task run again. Segment paths appear as references, not as the
// paths of one run.
func (t *Task) Definition() []Component {
	var c []Component
	add := func(name, value string) { c = append(c, Component{name, value}) }
	if t.Script != "" {
		for i, line := range strings.Split(t.Script, "\n") {
			add("script line "+strconv.Itoa(i+1), Display(line))
		}
	} else {
		for i, a := range t.Argv {
			add("command["+strconv.Itoa(i)+"]", Display(a))
		}
	}
	keys := make([]string, 0, len(t.Env))
	for k := range t.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("env."+k, Display(t.Env[k]))
	}
	pass := append([]string(nil), t.EnvPassthrough...)
	sort.Strings(pass)
	add("env_passthrough", strings.Join(pass, ","))
	add("dir", Display(t.Dir))
	for _, in := range t.Inputs {
		refs := make([]string, len(in.From))
		for i, r := range in.From {
			refs[i] = r.String()
		}
		add("input."+in.Name, strings.Join(refs, ","))
	}
	for _, o := range t.Outputs {
		v := "size=" + strconv.FormatInt(o.Size, 10)
		if o.MinSize > 0 {
			// Only when set, so that outputs without one keep their
			// definitions (and resume reuses them).
			v += ",min_size=" + strconv.FormatInt(o.MinSize, 10)
		}
		add("output."+o.Name, v)
	}
	return c
}
