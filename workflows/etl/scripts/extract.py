"""extract: orders (CSV or generated) -> fixed-record segment $WEIR_OUTPUT_ORDERS.

With --source, reads a CSV with the header
    order_id,ts,product_id,store_id,qty,unit_price_cents
otherwise generates --rows synthetic orders, the same ones for the same --seed.
"""
import argparse
import csv
import os
import random
import struct
import sys

from records import ORDER

JAN_2024 = 1704067200  # 2024-01-01T00:00:00Z


def generated(rows, seed):
    rnd = random.Random(seed)
    for order_id in range(1, rows + 1):
        product = rnd.randrange(1, 501)
        qty = rnd.choice((1, 1, 1, 2, 2, 3, 5))
        if rnd.random() < 0.01:
            qty = 0  # a cancelled order: transform drops it
        price = 199 + product * 7919 % 9800  # a fixed price per product
        yield order_id, JAN_2024 + rnd.randrange(30 * 86400), product, rnd.randrange(1, 21), qty, price


def from_csv(path):
    with open(path, newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                yield (int(row["order_id"]), int(row["ts"]), int(row["product_id"]),
                       int(row["store_id"]), int(row["qty"]), int(row["unit_price_cents"]))
            except (KeyError, TypeError, ValueError) as e:
                sys.exit(f"{path} line {line}: {e!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True, help="rows to generate; at most this many from --source")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--source", default="", help="CSV to read instead of generating")
    args = ap.parse_args()

    rows = from_csv(args.source) if args.source else generated(args.rows, args.seed)
    n = 0
    # Writing is sequential, so a buffered file is the right tool; mmap pays off
    # for the readers. weir commits the file only if this process exits 0.
    with open(os.environ["WEIR_OUTPUT_ORDERS"], "wb", buffering=1 << 20) as out:
        for n, row in enumerate(rows, start=1):
            if n > args.rows:
                # The segment was sized for --rows records: say so instead of
                # overrunning it.
                sys.exit(f"{args.source} has more than {args.rows} rows; run with --var rows=N")
            try:
                out.write(ORDER.pack(*row))
            except struct.error as e:
                sys.exit(f"row {n} {row}: {e}")
    print(f"extract: {n} orders from {args.source or f'the generator (seed {args.seed})'}")


if __name__ == "__main__":
    main()
