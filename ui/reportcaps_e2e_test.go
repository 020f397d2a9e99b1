package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// TestReportCapsUpTo: where the smallest peak or run time of a stage is
// unknown (0: a wide stage's totals keep only the largest), the caps table
// says "up to" the largest, as weir report's advice does, not "0 B – X".
func TestReportCapsUpTo(t *testing.T) {
	tab := browser.New(t)
	dir := reportRun(t)
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := &History{Runs: 2, Stages: []StageHistory{
		{Stage: "wide", Runs: 2, PeakMax: 64 << 20, TookMax: 2000},
		{Stage: "narrow", Runs: 2, PeakMin: 32 << 20, PeakMax: 64 << 20, TookMin: 1000, TookMax: 2000},
	}}
	if err := WriteReportWith(f, dir, "r1", ReportOptions{History: h}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	do(t, tab, chromedp.Navigate("file://"+path))
	waitJS(t, tab, "the caps table", `document.querySelectorAll("#caps tbody tr").length === 2`)
	got := eval[[]string](t, tab, `[...document.querySelectorAll("#caps tbody tr")].map(tr => [...tr.children].slice(0, 5).map(td => td.textContent).join("|"))`)
	want := []string{
		"wide|2|up to 64 MiB|-|up to 2.00s",
		"narrow|2|32 MiB \u2013 64 MiB|-|1.00s \u2013 2.00s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("caps rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
