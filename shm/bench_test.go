package shm

import (
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/internal/bytesum"
	"github.com/weirflow/weir/internal/median"
)

// The consumer's own cost: mapping a committed, resident 1 GiB segment
// read-only and summing every byte, against a memcpy of the same GiB into
// a buffer already in memory, paired iteration by iteration. Benchmarks
// only (they need 3 GiB of memory):
//
//	go test ./shm -run '^$' -bench 'ConsumerSum|Memcpy' -benchtime 10x
//
// BenchmarkConsumerSum reports x-memcpy (its median over memcpy's median in
// the same run), memcpy-ms, and sum-resident-ms: the same sum over a
// mapping whose page tables are already filled, so what is left of the
// consumer's time is the cost of mapping.

const benchSegment = 1 << 30

// committedSegment writes a benchSegment-byte segment in /dev/shm as a
// producer would, makes it read-only as a commit does, and returns its
// path; it is removed when the benchmark ends.
func committedSegment(b *testing.B) string {
	b.Helper()
	path := filepath.Join(memDir(b), "data")
	seg, err := Create(path, benchSegment)
	if err != nil {
		b.Fatal(err)
	}
	words := unsafe.Slice((*uint64)(unsafe.Pointer(&seg.Bytes()[0])), benchSegment/8)
	for i := range words {
		words[i] = uint64(i) * 0x9E3779B97F4A7C15
	}
	if err := seg.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		b.Fatal(err)
	}
	protect(path)
	return path
}

// anon is a private anonymous mapping of n bytes, written once so that its
// pages exist: kept off the Go heap, as stage programs keep big payloads.
func anon(b *testing.B, n int) []byte {
	b.Helper()
	buf, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Munmap(buf) })
	for i := 0; i < n; i += 4096 {
		buf[i] = 1
	}
	return buf
}

// resident maps path and reads it once, so its page tables are filled.
func resident(b *testing.B, path string) []byte {
	b.Helper()
	seg, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { seg.Close() })
	bytesum.Sum(seg.Bytes())
	return seg.Bytes()
}

func BenchmarkConsumerSum(b *testing.B) {
	path := committedSegment(b)
	src := resident(b, path)
	dst := anon(b, benchSegment)
	want := bytesum.Sum(src)
	var consumer, memcpy, inMemory []time.Duration
	for b.Loop() {
		b.StopTimer()
		t := time.Now()
		copy(dst, src)
		memcpy = append(memcpy, time.Since(t))
		t = time.Now()
		if got := bytesum.Sum(src); got != want {
			b.Fatalf("sum %d, want %d", got, want)
		}
		inMemory = append(inMemory, time.Since(t))
		b.StartTimer()

		t = time.Now()
		seg, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		got := bytesum.Sum(seg.Bytes())
		if err := seg.Close(); err != nil {
			b.Fatal(err)
		}
		consumer = append(consumer, time.Since(t))
		if got != want {
			b.Fatalf("sum %d, want %d", got, want)
		}
	}
	b.ReportMetric(float64(median.Of(consumer))/float64(median.Of(memcpy)), "x-memcpy")
	b.ReportMetric(float64(median.Of(memcpy))/1e6, "memcpy-ms")
	b.ReportMetric(float64(median.Of(inMemory))/1e6, "sum-resident-ms")
	b.SetBytes(benchSegment)
}

func BenchmarkMemcpy(b *testing.B) {
	src := resident(b, committedSegment(b))
	dst := anon(b, benchSegment)
	b.SetBytes(benchSegment)
	for b.Loop() {
		copy(dst, src)
	}
}
