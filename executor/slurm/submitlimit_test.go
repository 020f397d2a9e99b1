package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// With accounting, the runner keeps to the smallest MaxSubmitJobs of the
// user's associations: a stage of 5 in arrays goes in windows of 2 under
// a limit of 2 (3 sbatch calls or more, and a wait said). Without accounting, or where no association sets one, it
// goes at once; a limit that cannot be read is said, not guessed.
func TestMaxSubmitFromAccounting(t *testing.T) {
	for _, tt := range []struct {
		name       string
		accounting bool
		sacctmgr   string // what sacctmgr prints
		limited    bool   // 2 at most at once: 3 sbatch calls or more, and a note says why
		wantNote   string
	}{
		{name: "no accounting", sacctmgr: "2\n"},
		{name: "a limit of 2", accounting: true, sacctmgr: "2\n", limited: true},
		{name: "the smallest of two associations", accounting: true, sacctmgr: "4\n2\n", limited: true},
		{name: "no association sets one", accounting: true, sacctmgr: "\n\n"},
		{name: "unreadable", accounting: true, sacctmgr: "lots\n",
			wantNote: `cannot read your MaxSubmitJobs (slurm: sacctmgr line 1: MaxSubmitJobs "lots" is not a whole number)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, dir := fakeSlurm(t, 0, false)
			acct := "accounting_storage/none"
			if tt.accounting {
				acct = "accounting_storage/slurmdbd"
			}
			scontrol := "#!/bin/sh\nprintf 'Configuration data as of 2026-12-06T23:00:00\\nAccountingStorageType = " + acct +
				"\\nMaxArraySize = 100\\nMaxJobCount = 100\\nMinJobAge = 1 sec\\n'\n"
			sacctmgr := "#!/bin/sh\nprintf '" + strings.ReplaceAll(tt.sacctmgr, "\n", `\n`) + "'\n"
			for name, body := range map[string]string{"scontrol": scontrol, "sacctmgr": sacctmgr} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			var notes []string
			r := newRunner(t, Options{Env: env, ArrayWindow: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond,
				Notify: func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }})
			var wg sync.WaitGroup
			for i := range 5 {
				s := helperSpec(t, fmt.Sprintf("wide[%d]", i), "exit 0")
				s.Task.Stage, s.Task.Key, s.Task.Keyed = "wide", strconv.Itoa(i), true
				wg.Go(func() {
					h, err := r.Start(context.Background(), s)
					if err != nil {
						t.Error(err)
						return
					}
					h.Wait()
				})
			}
			wg.Wait()
			if n := r.Stats().Sbatch; tt.limited && n < 3 {
				t.Errorf("%d sbatch calls for 5 tasks, at most 2 at once: want 3 or more", n)
			}
			mu.Lock()
			defer mu.Unlock()
			all := strings.Join(notes, "\n")
			if tt.wantNote != "" && !strings.Contains(all, tt.wantNote) {
				t.Errorf("notes %q lack %q", notes, tt.wantNote)
			}
			// How many windows the starts make depends on when they come; a
			// wait for the run's own jobs says a limit was kept.
			if waited := strings.Contains(all, "2 jobs of this run are pending or running"); waited != tt.limited {
				t.Errorf("notes %q: a wait for this run's 2 jobs is %v, want %v", notes, waited, tt.limited)
			}
		})
	}
}
