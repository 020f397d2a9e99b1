package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/weirflow/weir/dag"
)

// CheckBelow checks path, a file weir would open, link, rename or remove,
// against root, a directory CheckRun already checked: path must be clean
// and below root, every directory between them the user's and not a link,
// and the file itself, when it exists, a regular file of the user's, not a
// link. It reports whether the file exists; nothing is opened.
func CheckBelow(root, path string) (exists bool, err error) {
	rel, err := filepath.Rel(root, path)
	if err != nil || filepath.Clean(path) != path || !filepath.IsLocal(rel) || rel == "." {
		return false, fmt.Errorf("is not below %s", root)
	}
	parts := strings.Split(rel, string(filepath.Separator))
	p := root
	for i, c := range parts {
		p = filepath.Join(p, c)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		last := i == len(parts)-1
		switch {
		case fi.Mode()&fs.ModeSymlink != 0 && last:
			return true, errors.New("is a symbolic link")
		case fi.Mode()&fs.ModeSymlink != 0:
			return true, fmt.Errorf("goes through %s, a symbolic link", p)
		case !last && !fi.IsDir():
			return true, fmt.Errorf("goes through %s, not a directory", p)
		case last && !fi.Mode().IsRegular():
			return true, errors.New("is not a regular file")
		case ownerOf(fi) != os.Geteuid():
			return true, fmt.Errorf("goes through %s, owned by uid %d, not by you (uid %d)", p, ownerOf(fi), os.Geteuid())
		}
	}
	return true, nil
}

// CheckOutput checks a committed output of task in run d, before a resume
// hashes it or adopts it: its path must be re-derived, <segment
// dir>/<task>/<output> for one of the run's checked segment directories,
// and pass CheckBelow. It reports whether the output exists; one that
// fails is refused with an error naming the run, task, output and path.
func CheckOutput(d RunDirs, task string, o OutputRecord) (exists bool, err error) {
	refuse := func(why string) error {
		return fmt.Errorf("store: run %s, task %s, output %q: path %q %s: %w; the record was damaged or written elsewhere: run the workflow afresh (weir run) instead of resuming it",
			d.ID, task, o.Name, o.Path, why, ErrUnsafe)
	}
	if o.Name == "" || o.Name == "." || o.Name == ".." || strings.ContainsAny(o.Name, "/\x00") {
		return false, refuse("has no valid output name")
	}
	for _, seg := range d.Segments {
		if o.Path != filepath.Join(seg, dag.Slug(task), o.Name) {
			continue
		}
		exists, err := CheckBelow(seg, o.Path)
		if err != nil {
			return exists, refuse(err.Error())
		}
		return exists, nil
	}
	return false, refuse("is not <shm_dir>/" + d.ID + "/" + dag.Slug(task) + "/" + o.Name + " of any shm_dir of the run")
}
