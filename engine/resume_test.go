package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

func TestOutputProblem(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rows")
	if err := os.WriteFile(path, []byte("rows"), 0o444); err != nil {
		t.Fatal(err)
	}
	size, hash, err := shm.Hash(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		rec  store.OutputRecord
		want string // a part of the problem; "" = none
	}{
		{"intact", store.OutputRecord{Name: "rows", Path: path, Size: size, Hash: hash}, ""},
		{"changed", store.OutputRecord{Name: "rows", Path: path, Size: size, Hash: "0123456789abcdef"}, "changed since it was committed"},
		{"gone", store.OutputRecord{Name: "rows", Path: path + ".gone", Size: size, Hash: hash}, "is gone"},
		// Over 64 MiB it is hashed after the commit: an engine that died
		// first left no hash to check it by.
		{"never hashed", store.OutputRecord{Name: "rows", Path: path, Size: size}, "never verified"},
		{"never committed", store.OutputRecord{Name: "other", Path: path}, "never committed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outputProblem("rows", []store.OutputRecord{tt.rec})
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("outputProblem = %q, want %q", got, tt.want)
			}
		})
	}
}
