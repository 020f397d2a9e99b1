package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/internal/units"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

func newGCCmd(o *options) *cobra.Command {
	var olderThan string
	var all, dryRun bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove the segments and temporary files that ended runs left",
		Long: `gc removes what runs that are over left in shm_dir (their segments, partial
files of killed attempts among them) and in the state dir (temporary
directories), and says how much it freed. Records and logs stay: weir runs,
status and logs still show every run. The pages of released segments
that workflows keep for reuse (shm_reuse) are freed too.

The latest run of each workflow is kept when it did not succeed, since
weir resume reuses its segments; --all removes those too. --older-than D
only touches runs that ended (or, if lost, started) more than D ago.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var age time.Duration
			if olderThan != "" {
				d, err := dsl.ParseDuration(olderThan)
				if err != nil {
					return usagef("--older-than: %v", err)
				}
				age = d
			}
			st, err := o.openStateStore(store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.Runs()
			if err != nil {
				return err
			}
			// Every record is checked before anything is removed: one that
			// names a path outside its run's directories stops gc whole.
			checked := make([]store.RunDirs, len(runs))
			for i, r := range runs {
				d, err := store.CheckRun(st.Dir(), r)
				if err != nil {
					return err
				}
				checked[i] = d
			}
			latest := map[string]bool{} // workflows whose latest run was seen
			var freed int64
			removed := 0
			shmDirs := map[string]bool{}
			for i, r := range runs { // newest first
				for _, dir := range checked[i].ShmDirs {
					shmDirs[dir] = true
				}
				first := !latest[r.Workflow]
				latest[r.Workflow] = true
				switch {
				case r.State == store.RunRunning:
					continue // its engine holds the store; cannot happen while we do
				case first && r.State != store.RunSucceeded && !all:
					continue // resume needs it
				case age > 0 && time.Since(endOf(r)) < age:
					continue
				}
				paths := append(checked[i].Segments, checked[i].Tmp)
				for _, p := range paths {
					n, ok := sizeOf(p)
					if !ok {
						continue
					}
					if !dryRun {
						if err := shm.RemoveAll(p); err != nil {
							return fmt.Errorf("run %s: %w", r.ID, err)
						}
					}
					freed += n
					removed++
				}
			}
			// The pages kept for reuse (shm_reuse) belong to no run: a
			// workflow that keeps some gets them back on its next release.
			for dir := range shmDirs {
				if _, err := store.CheckOwnedDir(shm.PoolDir(dir)); err != nil {
					return fmt.Errorf("weir gc: reuse pool %s %v; remove it by hand if it is yours", shm.PoolDir(dir), err)
				}
				n, err := shm.ClearPool(dir, dryRun)
				if err != nil {
					return err
				}
				if n > 0 {
					freed += n
					removed++
				}
			}
			verb := "freed"
			if dryRun {
				verb = "would free"
			}
			dirs := fmt.Sprintf("%d directories", removed)
			if removed == 1 {
				dirs = "1 directory"
			}
			fmt.Fprintf(o.stdout, "%s %s in %s\n", verb, units.Size(freed), dirs)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&olderThan, "older-than", "", "only runs that ended more than `DURATION` ago (e.g. 7d, 12h)")
	f.BoolVar(&all, "all", false, "also the latest unsuccessful run of each workflow, which resume would reuse")
	f.BoolVar(&dryRun, "dry-run", false, "say what would be freed, remove nothing")
	return cmd
}

// endOf is when a run ended, or started when its end was never recorded.
func endOf(r store.RunRecord) time.Time {
	if !r.Ended.IsZero() {
		return r.Ended
	}
	return r.Started
}

// sizeOf is the bytes of the files under path, and whether path exists.
func sizeOf(path string) (int64, bool) {
	if path == "" {
		return 0, false
	}
	if _, err := os.Lstat(path); err != nil {
		return 0, false
	}
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n, true
}
