package ui

import (
	"embed"
	"io/fs"
	"net/http"
)

// dist is the built front end (web/, built by `npm run build` there). It is
// committed so that `go build` alone makes a working binary;
// TestDistMatchesSources checks it against a fresh build.
//
//go:embed dist
var dist embed.FS

func distFile(name string) ([]byte, error) { return dist.ReadFile("dist/" + name) }

// assetHandler serves dist/ under /assets/.
func assetHandler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return http.StripPrefix("/assets/", http.FileServerFS(sub))
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := distFile("index.html")
	if err != nil {
		http.Error(w, "the page is missing from this build: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}
