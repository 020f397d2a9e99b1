package dsl

import (
	"fmt"
	"testing"
)

// TestFunctionSuggestion checks that a call to an unknown function gets
// the closest name, the first in alphabetical order among equals, on every
// load.
func TestFunctionSuggestion(t *testing.T) {
	tests := []struct {
		call, want string
	}{
		{"tostrin(1)", `There is no function named "tostrin". Did you mean "tostring"?`},
		{"mix(1, 2)", `There is no function named "mix". Did you mean "max"?`},
		{"lenght([])", `There is no function named "lenght". Did you mean "length"?`},
		{"zzzzzzzz(1)", `There is no function named "zzzzzzzz".`},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			src := fmt.Sprintf("stage \"a\" {\n  command = [\"echo\", %s]\n}\n", tt.call)
			for range 20 { // HCL's own pick changed with map order
				_, diags := NewParser().LoadSource([]byte(src), "w.hcl", testOptions)
				if len(diags) != 1 || diags[0].Detail != tt.want {
					t.Fatalf("diagnostics %v, want one with detail %q", diags, tt.want)
				}
			}
		})
	}
}
