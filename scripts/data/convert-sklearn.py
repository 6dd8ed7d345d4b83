#!/usr/bin/python3
"""Convert the small CSV datasets that Debian's python3-sklearn ships into LIBSVM text files.

Usage: scripts/data/convert-sklearn.py [SKLEARN_DATA_DIR] [OUT_DIR]
  SKLEARN_DATA_DIR defaults to /usr/lib/python3/dist-packages/sklearn/datasets/data
  OUT_DIR defaults to data/libsvm (relative to the repository root)

The sklearn CSV layout is: a header line "n_samples,n_features,class names...", then one row per
sample with the features followed by the integer class. The class is written as the LIBSVM label
unchanged (0-based, as sklearn has it); feature indices are 1-based; zero values are left out
(sparse, as LIBSVM does); every other value is copied as the exact text of the CSV cell, so the
conversion adds no rounding. Only the standard library is used; sklearn itself is not imported.
"""
import csv
import gzip
import os
import sys

DATASETS = [
    ("iris.csv", "iris"),
    ("wine_data.csv", "wine"),
    ("breast_cancer.csv", "breast_cancer"),
    ("digits.csv.gz", "digits"),
]


def is_zero(cell):
    try:
        return float(cell) == 0.0
    except ValueError:
        raise SystemExit(f"non-numeric cell {cell!r}")


def convert(src, dst, has_header):
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt", newline="") as f, open(dst, "w", newline="\n") as out:
        reader = csv.reader(f)
        expected = None
        if has_header:
            header = next(reader)
            expected = (int(header[0]), int(header[1]))
        rows = 0
        for row in reader:
            if not row:
                continue
            *features, label = row
            if expected and len(features) != expected[1]:
                raise SystemExit(f"{src}: row {rows + 1} has {len(features)} features, expected {expected[1]}")
            pairs = [f"{i}:{v.strip()}" for i, v in enumerate(features, start=1) if not is_zero(v)]
            out.write(" ".join([str(int(float(label)))] + pairs) + "\n")
            rows += 1
        if expected and rows != expected[0]:
            raise SystemExit(f"{src}: {rows} rows, header says {expected[0]}")
    return rows


def main():
    src_dir = sys.argv[1] if len(sys.argv) > 1 else "/usr/lib/python3/dist-packages/sklearn/datasets/data"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else "data/libsvm"
    os.makedirs(out_dir, exist_ok=True)
    for csv_name, name in DATASETS:
        # digits.csv.gz has no header line; the others do.
        rows = convert(os.path.join(src_dir, csv_name), os.path.join(out_dir, name), not csv_name.startswith("digits"))
        print(f"{name}: {rows} rows")


if __name__ == "__main__":
    main()
