package dag

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// maxSlug bounds a slug so that paths built from it stay far below
// NAME_MAX (255) with room for suffixes such as ".partial" or ".stderr".
const maxSlug = 120

// Slug turns a task ID into a name that is safe as one path component:
// letters, digits, '-', '_' and '.' stay, anything else (the brackets of
// "stage[key]", slashes, spaces, "..") becomes '%XX' as in URLs, so
// different IDs never share a slug. Long slugs are cut and end in a hash
// of the whole ID.
func Slug(id string) string {
	if isSlug(id) {
		return id // most IDs: no copy
	}
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		if kept(id, i) {
			b.WriteByte(id[i])
		} else {
			fmt.Fprintf(&b, "%%%02X", id[i])
		}
	}
	s := b.String()
	if len(s) <= maxSlug {
		return s
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return fmt.Sprintf("%s~%016x", s[:maxSlug-17], h.Sum64())
}

// isSlug reports whether id is its own slug: short enough, and only
// characters Slug keeps.
func isSlug(id string) bool {
	if len(id) > maxSlug {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !kept(id, i) {
			return false
		}
	}
	return true
}

// kept reports whether Slug keeps byte i of id as it is: letters, digits,
// '-', '_', and a dot neither first nor after another (a lone dot is
// harmless; a leading dot would hide the file and ".." would climb out of
// the directory).
func kept(id string, i int) bool {
	c := id[i]
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		return true
	}
	return c == '.' && i > 0 && id[i-1] != '.'
}
