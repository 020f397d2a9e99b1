package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"unsafe"

	"github.com/weirflow/weir/internal/bytesum"
	"github.com/weirflow/weir/shm"
)

// The stage programs: what the producer writes and how the consumer sums
// it, the same code on every path (a segment, a plain file in /dev/shm, a
// pipe). They are modes of this binary, so the driver runs itself.

// mult makes the producer's words: word i is i*mult (little-endian), so
// every byte position varies and the Python producers can make the same
// bytes with numpy.
const mult = 0x9E3779B97F4A7C15

// chunk is the producer's and the pipe consumer's buffer.
const chunk = 1 << 20

// stageModes are the modes a stage runs; the driver is everything else.
var stageModes = map[string]func(args []string) error{
	"produce-shm":  produceShm,
	"consume-shm":  consumeShm,
	"produce-pipe": producePipe,
	"consume-pipe": consumePipe,
}

// produceShm SIZE [PATH]: create the segment with shm.Create (PATH, else
// $WEIR_OUTPUT_DATA), fill it, close it.
func produceShm(args []string) error {
	size, path, err := sizeAndPath(args, "WEIR_OUTPUT_DATA")
	if err != nil {
		return err
	}
	seg, err := shm.Create(path, size)
	if err != nil {
		return err
	}
	fill(seg.Bytes(), 0)
	return seg.Close()
}

// consumeShm [PATH]: map the segment read-only with shm.Open (PATH, else
// $WEIR_INPUT_DATA), sum every byte, print the sum.
func consumeShm(args []string) error {
	path := os.Getenv("WEIR_INPUT_DATA")
	if len(args) > 0 {
		path = args[0]
	}
	if path == "" {
		return fmt.Errorf("consume-shm: no path and no $WEIR_INPUT_DATA")
	}
	seg, err := shm.Open(path)
	if err != nil {
		return err
	}
	sum := bytesum.Sum(seg.Bytes())
	if err := seg.Close(); err != nil {
		return err
	}
	fmt.Println(sum)
	return nil
}

// producePipe SIZE: write the same bytes to stdout.
func producePipe(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("produce-pipe: want SIZE")
	}
	size, err := parseSize(args[0])
	if err != nil {
		return err
	}
	buf := make([]byte, chunk)
	for off := int64(0); off < size; off += chunk {
		b := buf[:min(chunk, size-off)]
		fill(b, uint64(off/8))
		if _, err := os.Stdout.Write(b); err != nil {
			return fmt.Errorf("produce-pipe: %w", err)
		}
	}
	return nil
}

// consumePipe: sum every byte of stdin, print the sum.
func consumePipe([]string) error {
	buf := make([]byte, chunk)
	var sum uint64
	for {
		n, err := io.ReadFull(os.Stdin, buf)
		sum += bytesum.Sum(buf[:n])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fmt.Errorf("consume-pipe: %w", err)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, sum)
	return w.Flush()
}

func sizeAndPath(args []string, env string) (int64, string, error) {
	if len(args) < 1 || len(args) > 2 {
		return 0, "", fmt.Errorf("want SIZE [PATH]")
	}
	size, err := parseSize(args[0])
	if err != nil {
		return 0, "", err
	}
	path := os.Getenv(env)
	if len(args) == 2 {
		path = args[1]
	}
	if path == "" {
		return 0, "", fmt.Errorf("no path and no $%s", env)
	}
	return size, path, nil
}

func parseSize(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n%8 != 0 {
		return 0, fmt.Errorf("size %q: want a positive multiple of 8 bytes", s)
	}
	return n, nil
}

// fill writes words first, first+1, ... times mult into b (len(b) a
// multiple of 8).
func fill(b []byte, first uint64) {
	if len(b) == 0 {
		return
	}
	if uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
		for i := 0; i+8 <= len(b); i += 8 {
			binary.LittleEndian.PutUint64(b[i:], (first+uint64(i/8))*mult)
		}
		return
	}
	words := unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
	x := first * mult
	for i := range words {
		words[i] = x
		x += mult
	}
}
