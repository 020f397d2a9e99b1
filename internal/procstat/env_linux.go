package procstat

import (
	"bytes"
	"iter"
	"os"
	"slices"
	"strconv"
)

// Env returns the value of the variable name in the environment process
// pid started with (/proc/<pid>/environ), and whether it has it. A process
// of another user's, or one gone, has none.
func Env(pid int, name string) (string, bool) {
	prefix := []byte(name + "=")
	for e := range environ(pid) {
		if v, ok := bytes.CutPrefix(e, prefix); ok {
			return string(v), true
		}
	}
	return "", false
}

// EnvHas reports whether the environment process pid started with holds
// every one of the entries kvs ("NAME=value") exactly.
func EnvHas(pid int, kvs ...string) bool {
	has := make([]bool, len(kvs))
	for e := range environ(pid) {
		for i, kv := range kvs {
			has[i] = has[i] || string(e) == kv
		}
	}
	return !slices.Contains(has, false)
}

// environ is the entries of /proc/<pid>/environ; none where it cannot be
// read.
func environ(pid int) iter.Seq[[]byte] {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return func(func([]byte) bool) {}
	}
	return bytes.SplitSeq(b, []byte{0})
}
