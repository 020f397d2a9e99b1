package local_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/local"
)

// TestNotify: the end of an attempt reaches the function given to Notify
// once, on another goroutine, whether Notify came before the end or after,
// with what Wait reports.
func TestNotify(t *testing.T) {
	tests := []struct {
		name        string
		script      string
		notifyAfter bool // Notify once the attempt has ended
		want        event.Reason
	}{
		{"before the end", "sleep 0.2", false, event.Succeeded},
		{"after the end", "exit 3", true, event.Exit},
	}
	eachEnforcement(t, func(t *testing.T, r *local.Runner) {
		t.Cleanup(r.Close)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				tk := shTask("t", tc.script)
				h, err := r.Start(context.Background(), &executor.Spec{
					Task: tk, Attempt: 1, Argv: tk.Argv, Env: []string{"PATH=/usr/bin:/bin"}, Dir: dir,
					TmpDir: filepath.Join(dir, "tmp"), Stdout: filepath.Join(dir, "out"), Stderr: filepath.Join(dir, "err"),
				})
				if err != nil {
					t.Fatal(err)
				}
				n, ok := h.(executor.Notifier)
				if !ok {
					t.Fatal("the local handle is not an executor.Notifier")
				}
				var waited event.Result
				if tc.notifyAfter {
					waited = h.Wait()
				}
				got := make(chan event.Result, 2)
				returned := make(chan struct{})
				n.Notify(func(r event.Result) {
					select {
					case <-returned:
					case <-time.After(5 * time.Second):
						t.Error("f was called on the goroutine that called Notify")
					}
					got <- r
				})
				close(returned)
				if !tc.notifyAfter {
					waited = h.Wait()
				}
				select {
				case r := <-got:
					if r.Reason != tc.want || r.Reason != waited.Reason || !r.End.Equal(waited.End) {
						t.Errorf("notified %s (end %v), Wait said %s (end %v), want %s", r.Reason, r.End, waited.Reason, waited.End, tc.want)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("never notified")
				}
				select {
				case r := <-got:
					t.Errorf("notified a second time: %s", r.Reason)
				case <-time.After(50 * time.Millisecond):
				}
			})
		}
	})
}
