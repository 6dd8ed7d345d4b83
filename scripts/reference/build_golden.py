#!/usr/bin/env python3
"""Regenerates the whole golden directory from the reference implementations.

    /usr/bin/python3 scripts/reference/build_golden.py --ref-root DIR
        [--golden optim/src/test/resources/golden] [--jobs 8] [--no-sensitivity]

1. make_problems.py writes <golden>/<case>/problem.json for every case;
2. trace_reference.py writes expected.csv, scalars.csv (and expected_x.csv for Schedule-Free);
3. sensitivity (unless --no-sensitivity): every float64 case is re-run from initial parameters
   perturbed by +-1e-9 and the largest parameter difference over the trace, divided by 1e-9,
   is reported as the case's amplification (a guide to the tolerance a port can expect);
   float32 cases are re-run in float64 instead and the largest |float32 - float64| is reported;
4. refinement_reference.py writes <golden>/refinement/;
5. <golden>/README.md is written from the case list, the notes and the checkouts' commit ids.
Everything under <golden> is regenerated; nothing else is touched.
"""

import argparse
import concurrent.futures as cf
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_problems as mp  # noqa: E402
import trace_reference as tr  # noqa: E402

PY = sys.executable
REPO_NAMES = {"dadaptation": "facebookresearch/dadaptation", "prodigy": "konstmish/prodigy",
              "madgrad": "facebookresearch/madgrad", "MoMo": "fabian-sp/MoMo",
              "mechanic": "optimizedlearning/mechanic",
              "schedule_free": "facebookresearch/schedule_free", "adatune": "awslabs/adatune",
              "adaptive_scheduling": "facebookresearch/adaptive_scheduling"}
ENV = {k: v[0] for k, v in tr.REPOS.items()}
ENV["adaptive_scheduling"] = "REF_ADAPTIVE_SCHEDULING"


def checkout(repo, ref_root):
    if os.environ.get(ENV[repo]):
        return os.environ[ENV[repo]]
    return os.path.join(ref_root, tr.REPOS[repo][1] if repo in tr.REPOS else repo)


def commit_of(path):
    """HEAD of a git checkout, else the REFERENCE_COMMIT file left by a `git archive` export."""
    try:
        return subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        with open(os.path.join(path, "REFERENCE_COMMIT")) as f:
            return f.read().strip()


def torch_version():
    import torch
    v = torch.__version__
    try:
        deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                             capture_output=True, text=True, check=True).stdout.strip()
        v += f" (Debian python3-torch {deb})"
    except (subprocess.CalledProcessError, FileNotFoundError):
        pass
    return v


def trace(problem, out, ref_root, extra=()):
    r = subprocess.run([PY, os.path.join(HERE, "trace_reference.py"), "--ref-root", ref_root,
                        *extra, problem, out], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{problem}: exit {r.returncode}: {r.stderr.strip()}")


def params_of(path):
    with open(path) as f:
        return [[float(v) for v in row[2:]] for row in list(csv.reader(f))[1:]]


def sensitivity(case_dir, ref_root):
    with open(os.path.join(case_dir, "problem.json")) as f:
        p = json.load(f)
    if p["dtype"] == "float32":
        p["dtype"] = "float64"
        label = "f32-f64"
        scale = 1.0
    else:
        rnd = random.Random(0)
        for k, v in p["params"].items():
            p["params"][k] = ([[a + 1e-9 * rnd.choice((-1, 1)) for a in r] for r in v]
                              if isinstance(v[0], list) else
                              [a + 1e-9 * rnd.choice((-1, 1)) for a in v])
        label = "amp"
        scale = 1e-9
    with tempfile.TemporaryDirectory() as tmp:
        pj = os.path.join(tmp, "problem.json")
        with open(pj, "w") as f:
            json.dump(p, f)
        trace(pj, os.path.join(tmp, "out.csv"), ref_root)
        a = params_of(os.path.join(case_dir, "expected.csv"))
        b = params_of(os.path.join(tmp, "out.csv"))
    worst = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb)) / scale
    return label, worst


def run_case(name, golden, ref_root, with_sens):
    d = os.path.join(golden, name)
    extra = ["--scalars-out", os.path.join(d, "scalars.csv")]
    if name.startswith("schedule_free"):
        extra += ["--x-out", os.path.join(d, "expected_x.csv")]
    trace(os.path.join(d, "problem.json"), os.path.join(d, "expected.csv"), ref_root, extra)
    drop_trivial_scalars(os.path.join(d, "scalars.csv"))
    return sensitivity(d, ref_root) if with_sens else None


def drop_trivial_scalars(path):
    """scalars.csv says nothing when its only column is a constant lr: keep the size down."""
    with open(path) as f:
        rows = list(csv.reader(f))
    if rows[0] == ["step", "lr"] and len({r[1] for r in rows[1:]}) == 1:
        os.remove(path)


def repos_of(opt, hp):
    repo = tr.OPTIMIZERS[opt][0]
    out = [repo] if repo else []
    if opt == "mechanic":
        out += repos_of(hp["base"]["name"], hp["base"].get("hparams", {}))
    return out


def spec_text(opt, hp, kw):
    d = {"optimizer": {"name": opt, "hparams": hp}}
    if "schedule" in kw:
        d["schedule"] = kw["schedule"]
    return json.dumps(d, separators=(", ", ": "))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-root", required=True)
    ap.add_argument("--golden", default=os.path.join(HERE, "..", "..", "optim", "src", "test",
                                                     "resources", "golden"))
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--no-sensitivity", action="store_true")
    a = ap.parse_args()
    golden = os.path.normpath(a.golden)
    if os.path.isdir(golden):
        shutil.rmtree(golden)
    names = mp.write_problems(golden)

    with cf.ThreadPoolExecutor(a.jobs) as ex:
        futs = {n: ex.submit(run_case, n, golden, a.ref_root, not a.no_sensitivity)
                for n in names}
        sens = {n: f.result() for n, f in futs.items()}

    r = subprocess.run([PY, os.path.join(HERE, "refinement_reference.py"), "--ref-root",
                        a.ref_root, os.path.join(golden, "refinement")], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(f"refinement: {r.stderr.strip()}")

    commits = {repo: commit_of(checkout(repo, a.ref_root)) for repo in REPO_NAMES}
    write_readme(golden, commits, torch_version(), sens)


def write_readme(golden, commits, torch_ver, sens):
    import numpy
    import scipy
    with open(os.path.join(HERE, "golden_readme_head.md")) as f:
        head = f.read()
    lines = [head.format(torch=torch_ver, numpy=numpy.__version__, scipy=scipy.__version__,
                         python=sys.version.split()[0]).rstrip(), ""]
    lines += ["## Reference repositories", "",
              "| repository | commit |", "|---|---|",
              "| torch.optim (sgd, adam, adamw, adagrad; spa; the dynamics of marthe/rtho) | "
              f"torch {torch_ver} |"]
    for repo, full in REPO_NAMES.items():
        lines.append(f"| [{full}](https://github.com/{full}) | `{commits[repo]}` |")
    lines += ["", "## Cases", "",
              "Model: `mlp` = 5-2-3 tanh MLP (21 parameters), `logreg` = 5-3 multinomial "
              "logistic regression (18). `sens`: amplification (see above) for float64 cases; "
              "for float32 cases the largest |float32 - float64| parameter difference of the "
              "same problem. Every case ran under torch " + torch_ver + ".", "",
              "| case | model, dtype, steps | optimizer spec | reference (commit) | sens | notes |",
              "|---|---|---|---|---|---|"]
    for name, opt, hp, kw, note in mp.CASES:
        repos = repos_of(opt, hp)
        ref = ", ".join(f"{REPO_NAMES[r]} `{commits[r]}`" for r in repos) or "torch.optim"
        if opt == "mechanic" and not repos_of(hp["base"]["name"], {}):
            ref += " + torch.optim"
        if opt == "spa":
            ref = "torch.optim.SGD (no reference code; see scripts/reference/README.md)"
        s = sens.get(name)
        s = "" if s is None else f"{s[1]:.2g}"
        model = f"{kw.get('model', 'mlp')}, {kw.get('dtype', 'float64')}, {kw.get('steps', 40)}"
        files = "expected_x.csv (x) too. " if name.startswith("schedule_free") else ""
        lines.append(f"| `{name}` | {model} | `{spec_text(opt, hp, kw)}` | {ref} | {s} | "
                     f"{files}{note} |")
    with open(os.path.join(HERE, "golden_readme_tail.md")) as f:
        lines += ["", f.read().rstrip(), ""]
    with open(os.path.join(golden, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
