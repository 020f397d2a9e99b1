package cgroup

import "strconv"

// maxNameLen bounds the part of a task's directory name taken from its
// name, so that deep task ids can't reach NAME_MAX (255) and paths stay
// readable.
const maxNameLen = 48

// dirName turns a task name into a directory name that is safe (only
// [A-Za-z0-9._-], never "." or ".."), bounded and unique within a Manager:
// seq comes first, so two names that sanitize alike ("a/b", "a b") still
// differ, and no name can start with a dot.
func dirName(seq uint64, name string) string {
	b := make([]byte, 0, 21+maxNameLen)
	b = strconv.AppendUint(b, seq, 10)
	if name == "" {
		return string(b)
	}
	b = append(b, '-')
	n := 0
	for i := 0; i < len(name) && n < maxNameLen; i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			c = '_'
		}
		b = append(b, c)
		n++
	}
	return string(b)
}
