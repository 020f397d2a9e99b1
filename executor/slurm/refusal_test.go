package slurm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/executor"
)

// fakeSlurm writes sbatch, squeue, scontrol and scancel stand-ins into a
// directory and returns the environment that finds them. sbatch refuses
// its first refuse calls as slurmctld does at MaxJobCount (hang: by
// retrying until it is killed, else by giving up); squeue lists nothing
// when asked for every job (the refused room is not visible to it) and
// every watched job in the state written in dir/state (COMPLETED if none);
// scancel of ids writes CANCELLED there. Each sbatch and scancel call appends its
// arguments to dir/sbatch.log or dir/scancel.log. MinJobAge is 1 s.
func fakeSlurm(t *testing.T, refuse int, hang bool) (env []string, dir string) {
	t.Helper()
	dir = t.TempDir()
	giveUp := "echo 'sbatch: error: Batch job submission failed: Resource temporarily unavailable' >&2; exit 1"
	if hang {
		giveUp = "exec sleep 60"
	}
	scripts := map[string]string{
		"scontrol": `case "$1 $2" in
"show config")
	printf 'Configuration data as of 2026-12-06T23:00:00\nAccountingStorageType   = accounting_storage/none\nJobCompType             = jobcomp/none\nMaxArraySize            = 100\nMaxJobCount             = 100\nMinJobAge               = 1 sec\n' ;;
*) echo "Invalid job id specified" >&2; exit 1 ;;
esac`,
		"sbatch": fmt.Sprintf(`cat >/dev/null
exec 9>>%[1]s/lock
flock 9
n=$(( $(cat %[1]s/sbatch.n 2>/dev/null || echo 0) + 1 ))
echo $n >%[1]s/sbatch.n
echo "$*" >>%[1]s/sbatch.log
flock -u 9
if [ $n -le %[2]d ]; then
	echo 'sbatch: error: Slurm temporarily unable to accept job, sleeping and retrying' >&2
	%[3]s
fi
echo $((1000 + n))`, dir, refuse, giveUp),
		"squeue": fmt.Sprintf(`ids=
while [ $# -gt 0 ]; do
	case $1 in
	-j) ids=$2; shift ;;
	esac
	shift
done
[ -z "$ids" ] && exit 0
state=$(cat %[1]s/state 2>/dev/null || echo COMPLETED)
for id in $(echo "$ids" | tr , ' '); do
	echo "$id|${id%%_*}|$state|None|0|2026-12-06T23:00:00|2026-12-06T23:00:01|node|"
done`, dir),
		"scancel": fmt.Sprintf(`echo "$*" >>%[1]s/scancel.log
case $1 in
--name=*) ;; # after a killed sbatch: nothing got in
*) echo CANCELLED >%[1]s/state ;;
esac`, dir),
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"PATH=" + dir + ":/usr/bin:/bin", "HOME=" + dir}, dir
}

// A refused sbatch is a full cluster, not a failed task: the runner waits
// for room and submits the same attempts again, whether sbatch gave up or
// was killed while it retried, for an array and for a job of its own.
func TestRefusedSubmitGoesAgain(t *testing.T) {
	for _, tt := range []struct {
		name    string
		tasks   int
		keyed   bool
		refuse  int
		hang    bool
		wantRef uint64 // sbatch calls counted as refused
	}{
		{name: "an array, sbatch gives up twice", tasks: 3, keyed: true, refuse: 2, wantRef: 2},
		{name: "an array, sbatch killed while it retries", tasks: 3, keyed: true, refuse: 1, hang: true, wantRef: 1},
		{name: "a window of one, sbatch gives up twice", tasks: 1, keyed: true, refuse: 2, wantRef: 2},
		{name: "a job of its own, sbatch gives up twice", tasks: 1, refuse: 2, wantRef: 2},
		{name: "a job of its own, sbatch killed while it retries", tasks: 1, refuse: 1, hang: true, wantRef: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, dir := fakeSlurm(t, tt.refuse, tt.hang)
			var mu sync.Mutex
			var notes []string
			r := newRunner(t, Options{Env: env, ArrayWindow: 50 * time.Millisecond, CommandTimeout: 10 * time.Second, // a fake sbatch can take seconds on a loaded machine
				PollInterval: 20 * time.Millisecond, Notify: func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }})
			durable := make([]int, tt.tasks)
			handles := startWide(t, r, tt.tasks, "exit 0", tt.keyed, func(i int, s *executor.Spec) {
				s.Durable = func() error { durable[i]++; return nil }
			})
			if handles == nil {
				return
			}
			for i, h := range handles {
				if res := h.Wait(); !res.OK() {
					t.Errorf("task %d: %+v", i, res)
				}
				if durable[i] != 1 {
					t.Errorf("task %d recorded durably %d times, want once", i, durable[i])
				}
			}
			log, err := os.ReadFile(filepath.Join(dir, "sbatch.log"))
			if err != nil {
				t.Fatal(err)
			}
			if calls := strings.Count(string(log), "\n"); calls != tt.refuse+1 {
				t.Errorf("%d sbatch calls, want %d:\n%s", calls, tt.refuse+1, log)
			}
			if st := r.Stats(); st.Refused != tt.wantRef {
				t.Errorf("%d sbatch calls counted refused, want %d", st.Refused, tt.wantRef)
			}
		})
	}
}
