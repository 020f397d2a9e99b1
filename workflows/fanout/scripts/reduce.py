"""reduce: every shard's part -> $WEIR_OUTPUT_HISTOGRAM (CSV) and
$WEIR_OUTPUT_STATS (JSON).

$WEIR_INPUT_PARTS holds the paths of all the parts, one per line.
"""
import json
import os

from shard import BINS, HI, LO, PART


def percentile(hist, count, q):
    """Upper edge of the bin holding the q-quantile: exact to one bin width."""
    width = (HI - LO) / BINS
    seen = 0
    for i, c in enumerate(hist):
        seen += c
        if seen >= q * count:
            return round(LO + (i + 1) * width, 4)
    return HI


def main():
    paths = os.environ["WEIR_INPUT_PARTS"].splitlines()
    count, total, lo, hi, hist = 0, 0.0, float("inf"), float("-inf"), [0] * BINS
    for path in paths:
        # A part is a few hundred bytes: a plain read is simplest here.
        with open(path, "rb") as f:
            n, s, plo, phi, *h = PART.unpack(f.read())
        count, total, lo, hi = count + n, total + s, min(lo, plo), max(hi, phi)
        hist = [a + b for a, b in zip(hist, h)]

    width = (HI - LO) / BINS
    with open(os.environ["WEIR_OUTPUT_HISTOGRAM"], "w") as f:
        f.write("bin_lo,bin_hi,count\n")
        for i, c in enumerate(hist):
            f.write(f"{LO + i * width:.3f},{LO + (i + 1) * width:.3f},{c}\n")

    stats = {
        "shards": len(paths),
        "count": count,
        "mean": round(total / count, 6),
        "min": round(lo, 6),
        "max": round(hi, 6),
        "p50_approx": percentile(hist, count, 0.50),
        "p99_approx": percentile(hist, count, 0.99),
    }
    with open(os.environ["WEIR_OUTPUT_STATS"], "w") as f:
        json.dump(stats, f, indent=2)
        f.write("\n")
    print("reduce:", json.dumps(stats))


if __name__ == "__main__":
    main()
