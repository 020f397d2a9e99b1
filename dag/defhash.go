package dag

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// DefHasher digests tasks' definitions as DefHash does, without building
// each task's Definition: the bytes hashed are the same, written into
// buffers it keeps from one task to the next. At a million tasks the
// strings of Definition cost seconds of allocation and collection before
// a resume can start its first task. One DefHasher serves one goroutine.
type DefHasher struct {
	buf  []byte   // the bytes hashed for one task
	name []byte   // the component's name being written
	keys []string // sorted env names or passthrough names
}

// Sum is the digest of t's definition: DefHash is its first 16 bytes in
// hex.
func (h *DefHasher) Sum(t *Task) [16]byte {
	h.buf = h.buf[:0]
	if t.Script != "" {
		line := 1
		for rest := t.Script; ; line++ {
			l, next, more := strings.Cut(rest, "\n")
			h.name = strconv.AppendInt(append(h.name[:0], "script line "...), int64(line), 10)
			h.display(l)
			if !more {
				break
			}
			rest = next
		}
	} else {
		for i, a := range t.Argv {
			h.name = append(strconv.AppendInt(append(h.name[:0], "command["...), int64(i), 10), ']')
			h.display(a)
		}
	}
	h.keys = h.keys[:0]
	for k := range t.Env {
		h.keys = append(h.keys, k)
	}
	slices.Sort(h.keys)
	for _, k := range h.keys {
		h.name = append(append(h.name[:0], "env."...), k...)
		h.display(t.Env[k])
	}
	h.keys = append(h.keys[:0], t.EnvPassthrough...)
	slices.Sort(h.keys)
	h.name = append(h.name[:0], "env_passthrough"...)
	n := max(len(h.keys)-1, 0) // the commas
	for _, k := range h.keys {
		n += len(k)
	}
	h.head(n)
	for i, k := range h.keys {
		if i > 0 {
			h.buf = append(h.buf, ',')
		}
		h.buf = append(h.buf, k...)
	}
	h.name = append(h.name[:0], "dir"...)
	h.display(t.Dir)
	for _, in := range t.Inputs {
		h.name = append(append(h.name[:0], "input."...), in.Name...)
		n := max(len(in.From)-1, 0)
		for _, r := range in.From {
			n += len(r.Task) + len(".output.") + len(r.Output)
		}
		h.head(n)
		for i, r := range in.From {
			if i > 0 {
				h.buf = append(h.buf, ',')
			}
			h.buf = append(append(append(h.buf, r.Task...), ".output."...), r.Output...)
		}
	}
	for _, o := range t.Outputs {
		h.name = append(append(h.name[:0], "output."...), o.Name...)
		// The value is written after its length: its place is kept and
		// filled once the value is known.
		var v [64]byte
		val := strconv.AppendInt(append(v[:0], "size="...), o.Size, 10)
		if o.MinSize > 0 {
			val = strconv.AppendInt(append(val, ",min_size="...), o.MinSize, 10)
		}
		h.head(len(val))
		h.buf = append(h.buf, val...)
	}
	sum := sha256.Sum256(h.buf)
	return [16]byte(sum[:16])
}

// head writes the current name and the length of the value that follows,
// as DefHash frames a component: lengths first, so that no two different
// lists read the same.
func (h *DefHasher) head(valueLen int) {
	h.buf = strconv.AppendInt(h.buf, int64(len(h.name)), 10)
	h.buf = append(append(h.buf, ':'), h.name...)
	h.buf = strconv.AppendInt(h.buf, int64(valueLen), 10)
	h.buf = append(h.buf, ':')
}

// display writes the current name and s as Display renders it.
func (h *DefHasher) display(s string) {
	if strings.Contains(s, "\x00seg\x00") {
		s = Display(s) // rare: a segment's path in an argument
	}
	h.head(len(s))
	h.buf = append(h.buf, s...)
}

// DefHash is a digest of Definition: equal hashes, same computation.
func (t *Task) DefHash() string {
	var h DefHasher
	sum := h.Sum(t)
	return hex.EncodeToString(sum[:])
}
