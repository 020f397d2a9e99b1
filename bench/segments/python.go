package main

// pythonScript hands SIZE bytes (the same words as the Go producer: word i
// is i*0x9E3779B97F4A7C15) from a producer process to a consumer process
// that sums every byte with numpy, and prints the sum:
//
//	python3 segments.py queue SIZE       multiprocessing.Queue, 64 MiB bytes objects
//	python3 segments.py shm SIZE NAME    multiprocessing.shared_memory NAME, filled, then attached
const pythonScript = `import multiprocessing as mp
import sys
from multiprocessing import shared_memory

import numpy as np

MULT = np.uint64(0x9E3779B97F4A7C15)
CHUNK = 64 << 20  # bytes
BASE = np.arange(CHUNK // 8, dtype=np.uint64)


def make(first, out):
    """Words first, first+1, ... times MULT into out (a uint64 array)."""
    np.add(BASE[: len(out)], np.uint64(first), out=out)
    np.multiply(out, MULT, out=out)


def byte_sum(buf):
    return int(np.frombuffer(buf, dtype=np.uint8).sum(dtype=np.uint64))


def queue_consumer(q, result):
    total = 0
    while True:
        b = q.get()
        if b is None:
            break
        total += byte_sum(b)
    result.put(total)


def queue(size):
    q, result = mp.Queue(maxsize=4), mp.Queue()
    p = mp.Process(target=queue_consumer, args=(q, result))
    p.start()
    buf = np.empty(CHUNK // 8, dtype=np.uint64)
    for off in range(0, size, CHUNK):
        words = buf[: min(CHUNK, size - off) // 8]
        make(off // 8, words)
        q.put(words.tobytes())
    q.put(None)
    total = result.get()
    p.join()
    return total


def shm_consumer(name, size, result):
    seg = shared_memory.SharedMemory(name=name)
    total = 0
    for off in range(0, size, CHUNK):
        total += byte_sum(seg.buf[off : min(off + CHUNK, size)])
    seg.close()
    result.put(total)


def shm(size, name):
    seg = shared_memory.SharedMemory(name=name, create=True, size=size)
    try:
        words = np.ndarray((size // 8,), dtype=np.uint64, buffer=seg.buf)
        for off in range(0, size // 8, CHUNK // 8):
            make(off, words[off : off + CHUNK // 8])
        del words
        result = mp.Queue()
        p = mp.Process(target=shm_consumer, args=(name, size, result))
        p.start()
        total = result.get()
        p.join()
        return total
    finally:
        seg.close()
        seg.unlink()


if __name__ == "__main__":
    mode, size = sys.argv[1], int(sys.argv[2])
    print(queue(size) if mode == "queue" else shm(size, sys.argv[3]))
`
