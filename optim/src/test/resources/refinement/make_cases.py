#!/usr/bin/env python3
"""Writes the refinement reference cases of this folder (see README.md).

    REF_ADAPTIVE_SCHEDULING=/path/to/adaptive_scheduling /usr/bin/python3 make_cases.py OUTDIR

Inputs are seeded synthetic gradient-norm logs. The expected schedules come from the reference:
find_closed_form_schedule of facebookresearch/adaptive_scheduling (imported from a checkout, not
copied), after the smoothing that repository's visual.py applies (restated here with the same
numpy/scipy calls and constants), then divided by its maximum as visual.py does.
"""
import gzip, json, math, os, sys
import numpy as np
from scipy.ndimage import median_filter

sys.path.insert(0, os.environ["REF_ADAPTIVE_SCHEDULING"])
from find_schedule import find_closed_form_schedule  # noqa: E402

NVALS = 10_000


def reference_smoothing(g):
    g = np.asarray(g, dtype=np.float64)
    g = g[~np.isinf(g)][2:-2]
    if len(g) < NVALS:
        g = np.interp(np.linspace(0, 1.0, NVALS), np.linspace(0, 1.0, len(g)), g)
    width = 2 * (int(0.1 * NVALS) // 2) + 1
    pad = 2 * width
    f = median_filter(np.pad(g, (0, pad), mode="reflect"), size=width, mode="nearest")[:-pad]
    return np.interp(np.linspace(0, 1.0, NVALS), np.linspace(0, 1.0, len(g)), f)


def schedule(g, kind, smoothing):
    if smoothing == "reference":
        g = reference_smoothing(g)
    else:
        g = np.asarray(g, dtype=np.float64)
        g = g[~np.isinf(g)]
    w = g ** -2.0 if kind == "l2" else g ** -1.0
    s = find_closed_form_schedule(g, weights=w)
    return s / np.max(s)


def norms(n, seed, warm):
    r = np.random.default_rng(seed)
    t = np.arange(n) / n
    base = 1.0 + 0.5 * t + (8.0 * np.exp(-t / 0.05) if warm else 0.0)
    return base * np.exp(0.3 * r.standard_normal(n))


CASES = [
    # name, n, seed, large early norms, kind, smoothing, positions of +inf / -inf (alternating)
    ("l2_short_reference", 300, 1, True, "l2", "reference", [0, 150]),
    ("l1_short_reference", 300, 2, False, "l1", "reference", []),
    ("l1_long_reference", 12_000, 3, True, "l1", "reference", [5, 11_000]),
    ("l2_raw_none", 300, 4, True, "l2", "none", [7]),
]


def main(out):
    for name, n, seed, warm, kind, smoothing, infs in CASES:
        g = norms(n, seed, warm)
        for k, i in enumerate(infs):
            g[i] = math.inf if k % 2 == 0 else -math.inf
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "norms.csv"), "w") as f:
            f.write("step,grad_norm\n")
            for i, v in enumerate(g):
                f.write(f"{i},{'inf' if v == math.inf else '-inf' if v == -math.inf else repr(float(v))}\n")
        s = schedule(g, kind, smoothing)
        with gzip.GzipFile(os.path.join(d, "expected.txt.gz"), "wb", mtime=0) as f:
            f.write("".join(f"{repr(float(v))}\n" for v in s).encode())
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump({"kind": kind, "smoothing": smoothing}, f)
            f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
