package shm

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/weirflow/weir/dag"
)

func TestHash(t *testing.T) {
	defer func(c int64, w int) { hashChunk, hashWorkers = c, w }(hashChunk, hashWorkers)
	hashChunk = 4096
	dir := t.TempDir()
	write := func(name string, n int) (string, []byte) {
		b := make([]byte, n)
		r := rand.New(rand.NewPCG(uint64(n), 1))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path, b
	}
	plain := func(b []byte) string { return hexHash(xxhash.Sum64(b)) }

	for _, n := range []int{0, 1, 4095, 4096, 4097, 3*4096 + 17, 40 * 4096} {
		path, b := write("seg", n)
		size, h, err := Hash(path)
		if err != nil || size != int64(n) {
			t.Fatalf("%d bytes: size %d, %v", n, size, err)
		}
		if n <= 4096 && h != plain(b) {
			t.Errorf("%d bytes: a one-chunk segment's hash is %s, not its xxhash64 %s", n, h, plain(b))
		}
		if n > 4096 && h == plain(b) {
			t.Errorf("%d bytes: chunked hash equals the plain one", n)
		}
		// The same on one core and on many.
		for _, w := range []int{1, 3, 16} {
			hashWorkers = w
			if _, again, _ := Hash(path); again != h {
				t.Errorf("%d bytes, %d workers: %s, want %s", n, w, again, h)
			}
		}
		for _, c := range []struct {
			name string
			size int64
			hash string
			want bool
		}{
			{"as hashed", int64(n), h, true},
			{"as hashed before chunking", int64(n), plain(b), true},
			{"another size", int64(n) + 1, h, false},
			{"another hash", int64(n), "0123456789abcdef", false},
		} {
			if ok, err := Matches(path, c.size, c.hash); ok != c.want || err != nil {
				t.Errorf("%d bytes, %s: Matches = %v, %v", n, c.name, ok, err)
			}
		}
		if n > 0 {
			b[n/2] ^= 1
			os.WriteFile(path, b, 0o644)
			if ok, _ := Matches(path, int64(n), h); ok {
				t.Errorf("%d bytes: a changed byte still matches", n)
			}
		}
	}
	if _, err := Matches(filepath.Join(dir, "gone"), 1, "x"); err == nil {
		t.Error("a missing segment matched without error")
	}
}

// A segment over one hash chunk is committed without its hash, which the
// caller computes after the commit; a smaller one is hashed at once.
func TestCommitDefersLargeHashes(t *testing.T) {
	defer func(c int64) { hashChunk = c }(hashChunk)
	hashChunk = 4096
	r, err := OpenRun(segDir(t), "r1")
	if err != nil {
		t.Fatal(err)
	}
	task := &dag.Task{ID: "gen", Outputs: []dag.Output{{Name: "small"}, {Name: "large"}}}
	r.Prepare(task)
	os.WriteFile(r.Partial(dag.SegmentRef{Task: "gen", Output: "small"}), make([]byte, 4096), 0o644)
	os.WriteFile(r.Partial(dag.SegmentRef{Task: "gen", Output: "large"}), make([]byte, 4097), 0o644)
	committed, missing, err := r.Commit(task)
	if err != nil || len(missing) > 0 || len(committed) != 2 {
		t.Fatalf("commit: %v %v %v", committed, missing, err)
	}
	for _, c := range committed {
		switch {
		case c.Name == "small" && c.Hash != hexHash(xxhash.Sum64(make([]byte, 4096))):
			t.Errorf("small: hash %q", c.Hash)
		case c.Name == "large" && (c.Hash != "" || c.Size != 4097):
			t.Errorf("large: %+v, want its size and no hash yet", c)
		}
	}
	if _, h, err := Hash(r.Path(dag.SegmentRef{Task: "gen", Output: "large"})); err != nil || h == "" {
		t.Errorf("hashing the committed large segment: %q, %v", h, err)
	}
}
