package slurm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The runner's summary gives the calls per attempt, and says when sbatch
// was refused; a runner that submitted nothing has none.
func TestSummary(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tasks  int
		keyed  bool
		refuse int
		want   []string // substrings; none for ""
	}{
		{name: "nothing submitted", tasks: 0},
		{name: "one array", tasks: 4, keyed: true,
			want: []string{"Slurm: 4 attempts submitted with 1 sbatch calls (0.250 an attempt) and watched with ", " squeue calls ("}},
		{name: "a refused sbatch", tasks: 1, refuse: 1,
			want: []string{"1 attempts submitted with 2 sbatch calls (2.000 an attempt)", "slurmctld refused 1 sbatch calls for want of room, and they went again"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, _ := fakeSlurm(t, tt.refuse, false)
			r := newRunner(t, Options{Env: env, ArrayWindow: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond})
			var wg sync.WaitGroup
			for i := range tt.tasks {
				s := helperSpec(t, fmt.Sprintf("wide[%d]", i), "exit 0")
				s.Task.Stage, s.Task.Key, s.Task.Keyed = "wide", strconv.Itoa(i), tt.keyed
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
			got := r.Summary()
			if len(tt.want) == 0 && got != "" {
				t.Errorf("summary %q, want none", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary %q lacks %q", got, w)
				}
			}
		})
	}
}
