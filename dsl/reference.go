package dsl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// scope says which roots an expression may reference. Checking references
// before evaluation gives messages that name the declaration that is missing,
// with a suggestion, instead of cty's generic "unsupported attribute".
type scope uint8

const (
	scopeVar scope = 1 << iota
	scopeLocal
	scopePath
	scopeStage
	scopeEach
	scopeSelf
)

// rootScopes maps every root name an expression can start with to its scope.
var rootScopes = map[string]scope{"var": scopeVar, "local": scopeLocal, "path": scopePath,
	"stage": scopeStage, "each": scopeEach, "self": scopeSelf}

// stageRef is one reference from a stage to another stage.
type stageRef struct {
	stage string
	rng   hcl.Range
}

// checkRefs reports references outside sc or to undeclared names, and
// returns the stages referenced. self is the stage being decoded, if any.
func (l *loader) checkRefs(expr hcl.Expression, sc scope, where string, self *stageDecl) ([]stageRef, hcl.Diagnostics) {
	if expr == nil {
		return nil, nil
	}
	var diags hcl.Diagnostics
	var refs []stageRef
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		rng := tr.SourceRange()
		bad := func(summary, detail string) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()})
		}
		bit, known := rootScopes[root]
		if !known {
			var roots []string
			for name, b := range rootScopes {
				if sc&b != 0 {
					roots = append(roots, name)
				}
			}
			sort.Strings(roots)
			bad("Unknown reference", fmt.Sprintf("There is nothing named %q here; %s can use %s.%s",
				root, where, strings.Join(roots, ", "), didYouMean(root, roots)))
			continue
		}
		if root == "each" && self != nil && self.forEach == nil {
			bad("each outside for_each", "each.key and each.value exist only in a stage that sets for_each.")
			continue
		}
		if sc&bit == 0 {
			bad("Reference not allowed here", fmt.Sprintf("%s cannot use %s.*.%s", capitalize(where), root, scopeHint(root)))
			continue
		}
		name, ok := attrName(tr, 1)
		if !ok {
			bad("Invalid reference", fmt.Sprintf("%q must be followed by an attribute name, as in %s.", root, refExample(root)))
			continue
		}
		switch root {
		case "var":
			if _, ok := l.vars[name]; !ok {
				bad("Reference to undeclared variable",
					fmt.Sprintf("No variable %q is declared.%s Declare it with a variable \"%s\" block.", name, didYouMean(name, l.varNames()), name))
			}
		case "local":
			if _, ok := l.localExprs[name]; !ok {
				bad("Reference to undeclared local value",
					fmt.Sprintf("No local value %q is declared in a locals block.%s", name, didYouMean(name, l.localNames())))
			}
		case "path":
			if name != "root" && name != "cwd" {
				bad("Unknown path value", fmt.Sprintf("path has \"root\" (the workflow file's directory) and \"cwd\".%s", didYouMean(name, []string{"root", "cwd"})))
			}
		case "each":
			if name != "key" && name != "value" {
				bad("Unknown each value", fmt.Sprintf("each has \"key\" and \"value\".%s", didYouMean(name, []string{"key", "value"})))
			}
		case "self":
			if name != "output" {
				bad("Invalid reference", "self has only output, as in self.output.NAME.")
			} else if out, ok := attrName(tr, 2); ok {
				if !self.hasOutput(out) {
					bad("Reference to undeclared output",
						fmt.Sprintf("Stage %q has no output %q.%s", self.name, out, didYouMean(out, self.outputNames())))
				}
			}
		case "stage":
			target, ok := l.stageIdx[name]
			if !ok {
				bad("Reference to undeclared stage",
					fmt.Sprintf("No stage %q is declared.%s", name, didYouMean(name, l.stageNames())))
				continue
			}
			if d := l.checkOutputRef(tr, l.stages[target]); d != nil {
				diags = append(diags, d)
				continue
			}
			refs = append(refs, stageRef{stage: name, rng: rng})
		}
	}
	return refs, diags
}

// checkOutputRef catches stage.X.output.Y with an undeclared Y, the most
// common slip in a reference between stages.
func (l *loader) checkOutputRef(tr hcl.Traversal, target *stageDecl) *hcl.Diagnostic {
	step := 2
	if target.forEach != nil {
		if a, ok := attrName(tr, 2); ok && a == "output" {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing instance key",
				Detail: fmt.Sprintf("Stage %q has for_each, so it has one output per instance. Name one, as in stage.%s[\"KEY\"].output.NAME or stage.%s[each.key].output.NAME, or take all of them: values(stage.%s)[*].output.NAME.",
					target.name, target.name, target.name, target.name),
				Subject: tr.SourceRange().Ptr()}
		}
		if len(tr) > 2 {
			if _, ok := tr[2].(hcl.TraverseIndex); !ok {
				return nil
			}
		}
		step = 3
	}
	if a, ok := attrName(tr, step); !ok || a != "output" {
		if ok && target.forEach == nil {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid stage reference",
				Detail:  fmt.Sprintf("A stage offers its outputs: stage.%s.output.NAME.", target.name),
				Subject: tr.SourceRange().Ptr()}
		}
		return nil
	}
	out, ok := attrName(tr, step+1)
	if !ok || target.hasOutput(out) {
		return nil
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to undeclared output",
		Detail:  fmt.Sprintf("Stage %q has no output %q.%s", target.name, out, didYouMean(out, target.outputNames())),
		Subject: tr.SourceRange().Ptr()}
}

// attrName returns the attribute name at step i of tr (step 0 is the root).
func attrName(tr hcl.Traversal, i int) (string, bool) {
	if i >= len(tr) {
		return "", false
	}
	switch s := tr[i].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseRoot:
		return s.Name, true
	}
	return "", false
}

func scopeHint(root string) string {
	switch root {
	case "stage":
		return " Stage references belong in stages; workflow settings, pools, variables and locals are fixed before any stage exists."
	case "each":
		return " each exists only inside a stage with for_each."
	case "self":
		return " self exists only inside a stage."
	case "var":
		return " Variable defaults must be constants; use locals for derived values."
	}
	return ""
}

func refExample(root string) string {
	switch root {
	case "stage":
		return "stage.NAME.output.OUT"
	case "self":
		return "self.output.NAME"
	case "path":
		return "path.root"
	case "each":
		return "each.key"
	}
	return root + ".NAME"
}

// traversalStage reads a depends_on element: stage.X or stage.X["key"].
func traversalStage(tr hcl.Traversal) (name string, key *string, ok bool) {
	if len(tr) == 0 || tr.IsRelative() || tr.RootName() != "stage" {
		return "", nil, false
	}
	name, ok = attrName(tr, 1)
	if !ok {
		return "", nil, false
	}
	switch len(tr) {
	case 2:
		return name, nil, true
	case 3:
		if ix, isIx := tr[2].(hcl.TraverseIndex); isIx && ix.Key.Type().FriendlyName() == "string" {
			k := ix.Key.AsString()
			return name, &k, true
		}
	}
	return "", nil, false
}
