"""transform: orders segment -> clean segment $WEIR_OUTPUT_CLEAN.

Drops cancelled orders (qty 0) and orders without a price, and derives the day
and the revenue of each order.
"""
import os
from collections import Counter

from records import CLEAN, ORDER, read_records


def main():
    rejected = Counter()
    kept = 0
    with open(os.environ["WEIR_OUTPUT_CLEAN"], "wb", buffering=1 << 20) as out:
        # read_records maps the input read-only: see records.py for why.
        for order_id, ts, product, store, qty, price in read_records(os.environ["WEIR_INPUT_ORDERS"], ORDER):
            if qty == 0:
                rejected["cancelled"] += 1
            elif price == 0:
                rejected["no_price"] += 1
            else:
                out.write(CLEAN.pack(order_id, ts // 86400, product, store, qty, qty * price))
                kept += 1
    print(f"transform: kept {kept}, rejected {dict(rejected)}")


if __name__ == "__main__":
    main()
