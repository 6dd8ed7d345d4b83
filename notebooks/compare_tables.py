"""Loading the comparison job's tables for the notebooks: where they are, with the columns of the
contract checked, so a missing directory or a changed table fails with a message that names it.

COMPARE_DIR (environment) selects the directory; default work/runs/quickstart/compare under the
repository root. CSV cells `inf`/`-inf` are infinities; `included` is read as a boolean.
"""
import json
import os
from pathlib import Path

import pandas as pd

DEFAULT_DIR = "work/runs/quickstart/compare"

# The contract of the comparison job (org.optimbench.jobs.compare): table -> required columns.
TABLES = {
    "runs.csv": ["run", "workload", "method", "optimizer", "schedule", "seed", "status", "included", "reason",
                 "last_step", "wall_time_s", "final_train_loss", "final_metric", "best_metric",
                 "steps_to_target", "time_to_target_s"],
    "summary.csv": ["workload", "method", "n_runs", "n_completed", "n_diverged", "metric", "final_mean", "final_std",
                    "final_se", "final_ci_lo", "final_ci_hi", "best_mean", "target", "n_reached",
                    "steps_to_target_median", "time_to_target_median_s", "rank"],
    "curves.csv": ["workload", "method", "column", "step", "mean", "std", "lo", "hi", "n"],
    "time_to_target.csv": ["workload", "method", "time_to_target_s"],
    "profiles.csv": ["method", "tau", "rho"],
    "scores.csv": ["method", "score", "geomean_speedup", "rank"],
}


class CompareTablesError(RuntimeError):
    """The comparison directory or one of its tables is missing or not in the contract's shape."""


def repo_root(start=None):
    """The repository root: the nearest folder at or above `start` (default: cwd) with scripts/lib.sh."""
    p = Path(start or Path.cwd()).resolve()
    for d in [p, *p.parents]:
        if (d / "scripts" / "lib.sh").is_file():
            return d
    raise CompareTablesError(f"cannot find the optimbench repository root (scripts/lib.sh) at or above {p}")


def compare_dir():
    """COMPARE_DIR, relative paths taken from the repository root; an error when it does not exist."""
    given = os.environ.get("COMPARE_DIR", "")
    raw = Path(given or DEFAULT_DIR)
    path = raw if raw.is_absolute() else repo_root() / raw
    if not path.is_dir():
        how = f"COMPARE_DIR={given}" if given else f"COMPARE_DIR is not set, default {DEFAULT_DIR}"
        raise CompareTablesError(
            f"comparison directory {path} does not exist ({how}). Run the pipeline with its compare stage "
            f"first (scripts/run-pipeline), or point COMPARE_DIR at a directory the comparison job wrote.")
    return path


def _to_bool(v):
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("true", "1", "yes"):
        return True
    if s in ("false", "0", "no", ""):
        return False
    raise ValueError(f"'{v}' is not a boolean")


def load(name, directory=None):
    """One table of the contract as a DataFrame; errors name the file and the missing columns."""
    if name not in TABLES:
        raise KeyError(f"{name} is not a table of the comparison contract ({', '.join(TABLES)})")
    d = Path(directory) if directory is not None else compare_dir()
    f = d / name
    if not f.is_file():
        raise CompareTablesError(f"{f}: no such file (the comparison job writes {', '.join(TABLES)})")
    try:
        df = pd.read_csv(f, keep_default_na=False, na_values=["", "nan", "NaN"])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CompareTablesError(f"{f}: not a CSV table: {e}") from e
    missing = [c for c in TABLES[name] if c not in df.columns]
    if missing:
        raise CompareTablesError(f"{f}: missing column(s) {', '.join(missing)} (has: {', '.join(df.columns)})")
    for col in ("workload", "method", "run", "status", "reason", "column", "metric", "optimizer", "schedule"):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)
    if "included" in df.columns:
        try:
            df["included"] = df["included"].map(_to_bool).astype(bool)
        except ValueError as e:
            raise CompareTablesError(f"{f}: column included: {e}") from e
    return df


def load_all(directory=None):
    """Every table of the contract plus compare.json (an empty dict when absent) as a dict."""
    d = Path(directory) if directory is not None else compare_dir()
    tables = {name.removesuffix(".csv"): load(name, d) for name in TABLES}
    meta = d / "compare.json"
    try:
        tables["meta"] = json.loads(meta.read_text()) if meta.is_file() else {}
    except json.JSONDecodeError as e:
        raise CompareTablesError(f"{meta}: not JSON: {e}") from e
    tables["dir"] = d
    return tables


def fmt_seconds(v):
    """Seconds for a table cell; infinity (target never reached) reads as 'not reached'."""
    if pd.isna(v):
        return "-"
    if v == float("inf"):
        return "not reached"
    return f"{v:.1f}"


def short(label, width=80):
    """A method label cut in the middle to fit a plot legend (tables keep the whole label)."""
    label = str(label)
    if len(label) <= width:
        return label
    keep = (width - 3) // 2
    return f"{label[:keep]}...{label[-keep:]}"
