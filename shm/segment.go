package shm

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Segment is a segment mapped into memory, for Go stage programs: a
// producer creates one at the path in $WEIR_OUTPUT_<NAME>, a consumer opens
// the one in $WEIR_INPUT_<NAME>. The bytes live in the mapping, outside
// the Go heap, so a gigabyte costs the garbage collector nothing and
// readers share one copy in memory.
type Segment struct {
	data     []byte
	writable bool
}

// Create makes the file at path size bytes long and maps it read-write.
// A producer writes into Bytes and calls Close; weir commits the file
// when the stage exits 0. The bytes start as zeros.
//
// When weir left path+ZeroedSuffix (the pages of a released segment,
// zeroed; see Pool), Create takes that file over instead of making one:
// the kernel then allocates no page, which is half the cost of writing a
// fresh segment on tmpfs.
func Create(path string, size int64) (*Segment, error) {
	if size <= 0 {
		return nil, fmt.Errorf("shm: create %s: size %d must be above zero", path, size)
	}
	flags, mapFlags := os.O_RDWR|os.O_CREATE|os.O_TRUNC, unix.MAP_SHARED
	if os.Rename(path+ZeroedSuffix, path) == nil {
		// Its pages exist: filling the page tables at the map costs a
		// fraction of faulting them in one by one. Fresh pages are better
		// faulted as they are written, while the cache is warm.
		flags, mapFlags = os.O_RDWR, unix.MAP_SHARED|unix.MAP_POPULATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("shm: create: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return nil, fmt.Errorf("shm: size %s: %w", path, err)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, mapFlags)
	if err != nil {
		return nil, fmt.Errorf("shm: map %s: %w", path, err)
	}
	return &Segment{data: data, writable: true}, nil
}

// Open maps the segment at path read-only: a write to Bytes faults, so
// no consumer can change what others read.
func Open(path string) (*Segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("shm: open: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("shm: open: %w", err)
	}
	if fi.Size() == 0 {
		return &Segment{}, nil // mmap refuses zero bytes; an empty segment is valid
	}
	if fi.Size() != int64(int(fi.Size())) {
		return nil, fmt.Errorf("shm: %s: %s bytes do not fit in memory here", path, strconv.FormatInt(fi.Size(), 10))
	}
	flags := unix.MAP_SHARED
	// A segment in memory (tmpfs) is resident: filling the page tables in
	// one go at the map costs half what a fault a page does (45 against
	// 90 ms a GiB here). On a disk it would read the whole file first,
	// which a reader of a part of it does not want.
	var st unix.Statfs_t
	if unix.Fstatfs(int(f.Fd()), &st) == nil && (st.Type == tmpfsMagic || st.Type == ramfsMagic) {
		flags |= unix.MAP_POPULATE
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, flags)
	if err != nil {
		return nil, fmt.Errorf("shm: map %s: %w", path, err)
	}
	return &Segment{data: data}, nil
}

// Bytes is the mapped segment. It is valid until Close.
func (s *Segment) Bytes() []byte { return s.data }

// Close unmaps the segment; for a producer, after flushing what it wrote
// to the file (msync), so that the bytes are there for the engine to hash.
func (s *Segment) Close() error {
	if s.data == nil {
		return nil
	}
	var err error
	if s.writable {
		err = unix.Msync(s.data, unix.MS_SYNC)
	}
	if uerr := unix.Munmap(s.data); err == nil {
		err = uerr
	}
	s.data = nil
	if err != nil {
		return fmt.Errorf("shm: close: %w", err)
	}
	return nil
}
