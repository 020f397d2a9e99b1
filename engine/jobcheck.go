package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/weirflow/weir/store"
)

// A Slurm handle read back from a store is checked before weir looks its
// job up, watches it or cancels it: a copied state dir could otherwise
// point weir at any job, and as root or a Slurm operator scancel reaches
// every user's.

// slurmJobID is a job id as sbatch prints it, or an array element's A_I.
var slurmJobID = regexp.MustCompile(`^[0-9]{1,12}(_[0-9]{1,9})?$`)

// isSlurmJobName says whether name is one weir gives jobs:
// weir-<run>-<task slug>-<attempt>, or an array's name, 1-512 of letters,
// digits and "._%-": no character a scancel filter could read otherwise.
// Written out: as a regexp, the repetition's compiled program cost every
// weir command 1.5 ms at start.
func isSlurmJobName(name string) bool {
	if len(name) == 0 || len(name) > 512 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._%-", c) >= 0) {
			return false
		}
	}
	return true
}

// jobHandle is the part of a Slurm handle's state that names its job.
type jobHandle struct {
	JobID   string `json:"job_id"`
	JobName string `json:"job_name"`
}

// checkJobHandle checks the handle state of attempt n of task in run: the
// job id by Slurm's grammar and the job name as one weir gives the jobs of
// run (weir-<run>-...). A name is required unless allowNoName.
func checkJobHandle(run, task string, n int, raw []byte, allowNoName bool) (jobHandle, error) {
	var h jobHandle
	refuse := func(why string) error {
		return fmt.Errorf("run %s, task %s, attempt %d: Slurm handle %.200q %s: %w; the record was damaged or written elsewhere: cancel the job by hand (scancel) if it is yours, and run the workflow afresh (weir run)",
			run, task, n, raw, why, store.ErrUnsafe)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, refuse("is not JSON")
	}
	if h.JobID != "" && !slurmJobID.MatchString(h.JobID) {
		return h, refuse("has a job id that is not a Slurm job id (N or N_I)")
	}
	switch {
	case h.JobName == "" && !allowNoName:
		return h, refuse("has no job name")
	case h.JobName == "":
	case !isSlurmJobName(h.JobName) || !strings.HasPrefix(h.JobName, "weir-"+run+"-"):
		return h, refuse("has a job name that is not one of run " + run + "'s (weir-" + run + "-...)")
	}
	if h.JobID == "" && h.JobName == "" {
		return h, refuse("names no job")
	}
	return h, nil
}
