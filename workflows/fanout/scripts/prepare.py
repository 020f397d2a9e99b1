"""prepare: TOTAL normally distributed samples -> $WEIR_OUTPUT_SAMPLES.

Usage: prepare.py TOTAL SEED

The segment is raw float64 in the machine's byte order (array("d")), which the
shards view in place with memoryview(...).cast("d").
"""
import os
import random
import sys
from array import array

CHUNK = 1 << 16


def main():
    total, seed = int(sys.argv[1]), int(sys.argv[2])
    rnd = random.Random(seed)
    with open(os.environ["WEIR_OUTPUT_SAMPLES"], "wb") as out:
        for start in range(0, total, CHUNK):
            n = min(CHUNK, total - start)
            array("d", (rnd.gauss(0.0, 1.0) for _ in range(n))).tofile(out)
    print(f"prepare: {total} samples")


if __name__ == "__main__":
    main()
