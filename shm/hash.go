package shm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/cespare/xxhash/v2"
)

// A segment's hash is on the path from producer to consumer: the engine
// hashes every output before the task counts as succeeded. xxhash64 runs at
// about 4 GB/s on one core here, a quarter of a second a GiB, so a segment
// larger than one chunk is hashed in chunks on several cores at once, and
// its hash is the xxhash64 of the chunks' hashes and its size. A segment of
// one chunk or less keeps the plain xxhash64 of its bytes, as before, and
// Matches accepts the plain xxhash64 of a larger one too, so that segments
// hashed before still verify. Either way the hash is 16 hex digits.

// hashChunk is the unit of parallel hashing.
var hashChunk int64 = 64 << 20 // a variable for tests

// hashWorkers bounds the cores one hash takes.
var hashWorkers = min(runtime.NumCPU(), 8)

// Hash reads a segment and returns its size and its hash (see above).
func Hash(path string) (int64, string, error) { return hash(context.Background(), path, hashWorkers) }

// HashBeside is Hash on half the cores (at least one): for hashing while
// the segment's readers run, which need the others. It gives up, with
// ctx's error, between chunks once ctx is done.
func HashBeside(ctx context.Context, path string) (int64, string, error) {
	return hash(ctx, path, max(1, hashWorkers/2))
}

func hash(ctx context.Context, path string, workers int) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("shm: hash: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, "", fmt.Errorf("shm: hash: %w", err)
	}
	if fi.Size() <= hashChunk {
		return plainHash(f, path)
	}
	sum, err := chunkedHash(ctx, f, fi.Size(), workers)
	if err != nil {
		return 0, "", fmt.Errorf("shm: hash %s: %w", path, err)
	}
	return fi.Size(), hexHash(sum), nil
}

// Matches reports whether the segment at path still has the size and hash
// recorded when it was committed, by this version's hash or the plain
// xxhash64 that earlier versions recorded for segments of any size.
func Matches(path string, size int64, hash string) (bool, error) {
	n, h, err := Hash(path)
	if err != nil {
		return false, err
	}
	if n != size {
		return false, nil
	}
	if h == hash || n <= hashChunk {
		return h == hash, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("shm: hash: %w", err)
	}
	defer f.Close()
	_, plain, err := plainHash(f, path)
	return plain == hash, err
}

func plainHash(f *os.File, path string) (int64, string, error) {
	h := xxhash.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("shm: hash %s: %w", path, err)
	}
	return n, hexHash(h.Sum64()), nil
}

// chunkedHash hashes the size bytes of f chunk by chunk on workers
// goroutines, each reading its chunks with ReadAt, until ctx is done.
func chunkedHash(ctx context.Context, f *os.File, size int64, workers int) (uint64, error) {
	chunks := int((size + hashChunk - 1) / hashChunk)
	sums := make([]uint64, chunks)
	errs := make([]error, chunks)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, chunks) {
		wg.Go(func() {
			buf := make([]byte, 1<<20)
			for c := range next {
				if errs[c] = ctx.Err(); errs[c] == nil {
					sums[c], errs[c] = hashRange(ctx, f, int64(c)*hashChunk, min(hashChunk, size-int64(c)*hashChunk), buf)
				}
			}
		})
	}
	for c := range chunks {
		next <- c
	}
	close(next)
	wg.Wait()
	top := xxhash.New()
	var b [8]byte
	for c, s := range sums {
		if errs[c] != nil {
			return 0, errs[c]
		}
		binary.LittleEndian.PutUint64(b[:], s)
		top.Write(b[:])
	}
	binary.LittleEndian.PutUint64(b[:], uint64(size))
	top.Write(b[:])
	return top.Sum64(), nil
}

// hashRange hashes n bytes of f at off, a buffer at a time, until ctx is
// done: a release waiting for the hash to stop waits for one buffer, not
// for a whole chunk.
func hashRange(ctx context.Context, f *os.File, off, n int64, buf []byte) (uint64, error) {
	h := xxhash.New()
	for end := off + n; off < end; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		m, err := f.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		h.Write(buf[:m])
		off += int64(m)
		if err != nil && !(errors.Is(err, io.EOF) && off == end) {
			return 0, err
		}
	}
	return h.Sum64(), nil
}

func hexHash(sum uint64) string { return fmt.Sprintf("%016x", sum) }
