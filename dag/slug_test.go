package dag

import (
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"extract":    "extract",
		"shard[3]":   "shard%5B3%5D",
		"s[a/b]":     "s%5Ba%2Fb%5D",
		"s[..]":      "s%5B.%2E%5D",
		"s[.hidden]": "s%5B.hidden%5D",
		"s[a b]":     "s%5Ba%20b%5D",
		"x-1_y.z":    "x-1_y.z",
		"s[é]":       "s%5B%C3%A9%5D",
		".":          "%2E",
	}
	for in, want := range tests {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	long := "s[" + strings.Repeat("k", 300) + "]"
	a, b := Slug(long), Slug(long+"x")
	if len(a) > maxSlug || a == b || strings.ContainsAny(a, "/") {
		t.Errorf("long slugs %q %q", a, b)
	}
}

func FuzzSlug(f *testing.F) {
	f.Add("shard[3]")
	f.Fuzz(func(t *testing.T, id string) {
		s := Slug(id)
		if isSlug(id) != (s == id) {
			t.Fatalf("Slug(%q) = %q, but isSlug says %v", id, s, isSlug(id))
		}
		if s == "" && id != "" || s == "." || s == ".." || strings.ContainsAny(s, "/\x00") || len(s) > maxSlug || strings.HasPrefix(s, ".") {
			t.Fatalf("Slug(%q) = %q is not a safe path component", id, s)
		}
	})
}
