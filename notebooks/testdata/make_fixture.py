#!/usr/bin/env python3
"""Writes a small synthetic comparison directory (the tables of the comparison job's contract) so the
notebooks can be developed and tested without training anything.

usage: make_fixture.py OUT_DIR

Two workloads, four methods, three seeds; one diverged run, one run excluded by hand, one method
that never reaches the target on one workload (inf in the time-to-target tables), optimizer
diagnostics (diag.d) for the learning-rate-free method only. Values are made up but consistent:
summary statistics are computed from runs.csv, curves from per-seed series. Standard library only.
"""
import csv
import json
import math
import random
import sys
from pathlib import Path

WORKLOADS = {"logreg@digits": 0.4, "mlp@digits": 0.35}
METHODS = {  # method -> (optimizer, schedule, final loss level, speed)
    "prodigy": ("prodigy", "linear_decay", 0.18, 1.0),
    "dadapt_adam": ("dadapt_adam", "linear_decay", 0.21, 0.8),
    "adam+lr=0.01": ("adam+lr=0.01", "linear_decay", 0.17, 1.2),
    "sgd+lr=0.1,momentum=0.9": ("sgd+lr=0.1,momentum=0.9", "linear_decay", 0.30, 0.5),
}
SEEDS = [1, 2, 3]
STEPS = list(range(0, 301, 50))


def fmt(v):
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if math.isnan(v):
            return "nan"
        return repr(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([fmt(r[h]) for h in header])


def mean(xs):
    return sum(xs) / len(xs)


def std(xs):
    if len(xs) < 2:
        return 0.0
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(7)
    runs, curves_raw = [], {}
    for wl, target in WORKLOADS.items():
        for method, (opt, sched, level, speed) in METHODS.items():
            for seed in SEEDS:
                run = f"{wl.split('@')[0]}-{wl.split('@')[1]}__optimizer={method}_seed={seed}"
                diverged = method.startswith("sgd") and wl == "mlp@digits" and seed == 3
                excluded = method == "dadapt_adam" and wl == "logreg@digits" and seed == 2
                last = 120 if diverged else 300
                series = {}
                for step in STEPS:
                    if step > last:
                        break
                    decay = math.exp(-speed * step / 100)
                    noise = 1 + 0.05 * rnd.gauss(0, 1)
                    train = (level + (2.3 - level) * decay) * noise
                    series.setdefault("train_loss", []).append((step, train))
                    series.setdefault("eval.valid_loss", []).append((step, train * 1.08))
                    series.setdefault("lr", []).append((step, 0.01 * (1 - step / 300) * (50 if method == "prodigy" else 1)))
                    if method in ("prodigy", "dadapt_adam"):
                        series.setdefault("diag.d", []).append((step, 1e-6 + 0.02 * (1 - decay)))
                if not excluded:
                    for col, pts in series.items():
                        for step, v in pts:
                            curves_raw.setdefault((wl, method, col, step), []).append(v)
                valid = [v for _, v in series["eval.valid_loss"]]
                reached = [s for (s, v) in series["eval.valid_loss"] if v <= target]
                steps_to = float(reached[0]) if reached and not diverged else math.inf
                runs.append({
                    "run": run, "workload": wl, "method": method, "optimizer": opt, "schedule": sched, "seed": seed,
                    "status": "diverged" if diverged else "completed", "included": not excluded,
                    "reason": "excluded by hand: restarted with another data split" if excluded else ("loss exceeded 1000x its first value" if diverged else ""),
                    "last_step": last, "wall_time_s": round(last * 0.01 * (2 if method == "dadapt_adam" else 1), 3),
                    "final_train_loss": math.nan if diverged else series["train_loss"][-1][1],
                    "final_metric": math.nan if diverged else valid[-1],
                    "best_metric": min(valid),
                    "steps_to_target": steps_to,
                    "time_to_target_s": steps_to * 0.01 if math.isfinite(steps_to) else math.inf,
                })
    write(out / "runs.csv", ["run", "workload", "method", "optimizer", "schedule", "seed", "status", "included", "reason",
                             "last_step", "wall_time_s", "final_train_loss", "final_metric", "best_metric",
                             "steps_to_target", "time_to_target_s"], runs)

    summary, ttt = [], []
    for wl, target in WORKLOADS.items():
        rows = []
        for method in METHODS:
            rs = [r for r in runs if r["workload"] == wl and r["method"] == method and r["included"]]
            done = [r for r in rs if r["status"] == "completed"]
            finals = [r["final_metric"] for r in done]
            m, s = mean(finals), std(finals)
            se = s / math.sqrt(len(finals))
            half = 4.303 * se if len(finals) == 3 else 12.706 * se  # t quantile, df = n - 1
            reached = [r for r in rs if math.isfinite(r["steps_to_target"])]
            t_med = median([r["time_to_target_s"] for r in rs]) if rs else math.inf
            rows.append({"workload": wl, "method": method, "n_runs": len(rs), "n_completed": len(done),
                         "n_diverged": sum(r["status"] == "diverged" for r in rs), "metric": "eval.valid_loss",
                         "final_mean": m, "final_std": s, "final_se": se, "final_ci_lo": m - half, "final_ci_hi": m + half,
                         "best_mean": mean([r["best_metric"] for r in rs]), "target": target, "n_reached": len(reached),
                         "steps_to_target_median": median([r["steps_to_target"] for r in rs]),
                         "time_to_target_median_s": t_med})
            ttt.append({"workload": wl, "method": method, "time_to_target_s": t_med})
        for i, r in enumerate(sorted(rows, key=lambda r: r["final_mean"]), start=1):
            r["rank"] = i
        summary += rows
    write(out / "summary.csv", ["workload", "method", "n_runs", "n_completed", "n_diverged", "metric", "final_mean",
                                "final_std", "final_se", "final_ci_lo", "final_ci_hi", "best_mean", "target", "n_reached",
                                "steps_to_target_median", "time_to_target_median_s", "rank"], summary)
    write(out / "time_to_target.csv", ["workload", "method", "time_to_target_s"], ttt)

    curves = []
    for (wl, method, col, step), vs in sorted(curves_raw.items()):
        m, s = mean(vs), std(vs)
        curves.append({"workload": wl, "method": method, "column": col, "step": step, "mean": m, "std": s,
                       "lo": min(vs), "hi": max(vs), "n": len(vs)})
    write(out / "curves.csv", ["workload", "method", "column", "step", "mean", "std", "lo", "hi", "n"], curves)

    # Performance profile (Dolan & More) on time to target: ratio to the best method per workload.
    ratios = {m: [] for m in METHODS}
    for wl in WORKLOADS:
        times = {r["method"]: r["time_to_target_s"] for r in ttt if r["workload"] == wl}
        best = min(times.values())
        for m, t in times.items():
            ratios[m].append(t / best if math.isfinite(t) else math.inf)
    taus = [1 + 0.25 * i for i in range(13)]
    profiles, scores = [], []
    for m, rs in ratios.items():
        for tau in taus:
            profiles.append({"method": m, "tau": tau, "rho": sum(r <= tau for r in rs) / len(rs)})
        area = mean([sum(r <= tau for r in rs) / len(rs) for tau in taus])
        finite = [r for r in rs if math.isfinite(r)]
        scores.append({"method": m, "score": area,
                       "geomean_speedup": math.exp(mean([-math.log(r) for r in finite])) if finite else 0.0})
    for i, s in enumerate(sorted(scores, key=lambda s: -s["score"]), start=1):
        s["rank"] = i
    write(out / "profiles.csv", ["method", "tau", "rho"], profiles)
    write(out / "scores.csv", ["method", "score", "geomean_speedup", "rank"], scores)
    (out / "compare.json").write_text(json.dumps({
        "metric": "eval.valid_loss", "mode": "min", "reference": "adam+lr=0.01", "tau_max": 4,
        "targets": {"logreg@digits": 0.25, "*": 0.2}, "curves": ["train_loss", "eval.valid_loss", "lr", "diag.d"],
        "runs": len(runs), "synthetic": True}, indent=2) + "\n")
    print(f"wrote synthetic comparison tables to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_fixture.py OUT_DIR")
    main(Path(sys.argv[1]))
