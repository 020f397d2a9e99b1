package dsl

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/weirflow/weir/dag"
)

// The language as data, for tools that help write workflows (weir lsp):
// which blocks exist, what each takes, which functions expressions may call
// and which words some attributes accept. It is read from the schemas and
// tables that Load itself uses, so it cannot drift from them.

// BlockSchema describes one block type.
type BlockSchema struct {
	Type       string   // "" for the top level of a file
	Labels     []string // label names, e.g. ["name"]
	Attributes []AttributeSchema
	Blocks     []string // block types allowed inside, in schema order
	// AnyAttributes is true for blocks whose attributes are free names
	// (locals).
	AnyAttributes bool
}

// AttributeSchema is one attribute a block takes.
type AttributeSchema struct {
	Name     string
	Required bool
}

// Language returns every block type by name; the key "" is the top level.
func Language() map[string]*BlockSchema {
	out := map[string]*BlockSchema{}
	add := func(typ string, s *hcl.BodySchema) {
		b := &BlockSchema{Type: typ}
		for _, a := range s.Attributes {
			b.Attributes = append(b.Attributes, AttributeSchema{Name: a.Name, Required: a.Required})
		}
		for _, h := range s.Blocks {
			b.Blocks = append(b.Blocks, h.Type)
		}
		out[typ] = b
	}
	add("", rootSchema)
	add("workflow", workflowSchema)
	add("variable", variableSchema)
	add("validation", validationSchema)
	add("pool", poolSchema)
	add("stage", stageSchema)
	add("retry", retrySchema)
	add("input", inputSchema)
	add("output", outputSchema)
	out["locals"] = &BlockSchema{Type: "locals", AnyAttributes: true}
	for _, s := range []*hcl.BodySchema{rootSchema, variableSchema, stageSchema} {
		for _, h := range s.Blocks {
			out[h.Type].Labels = h.LabelNames
		}
	}
	return out
}

// Function is one function expressions may call.
type Function struct {
	Name      string
	Signature string // e.g. "join(separator string, lists... list of string)"
}

// Functions lists the functions expressions may call, sorted by name.
func Functions() []Function {
	funcs := functions(".")
	out := make([]Function, 0, len(funcs))
	for _, name := range sortedKeys(funcs) {
		f := funcs[name]
		var params []string
		for _, p := range f.Params() {
			params = append(params, p.Name+" "+p.Type.FriendlyName())
		}
		if p := f.VarParam(); p != nil {
			params = append(params, p.Name+"... "+p.Type.FriendlyName())
		}
		out = append(out, Function{Name: name, Signature: name + "(" + strings.Join(params, ", ") + ")"})
	}
	return out
}

// Enum returns the words an attribute accepts, by block type and attribute
// name, or nil when it takes other values. For retry.on the words are the
// reasons; "exit:N" is accepted too.
func Enum(block, attr string) []string {
	switch block + "." + attr {
	case "pool.executor":
		return []string{"local", "slurm"}
	case "retry.on":
		return append([]string(nil), dag.RetryReasons...)
	}
	return nil
}

// SizeUnits lists the unit suffixes a size accepts, as usually written.
func SizeUnits() []string {
	var out []string
	for u := range sizeUnits {
		if u == "" || u == "b" {
			continue
		}
		out = append(out, strings.Replace(strings.ToUpper(u), "IB", "iB", 1))
	}
	sort.Strings(out)
	return out
}

// DurationUnits lists the unit suffixes a duration accepts.
func DurationUnits() []string { return []string{"ms", "s", "m", "h", "d"} }

// Attribute kinds for tools: which values an attribute takes. Only the
// kinds whose literal a tool can help write are named.
const (
	KindSize     = "size"
	KindDuration = "duration"
)

// AttributeKind says whether an attribute is a size or a duration, or "".
func AttributeKind(block, attr string) string {
	switch block + "." + attr {
	case "workflow.memory_budget", "workflow.shm_reuse", "pool.memory", "stage.memory", "output.size", "output.min_size":
		return KindSize
	case "stage.timeout", "stage.grace", "stage.estimate", "retry.backoff":
		return KindDuration
	}
	return ""
}
