package dsl

import (
	"sort"

	"github.com/agext/levenshtein"
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
