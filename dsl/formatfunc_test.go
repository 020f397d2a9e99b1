package dsl

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// TestFormatFastPath wants weir's format to give what go-cty's gives, value
// or error, for the verbs of its fast path and around them.
func TestFormatFastPath(t *testing.T) {
	num := cty.NumberIntVal
	cases := []struct {
		format string
		args   []cty.Value
	}{
		{"k%07d", []cty.Value{num(42)}},
		{"s%06d-c%03d", []cty.Value{num(7), num(99)}},
		{"%d", []cty.Value{num(-3)}},
		{"%05d", []cty.Value{num(-3)}},
		{"%5d", []cty.Value{num(-3)}},
		{"%2d", []cty.Value{num(12345)}},
		{"%d", []cty.Value{cty.NumberFloatVal(2.5)}},
		{"%d", []cty.Value{cty.NumberFloatVal(3.0)}},
		{"%d", []cty.Value{cty.MustParseNumberVal("123456789012345678901234567890")}},
		{"%d", []cty.Value{cty.StringVal("12")}},
		{"%s/%s", []cty.Value{cty.StringVal("a"), cty.StringVal("é")}},
		{"%s", []cty.Value{num(5)}},
		{"%5s", []cty.Value{cty.StringVal("ab")}},
		{"100%%", nil},
		{"%d", nil},
		{"%d %d", []cty.Value{num(1)}},
		{"%d", []cty.Value{num(1), num(2)}},
		{"%", []cty.Value{num(1)}},
		{"%x", []cty.Value{num(255)}},
		{"%[2]d %[1]d", []cty.Value{num(1), num(2)}},
		{"%d", []cty.Value{cty.NullVal(cty.Number)}},
		{"%d", []cty.Value{cty.UnknownVal(cty.Number)}},
		{"%v", []cty.Value{cty.ListVal([]cty.Value{num(1)})}},
		{"e%s", []cty.Value{cty.StringVal("\u0301")}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		n := r.Int64N(1<<40) - 1<<39
		cases = append(cases, struct {
			format string
			args   []cty.Value
		}{fmt.Sprintf("x%%0%dd|%%%dd", r.IntN(25), r.IntN(25)), []cty.Value{num(n), num(-n)}})
	}
	for _, tc := range cases {
		args := append([]cty.Value{cty.StringVal(tc.format)}, tc.args...)
		want, wantErr := stdlib.FormatFunc.Call(args)
		got, gotErr := formatFunc.Call(args)
		if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) || (wantErr == nil && !got.RawEquals(want)) {
			t.Errorf("format(%q, %#v): got %#v, %v; go-cty gives %#v, %v", tc.format, tc.args, got, gotErr, want, wantErr)
		}
	}
}
