package dsl

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// variable is a declared input of the workflow.
type variable struct {
	name       string
	block      *hcl.Block
	typ        cty.Type // cty.DynamicPseudoType when no type is declared
	typed      bool
	def        *hcl.Attribute
	validation []*hcl.Block

	value  cty.Value
	source string     // where the value came from, for messages
	rng    *hcl.Range // the value's source range, nil for --var and env
}

func (l *loader) declareVariable(b *hcl.Block) {
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		l.add(hcl.Diagnostics{badName("variable", name, b.LabelRanges[0])})
		return
	}
	if prev, ok := l.vars[name]; ok {
		l.add(hcl.Diagnostics{duplicate("variable", name, prev.block.DefRange, b.DefRange)})
		return
	}
	content, diags := b.Body.Content(variableSchema)
	l.add(diags)
	v := &variable{name: name, block: b, typ: cty.DynamicPseudoType}
	if attr, ok := content.Attributes["type"]; ok {
		ty, d := typeexpr.TypeConstraint(attr.Expr)
		l.add(d)
		if !d.HasErrors() {
			v.typ, v.typed = ty, true
		}
	}
	if attr, ok := content.Attributes["default"]; ok {
		v.def = attr
	}
	if attr, ok := content.Attributes["description"]; ok {
		_, d := evalString(attr, nil)
		l.add(d)
	}
	for _, vb := range content.Blocks {
		v.validation = append(v.validation, vb)
	}
	l.vars[name] = v
	l.varOrder = append(l.varOrder, name)
}

// assignVariables sets every variable from, lowest precedence first, its
// default, WEIR_VAR_name in the environment, the --var-file files in order,
// and the --var flags in order; then checks the validation rules.
func (l *loader) assignVariables() {
	for _, name := range l.varOrder {
		v := l.vars[name]
		if v.def == nil {
			continue
		}
		if _, d := l.checkRefs(v.def.Expr, 0, "a variable default", nil); d.HasErrors() {
			l.add(d)
			v.value = cty.DynamicVal
			continue
		}
		l.setVar(v, v.def.Expr, &hcl.EvalContext{Functions: l.funcs}, "its default", v.def.Expr.Range().Ptr())
	}
	for _, kv := range l.opts.Env {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "WEIR_VAR_") {
			continue
		}
		name := strings.TrimPrefix(k, "WEIR_VAR_")
		if v, ok := l.vars[name]; ok {
			// Unknown WEIR_VAR_ names are ignored: one environment serves many workflows.
			l.setRaw(v, val, "environment variable "+k)
		}
	}
	for _, f := range l.opts.VarFiles {
		l.readVarFile(f)
	}
	for _, kv := range l.opts.Vars {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid --var value",
				Detail: fmt.Sprintf("--var %q needs the form NAME=VALUE, as in --var rows=1000.", kv)}})
			continue
		}
		v, ok := l.vars[name]
		if !ok {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("--var sets %q, but the workflow declares no such variable.%s", name, didYouMean(name, l.varNames()))}})
			continue
		}
		l.setRaw(v, val, "--var "+name)
	}

	vals := make(map[string]cty.Value, len(l.vars))
	for _, name := range l.varOrder {
		v := l.vars[name]
		if v.value == cty.NilVal {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail: fmt.Sprintf("Variable %q has no default. Set it with --var %s=VALUE, in a --var-file, or with the environment variable WEIR_VAR_%s.",
					name, name, name),
				Subject: v.block.DefRange.Ptr()}})
			vals[name] = cty.DynamicVal
			continue
		}
		vals[name] = v.value
	}
	l.varVal = cty.ObjectVal(vals)
	for _, name := range l.varOrder {
		l.validateVariable(l.vars[name])
	}
}

// setRaw sets v from command-line or environment text: verbatim for string
// variables, as an HCL expression ("[1, 2]", "true") for any other type.
func (l *loader) setRaw(v *variable, raw, source string) {
	if v.typ == cty.String || !v.typed {
		v.value, v.source, v.rng = cty.StringVal(raw), source, nil
		l.convertVar(v)
		return
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), source, hcl.InitialPos)
	var val cty.Value
	if !diags.HasErrors() {
		val, diags = expr.Value(&hcl.EvalContext{Functions: l.funcs})
	}
	if diags.HasErrors() {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for variable",
			Detail: fmt.Sprintf("%s gives variable %q the value %q, which is not a valid %s (%s). Write it as HCL, such as 42, true, [1, 2] or {a = 1}.",
				source, v.name, raw, typeexpr.TypeString(v.typ), strings.ToLower(diags[0].Summary))}})
		return
	}
	v.value, v.source, v.rng = val, source, nil
	l.convertVar(v)
}

func (l *loader) setVar(v *variable, expr hcl.Expression, ctx *hcl.EvalContext, source string, rng *hcl.Range) {
	val, diags := expr.Value(ctx)
	if diags.HasErrors() {
		l.add(diags)
		v.value = cty.DynamicVal // reported; uses of it fail quietly
		return
	}
	v.value, v.source, v.rng = val, source, rng
	l.convertVar(v)
}

func (l *loader) convertVar(v *variable) {
	out, err := convert.Convert(v.value, v.typ)
	if err != nil {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for variable",
			Detail: fmt.Sprintf("Variable %q needs a value of type %s; %s gives one that is not: %s.",
				v.name, typeexpr.TypeString(v.typ), v.source, err),
			Subject: v.rng}})
		v.value = cty.DynamicVal
		return
	}
	v.value = out
}

func (l *loader) readVarFile(path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read variables file",
			Detail: fmt.Sprintf("%s. Check the --var-file path.", err)}})
		return
	}
	f, diags := l.parser.p.ParseHCL(src, path)
	l.add(diags)
	if diags.HasErrors() {
		return
	}
	attrs, diags := f.Body.JustAttributes()
	l.add(diags)
	for _, name := range sortedKeys(attrs) {
		attr := attrs[name]
		v, ok := l.vars[name]
		if !ok {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail:  fmt.Sprintf("%s sets %q, but the workflow declares no such variable.%s", path, name, didYouMean(name, l.varNames())),
				Subject: attr.NameRange.Ptr()}})
			continue
		}
		if _, d := l.checkRefs(attr.Expr, 0, "a variables file", nil); d.HasErrors() {
			l.add(d)
			continue
		}
		l.setVar(v, attr.Expr, &hcl.EvalContext{Functions: l.funcs}, path, attr.Expr.Range().Ptr())
	}
}

func (l *loader) validateVariable(v *variable) {
	if v.value == cty.NilVal || !v.value.IsWhollyKnown() {
		return
	}
	for _, vb := range v.validation {
		content, diags := vb.Body.Content(validationSchema)
		l.add(diags)
		if diags.HasErrors() {
			continue
		}
		cond, msg := content.Attributes["condition"], content.Attributes["error_message"]
		if _, d := l.checkRefs(cond.Expr, scopeVar, "a validation condition", nil); d.HasErrors() {
			l.add(d)
			continue
		}
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": l.varVal}, Functions: l.funcs}
		ok, d := evalBool(cond, ctx)
		l.add(d)
		text, d2 := evalString(msg, nil)
		l.add(d2)
		if d.HasErrors() || d2.HasErrors() || ok {
			continue
		}
		subject := v.rng
		if subject == nil {
			subject = v.block.DefRange.Ptr()
		}
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for variable",
			Detail: fmt.Sprintf("%s\n\nThe value of %q comes from %s and fails the rule at %s.",
				text, v.name, v.source, cond.Range.String()),
			Subject: subject}})
	}
}
