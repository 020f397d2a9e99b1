package slurm

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// MaxSubmitJobs of the user's associations bounds their jobs pending or
// running at once; past it sbatch fails ("job submit limit"), it does not
// wait. Only accounting (slurmdbd) knows it: without it there is no limit
// of the kind. A QOS's MaxSubmitJobsPerUser is not read: which QOS a job
// gets depends on the pool's settings and the association's defaults.

// MaxSubmit returns the smallest MaxSubmitJobs of the user's associations,
// from sacctmgr; 0 when none sets one.
func (c *Client) MaxSubmit(ctx context.Context) (int, error) {
	user := lookupEnv(c.env, "USER")
	if user == "" {
		user = strconv.Itoa(os.Getuid())
	}
	argv := []string{"sacctmgr", "-n", "-P", "show", "associations", "where", "users=" + user, "format=MaxSubmitJobs"}
	out, _, err := c.run(ctx, &c.sacct, argv, nil)
	if err != nil {
		return 0, fmt.Errorf("slurm: sacctmgr: %w", err)
	}
	return parseMaxSubmit(out)
}

// parseMaxSubmit parses `sacctmgr -n -P ... format=MaxSubmitJobs`: a line
// per association, empty where it sets no limit.
func parseMaxSubmit(out []byte) (int, error) {
	least := 0
	for i, line := range strings.Split(string(out), "\n") {
		v := strings.TrimSpace(line)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("slurm: sacctmgr line %d: MaxSubmitJobs %q is not a whole number", i+1, v)
		}
		if least == 0 || n < least {
			least = n
		}
	}
	return least, nil
}
