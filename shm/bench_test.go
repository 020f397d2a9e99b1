package shm

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
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
	dir, err := os.MkdirTemp("/dev/shm", "weir-shm-bench-")
	if err != nil {
		b.Skip("no /dev/shm:", err)
	}
	b.Cleanup(func() { RemoveAll(dir) })
	path := filepath.Join(dir, "data")
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
	benchSum(seg.Bytes())
	return seg.Bytes()
}

func BenchmarkConsumerSum(b *testing.B) {
	path := committedSegment(b)
	src := resident(b, path)
	dst := anon(b, benchSegment)
	want := benchSum(src)
	var consumer, memcpy, inMemory []time.Duration
	for b.Loop() {
		b.StopTimer()
		t := time.Now()
		copy(dst, src)
		memcpy = append(memcpy, time.Since(t))
		t = time.Now()
		if got := benchSum(src); got != want {
			b.Fatalf("sum %d, want %d", got, want)
		}
		inMemory = append(inMemory, time.Since(t))
		b.StartTimer()

		t = time.Now()
		seg, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		got := benchSum(seg.Bytes())
		if err := seg.Close(); err != nil {
			b.Fatal(err)
		}
		consumer = append(consumer, time.Since(t))
		if got != want {
			b.Fatalf("sum %d, want %d", got, want)
		}
	}
	b.ReportMetric(float64(medianDuration(consumer))/float64(medianDuration(memcpy)), "x-memcpy")
	b.ReportMetric(float64(medianDuration(memcpy))/1e6, "memcpy-ms")
	b.ReportMetric(float64(medianDuration(inMemory))/1e6, "sum-resident-ms")
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

func medianDuration(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// benchSum adds up every byte of b as the consumer of bench/segments does:
// eight bytes at a time, the even and the odd bytes masked apart into
// 16-bit lanes, folded every 128 words before a lane can overflow.
func benchSum(b []byte) uint64 {
	var total uint64
	if len(b) >= 8 && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		const m = 0x00FF00FF00FF00FF
		words := unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
		for len(words) >= 128 {
			blk := words[:128:128]
			var a0, a1, a2, a3 uint64
			for i := 0; i < 128; i += 8 {
				w0, w1, w2, w3 := blk[i], blk[i+1], blk[i+2], blk[i+3]
				w4, w5, w6, w7 := blk[i+4], blk[i+5], blk[i+6], blk[i+7]
				a0 += w0&m + w4&m + (w0>>8)&m + (w4>>8)&m
				a1 += w1&m + w5&m + (w1>>8)&m + (w5>>8)&m
				a2 += w2&m + w6&m + (w2>>8)&m + (w6>>8)&m
				a3 += w3&m + w7&m + (w3>>8)&m + (w7>>8)&m
			}
			total += foldLanes(a0 + a1 + a2 + a3)
			words = words[128:]
		}
		b = b[(len(b)/8-len(words))*8:]
	}
	for _, c := range b {
		total += uint64(c)
	}
	return total
}

// foldLanes adds the four 16-bit lanes of a.
func foldLanes(a uint64) uint64 {
	a = a&0x0000FFFF0000FFFF + (a>>16)&0x0000FFFF0000FFFF
	return a&0xFFFFFFFF + a>>32
}
