package procstat

import (
	"bytes"
	"os"
	"strconv"
)

// Env returns the value of the variable name in the environment process
// pid started with (/proc/<pid>/environ), and whether it has it. A process
// of another user's, or one gone, has none.
func Env(pid int, name string) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return "", false
	}
	prefix := name + "="
	for e := range bytes.SplitSeq(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(e, []byte(prefix)); ok {
			return string(v), true
		}
	}
	return "", false
}
