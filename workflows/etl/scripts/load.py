"""load: clean segment -> daily revenue CSV ($WEIR_OUTPUT_DAILY) and a JSON
summary ($WEIR_OUTPUT_SUMMARY). weir publishes both to results/ when the run
succeeds.
"""
import csv
import datetime
import json
import os
from collections import Counter, defaultdict

from records import CLEAN, ORDER, count_records, read_records

EPOCH = datetime.date(1970, 1, 1)


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def main():
    daily = defaultdict(lambda: [0, 0, 0])  # (day, store) -> [orders, units, revenue_cents]
    by_product = Counter()  # product -> revenue_cents
    for _, day, product, store, qty, revenue in read_records(os.environ["WEIR_INPUT_CLEAN"], CLEAN):
        d = daily[day, store]
        d[0] += 1
        d[1] += qty
        d[2] += revenue
        by_product[product] += revenue

    with open(os.environ["WEIR_OUTPUT_DAILY"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "store_id", "orders", "units", "revenue"])
        for (day, store), (orders, units, revenue) in sorted(daily.items()):
            w.writerow([EPOCH + datetime.timedelta(days=day), store, orders, units, money(revenue)])

    # The raw orders segment is an input too, only to count what was extracted:
    # its size says how many records it holds, without reading it.
    extracted = count_records(os.environ["WEIR_INPUT_ORDERS"], ORDER)
    loaded = sum(d[0] for d in daily.values())
    days = sorted({day for day, _ in daily})
    summary = {
        "run_id": os.environ["WEIR_RUN_ID"],
        "orders_extracted": extracted,
        "orders_loaded": loaded,
        "orders_rejected": extracted - loaded,
        "revenue": money(sum(by_product.values())),
        "first_day": str(EPOCH + datetime.timedelta(days=days[0])) if days else None,
        "last_day": str(EPOCH + datetime.timedelta(days=days[-1])) if days else None,
        "stores": len({store for _, store in daily}),
        "top_products": [{"product_id": p, "revenue": money(r)} for p, r in by_product.most_common(5)],
    }
    with open(os.environ["WEIR_OUTPUT_SUMMARY"], "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(f"load: {loaded} of {extracted} orders, revenue {summary['revenue']}, {len(daily)} store-days")


if __name__ == "__main__":
    main()
