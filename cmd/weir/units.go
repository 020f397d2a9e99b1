package main

import "github.com/weirflow/weir/internal/units"

// plural returns "1 stage" or "3 stages".
func plural(n int, word string) string { return units.Plural(n, word) }
