package dsl

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// evalWith evaluates src with the given function table and returns the value
// and the diagnostics as text.
func evalWith(t testing.TB, src string, fns map[string]function.Function) (cty.Value, string) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", src, diags.Error())
	}
	v, diags := expr.Value(&hcl.EvalContext{Functions: fns})
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, fmt.Sprintf("%s: %s", d.Summary, d.Detail))
	}
	return v, strings.Join(msgs, "\n")
}

// sameResult says whether weir's function table gives what the standard
// library's gives, value and messages.
func sameResult(t testing.TB, src string) {
	t.Helper()
	want, wantDiags := evalWith(t, src, stdFunctions("/"))
	got, gotDiags := evalWith(t, src, functions("/"))
	if gotDiags != wantDiags {
		t.Errorf("%s:\n got diagnostics %q\nwant %q", src, gotDiags, wantDiags)
		return
	}
	if !got.RawEquals(want) {
		t.Errorf("%s:\n got %#v\nwant %#v", src, got, want)
	}
}

func TestCollectionFunctionsMatchStdlib(t *testing.T) {
	for _, src := range []string{
		`toset(["a", "b", "a"])`,
		`toset([1, "a", true])`,
		`toset([1, 2, 1.0])`,
		`toset([1, true])`,
		`toset([])`,
		`toset(["a", null])`,
		`toset([["a"], ["b"]])`,
		`toset([["a"], "b"])`,
		`toset([{ a = 1 }, { a = 2 }])`,
		`toset([{ a = 1 }, { a = "x" }])`,
		`toset("a")`,
		`toset(null)`,
		`toset({ a = 1 })`,
		`toset(tolist(["b", "a"]))`,
		`toset(toset(["b", "a"]))`,
		`tolist(["a", "b", "a"])`,
		`tolist([1, "a"])`,
		`tolist([1, false])`,
		`tolist([[1], [2, 3]])`,
		`tolist(toset([3, 1, 2]))`,
		`tolist({ a = 1 })`,
		`tomap({ a = 1, b = "x" })`,
		`tomap({ a = 1, b = 2 })`,
		`tomap({ a = 1, b = true })`,
		`tomap({ a = { x = 1 }, b = { x = 2 } })`,
		`tomap({ a = { x = 1 }, b = { y = 2 } })`,
		`tomap({})`,
		`tomap(["a"])`,
		`tomap({ for k in ["a", "b"] : k => upper(k) })`,
		`distinct(["a", "b", "a", "c", "b"])`,
		`distinct([1, 2, 1, 1.0, 2.5, 2.50])`,
		`distinct([1, "1", true, "true"])`,
		`distinct([])`,
		`distinct("x")`,
		`distinct([[1], [1], [2]])`,
		`distinct([{ a = 1 }, { a = 1 }])`,
		`distinct(toset(["a", "b"]))`,
		`distinct([1, true])`,
		`range(5)`,
		`range(-3)`,
		`range(0)`,
		`range(1, 4)`,
		`range(4, 1)`,
		`range(0, 1, 0.25)`,
		`range(1, 10, 3)`,
		`range(10, 1, -3)`,
		`range(0, 5, -1)`,
		`range(5, 0, 1)`,
		`range(1.5)`,
		`range(-2.5, 2)`,
		`range()`,
		`range(1, 2, 3, 4)`,
		`range("3")`,
		`range("x")`,
		`range(0.1, 0.5, 0.1)`,
		`setunion(["a"], ["b", "a"])`,
		`setunion(["a"], [1])`,
		`setunion(["a"], [true, 1])`,
		`setunion("x")`,
		`setunion(["a"], "x")`,
		`setintersection(["a", "b"], ["b", "c"])`,
		`setsubtract(["a", "b"], ["a"])`,
		`setsubtract(["a", "b"], [[1]])`,
		`length(toset(flatten([["a", "b"], ["c", ["d"]]])))`,
		`keys({ for k in range(3) : "k${k}" => k })`,
		`values(tomap({ for k in range(3) : "k${k}" => k }))`,
		`concat(range(3), ["x"])`,
	} {
		sameResult(t, src)
	}
}

// TestCollectionFunctionsDiffer lists where weir differs from the standard
// library on purpose.
func TestCollectionFunctionsDiffer(t *testing.T) {
	for _, tc := range []struct{ src, std, weir string }{
		// The standard library compares step with == and loops until its limit.
		{`range(0, 5, 0)`, "more than 1024 values", "step must not be zero"},
		{`length(range(2000))`, "more than 1024 values", ""},
		{`range(1e9)`, "more than 1024 values", "more than 8,000,000 values would be generated"},
		{`range(0, 1e9, 0.5)`, "more than 1024 values", "more than 8,000,000 values would be generated"},
	} {
		_, std := evalWith(t, tc.src, stdFunctions("/"))
		got, weir := evalWith(t, tc.src, functions("/"))
		if !strings.Contains(std, tc.std) {
			t.Errorf("%s: stdlib says %q, want it to mention %q", tc.src, std, tc.std)
		}
		if tc.weir == "" && weir != "" || !strings.Contains(weir, tc.weir) {
			t.Errorf("%s: weir says %q (%#v), want %q", tc.src, weir, got, tc.weir)
		}
	}
	v, diags := evalWith(t, `length(range(2000000))`, functions("/"))
	if diags != "" || !v.RawEquals(cty.NumberIntVal(2000000)) {
		t.Errorf("range(2000000): %#v %s", v, diags)
	}
}

// TestCollectionFunctionsProperty compares random small collections.
func TestCollectionFunctionsProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 400
	if testing.Short() {
		n = 50
	}
	for range n {
		elems := randomElems(r, r.IntN(6))
		list := "[" + strings.Join(elems, ", ") + "]"
		obj := make([]string, len(elems))
		for i, e := range elems {
			obj[i] = fmt.Sprintf("k%d = %s", r.IntN(4), e)
		}
		m := "{" + strings.Join(uniqueKeys(obj), ", ") + "}"
		for _, src := range []string{
			"toset(" + list + ")", "tolist(" + list + ")", "distinct(" + list + ")",
			"tomap(" + m + ")", "setunion(" + list + ", [\"a\"])", "toset(flatten([" + list + ", " + list + "]))",
		} {
			sameResult(t, src)
		}
	}
}

func randomElems(r *rand.Rand, n int) []string {
	kinds := r.IntN(4) // how varied: 0 = strings only ... 3 = anything
	out := make([]string, n)
	for i := range out {
		switch k := r.IntN(kinds*2 + 1); {
		case k <= 1:
			out[i] = fmt.Sprintf("%q", []string{"a", "b", "1", "true"}[r.IntN(4)])
		case k <= 3:
			out[i] = []string{"1", "2", "1.0", "0.5"}[r.IntN(4)]
		case k == 4:
			out[i] = []string{"true", "false"}[r.IntN(2)]
		case k == 5:
			out[i] = "null"
		default:
			out[i] = []string{`["a"]`, `{ x = 1 }`, `{ x = "a" }`, `[1, 2]`}[r.IntN(4)]
		}
	}
	return out
}

func uniqueKeys(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range items {
		k, _, _ := strings.Cut(it, " ")
		if !seen[k] {
			seen[k] = true
			out = append(out, it)
		}
	}
	return out
}

// FuzzCollectionFunctions checks weir's functions against the standard
// library on arbitrary expressions over small collections.
func FuzzCollectionFunctions(f *testing.F) {
	for _, s := range []string{`["a", "b", "a"]`, `[1, "a"]`, `[1, true]`, `[]`, `[["a"], ["b"]]`, `{ a = 1, b = "x" }`} {
		f.Add("toset", s)
		f.Add("distinct", s)
		f.Add("tomap", s)
	}
	f.Fuzz(func(t *testing.T, fn, arg string) {
		switch fn {
		case "toset", "tolist", "tomap", "distinct", "setunion", "setsubtract", "setintersection":
		default:
			return
		}
		if len(arg) > 200 || strings.ContainsAny(arg, "${}%") && strings.Contains(arg, "range") {
			return
		}
		src := fn + "(" + arg + ")"
		if strings.HasPrefix(fn, "set") {
			src = fn + "(" + arg + ", " + arg + ")"
		}
		if _, diags := hclsyntax.ParseExpression([]byte(src), "f.hcl", hcl.InitialPos); diags.HasErrors() {
			return
		}
		if strings.Contains(arg, "(") {
			return // other function calls: not what this compares
		}
		if _, diags := hclsyntax.ParseExpression([]byte(arg), "f.hcl", hcl.InitialPos); diags.HasErrors() {
			return
		}
		if _, diags := evalWith(t, arg, nil); diags != "" {
			// HCL still converts an argument that failed to evaluate, and
			// reports that too; weir converts inside the call, which HCL
			// skips after an error. Only a second message differs.
			return
		}
		sameResult(t, src)
	})
}

// linearIdioms are the ways the docs build a wide for_each; %d scales them.
var linearIdioms = []string{
	`length(toset(flatten([for s in range(%d) : [for c in range(100) : "s${s}-c${c}"]])))`,
	`length(tolist([for i in range(%d * 100) : "k${i}"]))`,
	`length(distinct([for i in range(%d * 100) : "k${i %% 25000}"]))`,
	`length(tomap({ for i in range(%d * 100) : "k${i}" => i }))`,
	`length(setunion([for i in range(%d * 100) : "a${i}"], [for i in range(%d * 100) : "b${i}"]))`,
}

// idiomAt is idiom at scale n.
func idiomAt(idiom string, n int) string {
	return strings.ReplaceAll(strings.ReplaceAll(idiom, "%d", strconv.Itoa(n)), "%%", "%")
}

// idiomName is the function an idiom is about: length(NAME(...)).
func idiomName(idiom string) string {
	inner := strings.TrimPrefix(idiom, "length(")
	return inner[:strings.Index(inner, "(")]
}

// TestCollectionFunctionsLinear checks that the docs' idioms never hand a
// large tuple to go-cty's conversion, whose unification of element types
// takes time in the square of the length (100,000 keys took minutes).
// Counting the hand-offs says it whatever the machine's load; the times
// are BenchmarkCollectionFunctions'.
func TestCollectionFunctionsLinear(t *testing.T) {
	fns := functions("/")
	for _, idiom := range linearIdioms {
		src := idiomAt(idiom, 20)
		t.Run(idiomName(idiom), func(t *testing.T) {
			var large int
			tookSlowPath = func(v cty.Value) {
				if v.IsKnown() && !v.IsNull() && v.CanIterateElements() && v.LengthInt() > 100 {
					large++
				}
			}
			defer func() { tookSlowPath = func(cty.Value) {} }()
			v, diags := evalWith(t, src, fns)
			if diags != "" || v.IsNull() {
				t.Fatalf("%s: %s", src, diags)
			}
			if large > 0 {
				t.Errorf("%s: %d collections of over 100 elements went to go-cty's conversion, which is quadratic", src, large)
			}
		})
	}
}

// BenchmarkCollectionFunctions times the idioms at two sizes: ns/key should
// stay flat from the first to the second.
func BenchmarkCollectionFunctions(b *testing.B) {
	fns := functions("/")
	for _, idiom := range linearIdioms {
		for _, n := range []int{100, 400} {
			src := idiomAt(idiom, n)
			b.Run(fmt.Sprintf("%s/keys=%d", idiomName(idiom), n*100), func(b *testing.B) {
				for b.Loop() {
					if _, diags := evalWith(b, src, fns); diags != "" {
						b.Fatal(diags)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*100), "ns/key")
			})
		}
	}
}
