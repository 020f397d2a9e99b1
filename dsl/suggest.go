package dsl

import (
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// suggest returns the candidate closest to given, or "" when none is close
// enough to be what the user meant.
func suggest(given string, candidates []string) string {
	best, bestDist := "", 3
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean is suggest phrased for a diagnostic detail: " Did you mean "x"?"
// or "".
func didYouMean(given string, candidates []string) string {
	if s := suggest(given, candidates); s != "" {
		return " Did you mean \"" + s + "\"?"
	}
	return ""
}

// functionNames are the functions a workflow may call, for suggestions.
var functionNames = sync.OnceValue(func() []string { return sortedKeys(functions("")) })

// unknownFunctionRE reads the name out of HCL's "Call to unknown function"
// detail.
var unknownFunctionRE = regexp.MustCompile(`^There is no function named "([^"]+)"\.`)

// suggestFunctions rewrites HCL's detail of a call to an unknown function
// with weir's suggestion: HCL offers the first name within reach in map
// order, so the same text could get a different suggestion on each load,
// or none (its functions come from a map it walks).
func suggestFunctions(diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Summary != "Call to unknown function" {
			continue
		}
		m := unknownFunctionRE.FindStringSubmatch(d.Detail)
		if m == nil {
			continue
		}
		d.Detail = fmt.Sprintf("There is no function named %q.%s", m[1], didYouMean(m[1], functionNames()))
	}
}
