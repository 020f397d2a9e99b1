package uibench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// ClearLayouts must leave the origin's localStorage empty without opening
// a page of it, and leave other origins' alone.
func TestClearLayouts(t *testing.T) {
	tab := browser.New(t)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>t</title>"))
	})
	a, b := httptest.NewServer(page), httptest.NewServer(page)
	defer a.Close()
	defer b.Close()
	for _, s := range []*httptest.Server{a, b} {
		if err := chromedp.Do(tab.Ctx, chromedp.Navigate(s.URL+"/"),
			chromedp.Evaluate[chromedp.Void](`localStorage.setItem('layout', 'x')`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ClearLayouts(tab, a.URL); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		origin string
		want   int
	}{{a.URL, 0}, {b.URL, 1}} {
		if err := chromedp.Do(tab.Ctx, chromedp.Navigate(c.origin+"/")); err != nil {
			t.Fatal(err)
		}
		n, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[int](`localStorage.length`))
		if err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s: %d items in localStorage, want %d", c.origin, n, c.want)
		}
	}
}
