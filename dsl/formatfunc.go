package dsl

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// formatFunc is go-cty's format with a fast path for what fan-out keys are
// made of: %s of a string, %d of a whole number with an optional 0 flag
// and width, and %%. The standard library runs a state machine over the
// format and goes through big.Int and fmt for every number, about a
// microsecond and a half a call: at a million keys, seconds. Every other
// verb, flag or argument is the standard library's, so results and
// messages are unchanged (TestFormatFastPath compares the two).
var formatFunc = function.New(&function.Spec{
	Description:  stdlib.FormatFunc.Description(),
	Params:       stdlib.FormatFunc.Params(),
	VarParam:     stdlib.FormatFunc.VarParam(),
	Type:         function.StaticReturnType(cty.String),
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if s, ok := formatSimple(args[0].AsString(), args[1:]); ok {
			return cty.StringVal(s), nil
		}
		return stdlib.FormatFunc.Call(args)
	},
})

// formatSimple formats when every verb and argument is of the simple kinds;
// ok is false otherwise.
func formatSimple(format string, args []cty.Value) (string, bool) {
	var b strings.Builder
	b.Grow(len(format) + 8*len(args))
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		zero := i < len(format) && format[i] == '0'
		if zero {
			i++
		}
		width := 0
		for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
			width = width*10 + int(format[i]-'0')
			if width > 1000 {
				return "", false
			}
		}
		if i >= len(format) || next >= len(args) {
			return "", false
		}
		arg := args[next]
		next++
		if arg.IsNull() || !arg.IsKnown() || arg.IsMarked() {
			return "", false
		}
		switch {
		case format[i] == 's' && !zero && width == 0 && arg.Type() == cty.String:
			b.WriteString(arg.AsString())
		case format[i] == 'd' && arg.Type() == cty.Number:
			n, acc := arg.AsBigFloat().Int64()
			if acc != big.Exact {
				return "", false
			}
			writeInt(&b, n, width, zero)
		default:
			return "", false
		}
	}
	if next != len(args) {
		return "", false // the standard library reports extra arguments
	}
	return b.String(), true
}

// writeInt writes n as fmt's %d, %Nd and %0Nd do: the sign before zero
// padding, spaces before the sign.
func writeInt(b *strings.Builder, n int64, width int, zero bool) {
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], n, 10)
	pad := width - len(digits)
	if pad <= 0 {
		b.Write(digits)
		return
	}
	if !zero {
		b.WriteString(strings.Repeat(" ", pad))
		b.Write(digits)
		return
	}
	if digits[0] == '-' {
		b.WriteByte('-')
		digits = digits[1:]
	}
	b.WriteString(strings.Repeat("0", pad))
	b.Write(digits)
}
