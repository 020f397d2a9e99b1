package ui

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/weirflow/weir/internal/testenv"
)

// TestDistMatchesSources builds web/ afresh (npm ci, then build.mjs) and
// compares the result with the committed dist/, which go build embeds: a
// change to the sources without `npm run build` fails here.
func TestDistMatchesSources(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the front end")
	}
	npm := testenv.LookPath(t, "npm", "apt-get install nodejs npm (scripts/test-deps does)")
	node := testenv.LookPath(t, "node", "apt-get install nodejs (scripts/test-deps does)")
	work := t.TempDir()
	src := filepath.Join(work, "web")
	// A copy without node_modules: the check must not depend on what a
	// developer installed by hand.
	err := filepath.WalkDir("web", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel("web", p)
		dst := filepath.Join(src, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"},
		{node, "build.mjs", "--out", filepath.Join(work, "dist")},
	} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	want, err := os.ReadDir(filepath.Join(work, "dist"))
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadDir("dist")
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != len(want) {
		t.Errorf("dist has %d files, a fresh build %d", len(have), len(want))
	}
	for _, f := range want {
		fresh, _ := os.ReadFile(filepath.Join(work, "dist", f.Name()))
		committed, err := os.ReadFile(filepath.Join("dist", f.Name()))
		if err != nil || !bytes.Equal(fresh, committed) {
			t.Errorf("ui/dist/%s differs from a fresh build of ui/web: run `npm ci && npm run build` in ui/web and commit ui/dist", f.Name())
		}
	}
}
