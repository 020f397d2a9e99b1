package slurm

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A job's memory use is read from its cgroup where the job runs on this
// machine (a single-node cluster, or a job on the submit host): no RPC,
// just files. Elsewhere there are no samples and no peak.

// cgroupGlobs find a job's memory cgroup: cgroup v1 (task/cgroup makes
// slurm[_<node>]/uid_<uid>/job_<id> under the memory controller) and v2
// (under slurmstepd's scope).
var cgroupGlobs = []string{
	"/sys/fs/cgroup/memory/slurm*/uid_*/job_%s",
	"/sys/fs/cgroup/system.slice/slurmstepd.scope/job_%s",
	"/sys/fs/cgroup/slurmstepd.scope/job_%s",
}

// memoryFiles are the usage and peak files of v1 and v2 cgroups.
var memoryFiles = [][2]string{
	{"memory.usage_in_bytes", "memory.max_usage_in_bytes"},
	{"memory.current", "memory.peak"},
}

// jobCgroup returns the directory of a job's memory cgroup on this
// machine, or "".
func jobCgroup(id string) string {
	for _, g := range cgroupGlobs {
		if m, _ := filepath.Glob(fmt.Sprintf(g, id)); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}

// readMemory reads a cgroup's current and peak memory use; ok is false
// once the cgroup is gone.
func readMemory(dir string) (usage, peak int64, ok bool) {
	for _, f := range memoryFiles {
		u, err := readInt(filepath.Join(dir, f[0]))
		if err != nil {
			continue
		}
		p, _ := readInt(filepath.Join(dir, f[1])) // memory.peak is new in Linux 5.19
		return u, max(p, u), true
	}
	return 0, 0, false
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// appendSample adds "<unix ms> <bytes>" to a samples file.
func appendSample(path string, t time.Time, bytes int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%d %d\n", t.UnixMilli(), bytes)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
