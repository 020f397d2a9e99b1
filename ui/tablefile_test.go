package ui

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tableRun makes a finished run of mixedRun's with its outline and
// summary, and returns its state dir and run directory.
func tableRun(t *testing.T, n int) (stateDir, runDir string) {
	t.Helper()
	full, quick := t.TempDir(), t.TempDir()
	mixedRun(t, full, "r1", n)
	journaled(t, full, quick, "r1", 20)
	return quick, filepath.Join(quick, "runs", "r1")
}

// sortedByPeak asks a fresh server for the table sorted by peak, the
// answer's JSON or its error text.
func sortedByPeak(t *testing.T, stateDir string) (string, int) {
	t.Helper()
	_, hs := startServer(t, Options{StateDir: stateDir})
	resp, err := http.Get(hs.URL + "/api/runs/r1/tasks?sort=peak&dir=-1&limit=50")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	var v any
	if resp.StatusCode == http.StatusOK {
		json.NewDecoder(resp.Body).Decode(&v)
		out, _ := json.Marshal(v)
		return string(out), resp.StatusCode
	}
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return b.String(), resp.StatusCode
}

// TestTableFile: the table a server builds is kept as table.bin (0600),
// and the next server reads it and answers as the first did; a file made
// from other files is made again, and a damaged or linked one gives an
// error that names it, never a crash.
func TestTableFile(t *testing.T) {
	stateDir, runDir := tableRun(t, 60)
	path := filepath.Join(runDir, tableFile)
	want, code := sortedByPeak(t, stateDir)
	if code != http.StatusOK {
		t.Fatalf("first server: %d %s", code, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no %s after the first server: %v", tableFile, err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", tableFile, st.Mode().Perm())
	}
	good, _ := os.ReadFile(path)

	// The next server reads the file: a table made from it answers alike.
	s, _ := startServer(t, Options{StateDir: stateDir})
	h, _ := s.checkRun("r1")
	src, _ := h.sources()
	loaded, err := h.loadTable(src, true)
	if err != nil || loaded == nil {
		t.Fatalf("table.bin not read back: %v", err)
	}
	if got, _ := sortedByPeak(t, stateDir); got != want {
		t.Errorf("from table.bin:\n%s\nbuilt:\n%s", got, want)
	}

	for _, c := range []struct {
		name   string
		damage func()
		error  bool
	}{
		{"made from a shorter log: made again", func() {
			os.WriteFile(path, good, 0o600)
			b, _ := os.ReadFile(path)
			copy(b[16:24], []byte{1, 0, 0, 0, 0, 0, 0, 0})
			os.WriteFile(path, b, 0o600)
		}, false},
		{"cut short", func() { os.WriteFile(path, good[:len(good)/2], 0o600) }, true},
		{"a length past the end", func() {
			b := append([]byte{}, good...)
			copy(b[28:32], []byte{0xff, 0xff, 0xff, 0x7f})
			os.WriteFile(path, b, 0o600)
		}, true},
		{"a stage index out of range", func() {
			b := append([]byte{}, good...)
			// The stage column follows the keyed column; write 0xffff over
			// the whole of the middle of the file's columns.
			for i := len(b) / 2; i < len(b)/2+64; i++ {
				b[i] = 0xff
			}
			os.WriteFile(path, b, 0o600)
		}, true},
		{"a link", func() {
			os.Remove(path)
			other := filepath.Join(t.TempDir(), "other")
			os.WriteFile(other, good, 0o600)
			os.Symlink(other, path)
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.damage()
			got, code := sortedByPeak(t, stateDir)
			if !c.error {
				if code != http.StatusOK || got != want {
					t.Errorf("got %d %s, want the table made again:\n%s", code, got, want)
				}
				return
			}
			if code == http.StatusOK {
				t.Fatalf("a damaged %s answered: %.200s", tableFile, got)
			}
			if !strings.Contains(got, tableFile) {
				t.Errorf("error %q does not name %s", got, tableFile)
			}
		})
	}
}

// TestTableFileFlipped: table.bin with any byte changed either loads as a
// table whose every request answers, or is refused; it never panics.
func TestTableFileFlipped(t *testing.T) {
	stateDir, runDir := tableRun(t, 30)
	path := filepath.Join(runDir, tableFile)
	if _, code := sortedByPeak(t, stateDir); code != http.StatusOK {
		t.Fatal("no table")
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := startServer(t, Options{StateDir: stateDir})
	h, _ := s.checkRun("r1")
	src, _ := h.sources()
	rng := rand.New(rand.NewPCG(1, 2))
	queries := tableQueries()
	for range 200 {
		b := append([]byte{}, good...)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		tab, err := h.loadTable(src, true)
		if err != nil || tab == nil {
			continue
		}
		for k := 0; k < len(queries); k += 5 {
			u, _ := url.Parse("/x" + queries[k])
			q, _ := parseRowQuery(&http.Request{URL: u})
			h.tableRows(tab, q) // an error is fine; a panic fails the test
		}
	}
}
