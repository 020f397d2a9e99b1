// Package shm owns the named segments that tasks hand to each other: files
// under a run's directory in shm_dir (tmpfs by default), written by one
// producer at a ".partial" path, committed by a rename once the producer has
// succeeded, then only read. Consumers map them; nothing is copied or
// serialised between stages.
package shm
