"""Record layouts shared by the ETL stages, and a zero-copy segment reader.

A segment here is a flat array of fixed-size little-endian records with no
header: record i starts at byte i * layout.size. That is all a reader needs to
know, in any language (numpy: np.memmap(path, dtype=...) on the same path).
"""
import mmap
import os
import struct

# extract -> orders segment, 24 bytes a record:
#   order_id u64, ts u32 (unix seconds), product_id u32, store_id u16, qty u16,
#   unit_price_cents u32
ORDER = struct.Struct("<QIIHHI")

# transform -> clean segment, 28 bytes a record:
#   order_id u64, day u32 (days since 1970-01-01), product_id u32, store_id u16,
#   qty u16, revenue_cents u64
CLEAN = struct.Struct("<QIIHHQ")


def count_records(path, layout):
    """Number of records in a segment, from its size alone."""
    size = os.path.getsize(path)
    if size % layout.size:
        raise SystemExit(f"{path}: {size} bytes is not a whole number of {layout.size}-byte records")
    return size // layout.size


def read_records(path, layout):
    """Yield every record of a segment as a tuple.

    Why mmap rather than read(): the segment's pages already sit in shm_dir
    (tmpfs). Mapping them read-only shares those very pages with every other
    consumer: no copy into this process, no pickling, and no memory charged to
    this stage's cap however large the segment is. A read() would copy the whole
    file into the Python heap and count against the cap.
    """
    if count_records(path, layout) == 0:
        return  # mmap refuses to map an empty file
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        yield from layout.iter_unpack(mm)
