"""shard: statistics of one slice of the samples -> $WEIR_OUTPUT_PART.

Usage: shard.py INDEX SHARDS

Every shard maps the same samples segment read-only and reads only its own
slice of it. The N shards share the one copy already in shared memory: nothing
is pickled to them (as multiprocessing.Queue would), and the mapped pages are
not charged to their memory caps.
"""
import math
import mmap
import os
import struct
import sys

BINS, LO, HI = 64, -4.0, 4.0
# count u64, sum f64, min f64, max f64, then BINS counts (u64); values below LO
# or above HI land in the first or the last bin.
PART = struct.Struct(f"<Qddd{BINS}Q")


def main():
    index, shards = int(sys.argv[1]), int(sys.argv[2])
    width = (HI - LO) / BINS
    hist = [0] * BINS
    with open(os.environ["WEIR_INPUT_SAMPLES"], "rb") as f, \
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm, \
            memoryview(mm) as raw, raw.cast("d") as values:
        per = len(values) // shards
        # A slice of a memoryview is another view: still no copy. The views
        # are released (end of with) before the mapping is closed.
        with values[index * per:(index + 1) * per] as mine:
            n, total, lo, hi = len(mine), math.fsum(mine), min(mine), max(mine)
            for x in mine:
                hist[min(BINS - 1, max(0, int((x - LO) / width)))] += 1
    with open(os.environ["WEIR_OUTPUT_PART"], "wb") as out:
        out.write(PART.pack(n, total, lo, hi, *hist))
    print(f"shard {index}/{shards}: {n} samples, mean {total / n:.4f}")


if __name__ == "__main__":
    main()
