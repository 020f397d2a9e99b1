// Package browser starts headless Chromium for tests and benchmarks, driven
// by github.com/chromedp/chromedp. Tests call New, which skips where
// Chromium is missing and fails instead under WEIR_REQUIRE_ALL=1.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/testenv"
)

// Install says how to get Chromium, for messages.
const Install = "run scripts/chromium-setup as root (apt-get install --no-install-recommends chromium)"

// Path finds Chromium: $WEIR_CHROMIUM, else chromium on PATH.
func Path() (string, error) {
	if p := os.Getenv("WEIR_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium is not installed: " + Install)
}

// Tab is one page of a headless Chromium. It records what the page writes
// to the console, so that tests can check for errors (a refused script or
// style under the page's Content-Security-Policy shows there).
type Tab struct {
	Ctx context.Context // for chromedp actions

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	stop     func()
}

// Start starts Chromium at path with a fresh profile in a temporary
// directory, with the flags that keep it quiet on a closed network, and
// opens a tab of width x height. Close stops it and removes the profile.
func Start(parent context.Context, path string, width, height int) (*Tab, error) {
	dir, err := os.MkdirTemp("", "weir-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // root has no usable sandbox here
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// A headless page counts as hidden: without these its renderer runs
		// at background priority and its timers are throttled, which on a
		// busy machine makes a page several times slower than a user's.
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(width, height),
	}
	// Chromium makes its singleton socket's directory in $TMPDIR and leaves
	// it there when it is killed, as Close's cancel does: keep it inside the
	// profile, which Close removes, where the socket's path fits in the 108
	// bytes a socket address holds.
	if len(dir)+len("/org.chromium.Chromium.XXXXXX/SingletonSocket") < 108 {
		opts = append(opts, chromedp.Env("TMPDIR="+dir))
	}
	actx, acancel := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t := &Tab{Ctx: ctx}
	// Start the browser now, so that a broken install fails here.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		acancel()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("browser: start %s: %w", path, err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			t.mu.Lock()
			t.messages = append(t.messages, m)
			t.mu.Unlock()
		}
	}()
	t.stop = func() {
		cancel()
		acancel() // waits for the browser process to exit
		wg.Wait()
		os.RemoveAll(dir)
	}
	return t, nil
}

// Close stops the browser.
func (t *Tab) Close() { t.stop() }

// Errors returns the console errors and uncaught exceptions so far.
func (t *Tab) Errors() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.messages {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			out = append(out, m.String())
		}
	}
	return out
}

// Console returns every console message so far, one a line.
func (t *Tab) Console() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for _, m := range t.messages {
		b.WriteString(m.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// New starts Chromium for t with a 1400x900 tab, stopped when t ends. It
// skips t where Chromium is missing, and fails it under WEIR_REQUIRE_ALL=1.
func New(t testing.TB) *Tab {
	t.Helper()
	path, err := Path()
	if err != nil {
		testenv.Missing(t, "chromium", Install)
	}
	tab, err := Start(context.Background(), path, 1400, 900)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tab.Close)
	return tab
}
