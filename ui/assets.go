package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

// dist is the built front end (web/, built by `npm run build` there). It is
// committed so that `go build` alone makes a working binary;
// TestDistMatchesSources checks it against a fresh build.
//
//go:embed dist
var dist embed.FS

func distFile(name string) ([]byte, error) { return dist.ReadFile("dist/" + name) }

// assetHandler serves dist/ under /assets/. The answers of the API are
// never stored (guard), but the assets are the build's own and public:
// they may be kept if revalidated (no-cache) against an ETag of their
// content, so that a reload gets a 304 for the 3.6 MB of script and the
// browser reuses the code it compiled, instead of fetching and compiling
// it again.
func assetHandler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.FileServerFS(sub)
	return http.StripPrefix("/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tag, ok := assetTags()[r.URL.Path]; ok {
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("ETag", tag) // http.FileServer answers If-None-Match with it
		}
		files.ServeHTTP(w, r)
	}))
}

// assetTags is the ETag of each file of dist, by its path under it,
// computed once.
var assetTags = sync.OnceValue(func() map[string]string {
	tags := map[string]string{}
	fs.WalkDir(dist, "dist", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dist.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tags[strings.TrimPrefix(path, "dist/")] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	return tags
})

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := distFile("index.html")
	if err != nil {
		http.Error(w, "the page is missing from this build: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}
