#!/usr/bin/env python3
"""Golden data for schedule refinement (Defazio et al., arXiv 2310.07831), produced with the
reference function of facebookresearch/adaptive_scheduling.

    /usr/bin/python3 scripts/reference/refinement_reference.py [--ref-root DIR] OUTDIR

The reference checkout is found at $REF_ADAPTIVE_SCHEDULING, else DIR/adaptive_scheduling
(--ref-root, or $REF_ROOT). Its `find_schedule.find_closed_form_schedule(G, weights=...)` is
imported and called; nothing of the repository is copied.

Writes, for every synthetic gradient-norm sequence below:
  OUTDIR/<seq>.input.csv                 step,grad_norm (the text is the truth: the values are
                                         written with 6 significant digits and read back)
  OUTDIR/<seq>.<norm>.raw.csv            step,schedule,schedule_normalized
      schedule = find_closed_form_schedule(G, weights=G**-2) for norm "l2" (SGD-type, G = l2
      norm) or weights=G**-1 for norm "l1" (Adam-type, G = l1 norm), on the whole input;
      schedule_normalized = schedule / max(schedule) (what visual.py writes to *.sched_median)
  OUTDIR/<seq>.<norm>.median.csv         step,smoothed_grad_norm,schedule,schedule_normalized
      the same on the median-smoothed sequence of visual.py (script code, not importable: it
      plots on import and needs matplotlib), re-implemented here line by line:
        g = G[~isinf(G)][2:-2]            # visual.py drops 2 points at each end (wandb export)
        if len(g) < 10000: g = np.interp(linspace(0,1,10000), linspace(0,1,len(g)), g)
        width = 2*(int(0.1*10000)//2) + 1 = 1001;  pad = 2*width
        f = scipy.ndimage.median_filter(np.pad(g, (0, pad), mode='reflect'),
                                        size=width, mode='nearest')[:-pad]
        s = np.interp(linspace(0,1,10000), linspace(0,1,len(g)), f)     # smoothed_grad_norm
        schedule = find_closed_form_schedule(s, weights=s**-2 or s**-1)
      so "step" is the index on the 10000-point grid, whatever the input length.
Long outputs (over 1000 rows) keep every row for the first and last 20 steps and every 50th
row in between; the step column says which rows are present.
"""

import argparse
import csv
import importlib
import os
import sys

import numpy as np

NVALS = 10_000
SIGMA2 = 0.1


def sequences():
    """Synthetic gradient-norm sequences (seeded)."""
    rng = np.random.default_rng(310)
    out = {}
    t = np.arange(300)
    out["decay_noise_300"] = (0.5 + 3.0 * np.exp(-t / 60.0)) * np.exp(0.15 * rng.normal(size=300))
    g = (0.5 + 3.0 * np.exp(-t / 60.0)) * np.exp(0.15 * rng.normal(size=300))
    g[150:155] *= 10.0
    out["spike_300"] = g
    out["constant_300"] = np.full(300, 1.7)
    t = np.arange(20000)
    out["decay_noise_20000"] = ((0.3 + 2.0 / np.sqrt(1.0 + t / 200.0))
                                * np.exp(0.2 * rng.normal(size=20000)))
    return out


def keep_rows(n, every):
    return [i for i in range(n) if i < 20 or i >= n - 20 or i % every == 0]


def fmt(v):
    return repr(float(v))


def write(path, header, cols, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i in rows:
            w.writerow([i] + [fmt(c[i]) for c in cols])


def smoothed(G):
    """visual.py's preprocessing and median filter (see module docstring)."""
    from scipy.ndimage import median_filter
    g = G[~np.isinf(G)]
    g = g[2:-2]
    glen = len(g)
    if glen < NVALS:
        g = np.interp(np.linspace(0, 1.0, NVALS), np.linspace(0, 1.0, glen), g)
        glen = len(g)
    width = 2 * (int(SIGMA2 * NVALS) // 2) + 1
    pad = 2 * width
    f = median_filter(np.pad(g, (0, pad), mode="reflect"), size=width, mode="nearest")[:-pad]
    return np.interp(np.linspace(0, 1.0, NVALS), np.linspace(0, 1.0, glen), f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--ref-root", default=os.environ.get("REF_ROOT"))
    a = ap.parse_args()
    root = os.environ.get("REF_ADAPTIVE_SCHEDULING") or (
        a.ref_root and os.path.join(a.ref_root, "adaptive_scheduling"))
    if not root or not os.path.isfile(os.path.join(root, "find_schedule.py")):
        print("error: reference code: adaptive_scheduling checkout not found "
              "(set REF_ADAPTIVE_SCHEDULING or --ref-root)", file=sys.stderr)
        return 3
    sys.path.insert(0, root)
    find_closed_form_schedule = importlib.import_module("find_schedule").find_closed_form_schedule

    os.makedirs(a.outdir, exist_ok=True)
    for name, G in sequences().items():
        T = len(G)
        with open(os.path.join(a.outdir, f"{name}.input.csv"), "w") as f:
            f.write("step,grad_norm\n")
            for i, v in enumerate(G):
                f.write(f"{i},{float(v):.6g}\n")
        with open(os.path.join(a.outdir, f"{name}.input.csv")) as f:  # the text is the truth
            G = np.array([float(r["grad_norm"]) for r in csv.DictReader(f)])
        S = smoothed(G)
        for norm, power in (("l2", -2.0), ("l1", -1.0)):
            raw = find_closed_form_schedule(G, weights=G ** power)
            write(os.path.join(a.outdir, f"{name}.{norm}.raw.csv"),
                  ["step", "schedule", "schedule_normalized"], [raw, raw / np.max(raw)],
                  keep_rows(T, 50) if T > 1000 else range(T))
            med = find_closed_form_schedule(S, weights=S ** power)
            write(os.path.join(a.outdir, f"{name}.{norm}.median.csv"),
                  ["step", "smoothed_grad_norm", "schedule", "schedule_normalized"],
                  [S, med, med / np.max(med)], keep_rows(NVALS, 50))
    return 0


if __name__ == "__main__":
    sys.exit(main())
