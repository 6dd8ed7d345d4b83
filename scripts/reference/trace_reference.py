#!/usr/bin/env python3
"""Reference ("golden") optimizer traces, produced by the papers' own PyTorch code.

    /usr/bin/python3 scripts/reference/trace_reference.py [--ref-root DIR]
        [--scalars-out S.csv] [--x-out X.csv] [--grad-norms-out G.csv] PROBLEM.json OUT.csv

Implements the trace contract (problem JSON in, CSV out) of the project's `scripts/optim-trace`
command, but runs the *reference* optimizer classes: torch.optim for the baselines and the
authors' repositories for everything else. The model, loss, parameter order, schedule factors
and CSV layout follow the contract exactly; all arithmetic runs in the problem's dtype
(torch.set_default_dtype is set to it, so scalar state the references create with
torch.tensor(...) / torch.zeros(...) has that dtype too).

Where the reference code comes from. Nothing of it is part of this project; each repository
is imported from a checkout (git worktree or `git archive` export) found, in this order, at
  1. the path in its environment variable, or
  2. DIR/<subdir> when --ref-root DIR is given (the REF_ROOT environment variable works too):

    environment variable  subdir               repository (import root inside the checkout)
    REF_DADAPTATION       dadaptation          facebookresearch/dadaptation
    REF_PRODIGY           prodigy              konstmish/prodigy
    REF_MADGRAD           madgrad              facebookresearch/madgrad
    REF_MOMO              MoMo                 fabian-sp/MoMo
    REF_MECHANIC          mechanic             optimizedlearning/mechanic (src/)
    REF_SCHEDULE_FREE     schedule_free        facebookresearch/schedule_free
    REF_ADATUNE           adatune              awslabs/adatune

Only the repositories the problem's optimizer needs are imported.

Optional outputs:
  --scalars-out  per-step scalar state read from the optimizer right after step t
                 (e.g. d for D-Adaptation/Prodigy, the Mechanic scale sum, the adapted lr of
                 HD/MARTHE, MoMo's loss average and lower bound), for debugging.
  --x-out        Schedule-Free only: the averaged iterate x after each step (the params the
                 model holds after optimizer.eval()); OUT.csv holds y (train mode).
  --grad-norms-out  step,grad_l2,grad_l1: the global L2 and L1 norms of each step's raw batch
                 gradient (before clipping), as a training run's metric log would hold them; the
                 input of schedule refinement (scripts/refine-schedule) for the `refined` cases.

Exit status: 0 when OUT.csv is written; 2 for a bad problem (one line on stderr naming the
field, no OUT.csv written); 3 when the reference code cannot be imported.

See README.md next to this file for the optimizer names, hyperparameters and the quirks.
"""

import argparse
import contextlib
import csv
import importlib
import json
import math
import os
import sys


class ProblemError(Exception):
    """A malformed problem; the message names the offending field."""


class ReferenceMissing(Exception):
    """A reference repository could not be found or imported."""


# ----------------------------------------------------------------------------------------------
# Reference repositories

REPOS = {
    # key: (environment variable, subdir under --ref-root, import root inside the checkout)
    "dadaptation": ("REF_DADAPTATION", "dadaptation", ""),
    "prodigy": ("REF_PRODIGY", "prodigy", ""),
    "madgrad": ("REF_MADGRAD", "madgrad", ""),
    "MoMo": ("REF_MOMO", "MoMo", ""),
    "mechanic": ("REF_MECHANIC", "mechanic", "src"),
    "schedule_free": ("REF_SCHEDULE_FREE", "schedule_free", ""),
    "adatune": ("REF_ADATUNE", "adatune", ""),
}


def repo_path(repo, ref_root):
    env, subdir, _ = REPOS[repo]
    if os.environ.get(env):
        return os.environ[env]
    if ref_root:
        return os.path.join(ref_root, subdir)
    raise ReferenceMissing(f"{repo}: set {env} or pass --ref-root")


def import_from(repo, module, attr, ref_root):
    root = repo_path(repo, ref_root)
    import_root = os.path.join(root, REPOS[repo][2])
    if not os.path.isdir(import_root):
        raise ReferenceMissing(f"{repo}: no checkout at {import_root}")
    if import_root not in sys.path:
        sys.path.insert(0, import_root)
    try:
        return getattr(importlib.import_module(module), attr)
    except Exception as e:  # an import failure is an environment problem, not a bad problem
        raise ReferenceMissing(f"{repo}: cannot import {module}.{attr}: {e}") from e


# ----------------------------------------------------------------------------------------------
# Hyperparameter kinds


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def kind_float(v, field):
    if v == "inf":
        return float("inf")
    if not _is_number(v) or math.isnan(v):
        raise ProblemError(f"{field}: expected a number or \"inf\", got {json.dumps(v)}")
    return float(v)


def kind_float_or_null(v, field):
    return None if v is None else kind_float(v, field)


def kind_int(v, field):
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
        raise ProblemError(f"{field}: expected an integer, got {json.dumps(v)}")
    return int(v)


def kind_bool(v, field):
    if not isinstance(v, bool):
        raise ProblemError(f"{field}: expected true or false, got {json.dumps(v)}")
    return v


def kind_betas(v, field):
    if not isinstance(v, list) or len(v) != 2:
        raise ProblemError(f"{field}: expected a list of 2 numbers, got {json.dumps(v)}")
    return tuple(kind_float(b, f"{field}[{i}]") for i, b in enumerate(v))


def kind_float_list(v, field):
    if not isinstance(v, list) or not v:
        raise ProblemError(f"{field}: expected a non-empty list of numbers, got {json.dumps(v)}")
    return tuple(kind_float(b, f"{field}[{i}]") for i, b in enumerate(v))


def kind_dynamics(v, field):
    if v not in ("sgd", "adam"):
        raise ProblemError(f"{field}: expected \"sgd\" or \"adam\", got {json.dumps(v)}")
    return v


def kind_spec(v, field):
    return v  # validated when the nested optimizer is built


F, FN, I, B, BETAS, FLIST, SPEC, DYN = (kind_float, kind_float_or_null, kind_int, kind_bool,
                                          kind_betas, kind_float_list, kind_spec, kind_dynamics)

# name -> (repo or None for torch, "module.Class" or special builder, {hparam: kind}, required)
# Hyperparameter names are those of the reference Python signatures; infrastructure-only
# arguments (fsdp_in_use, log_every, foreach, maximize, ...) are deliberately not accepted.
OPTIMIZERS = {
    "sgd": (None, "torch.optim.SGD",
            {"lr": F, "momentum": F, "dampening": F, "weight_decay": F, "nesterov": B}, ["lr"]),
    "adam": (None, "torch.optim.Adam",
             {"lr": F, "betas": BETAS, "eps": F, "weight_decay": F, "amsgrad": B}, []),
    "adamw": (None, "torch.optim.AdamW",
              {"lr": F, "betas": BETAS, "eps": F, "weight_decay": F, "amsgrad": B}, []),
    "adagrad": (None, "torch.optim.Adagrad",
                {"lr": F, "lr_decay": F, "weight_decay": F, "initial_accumulator_value": F,
                 "eps": F}, []),
    "dadapt_sgd": ("dadaptation", "dadaptation.DAdaptSGD",
                   {"lr": F, "momentum": F, "weight_decay": F, "d0": F, "growth_rate": F}, []),
    "dadapt_adam": ("dadaptation", "dadaptation.DAdaptAdam",
                    {"lr": F, "betas": BETAS, "eps": F, "weight_decay": F, "decouple": B,
                     "use_bias_correction": B, "d0": F, "growth_rate": F}, []),
    "dadapt_adagrad": ("dadaptation", "dadaptation.DAdaptAdaGrad",
                       {"lr": F, "momentum": F, "weight_decay": F, "eps": F, "d0": F,
                        "growth_rate": F}, []),
    "prodigy": ("prodigy", "prodigyopt.Prodigy",
                {"lr": F, "betas": BETAS, "beta3": FN, "eps": F, "weight_decay": F,
                 "decouple": B, "use_bias_correction": B, "safeguard_warmup": B, "d0": F,
                 "d_coef": F, "growth_rate": F, "slice_p": I}, []),
    "madgrad": ("madgrad", "madgrad.MADGRAD",
                {"lr": F, "momentum": F, "weight_decay": F, "eps": F, "decouple_decay": B}, []),
    "mirror_madgrad": ("madgrad", "madgrad.MirrorMADGRAD",
                       {"lr": F, "momentum": F, "weight_decay": F, "eps": F,
                        "decouple_decay": B}, []),
    "momo": ("MoMo", "momo.Momo",
             {"lr": F, "weight_decay": F, "beta": F, "lb": F, "bias_correction": B,
              "use_fstar": B}, []),
    "momo_adam": ("MoMo", "momo.MomoAdam",
                  {"lr": F, "betas": BETAS, "eps": F, "weight_decay": F, "lb": F, "divide": B,
                   "use_fstar": B}, []),
    "schedule_free_sgd": ("schedule_free", "schedulefree.sgd_schedulefree_reference."
                          "SGDScheduleFreeReference",
                          {"lr": F, "momentum": F, "weight_decay": F, "warmup_steps": I, "r": F,
                           "weight_lr_power": F}, []),
    "schedule_free_adamw": ("schedule_free", "schedulefree.adamw_schedulefree_reference."
                            "AdamWScheduleFreeReference",
                            {"lr": F, "betas": BETAS, "eps": F, "weight_decay": F,
                             "warmup_steps": I, "r": F, "weight_lr_power": F, "decay_at_z": B,
                             "inner_momentum": F}, []),
    # SGD+M in stochastic primal averaging form; no reference code exists, the trace comes from
    # torch SGD(lr=lr*(1-momentum), momentum=momentum, dampening=0) (see README).
    "spa": (None, "spa", {"lr": F, "momentum": F}, ["lr", "momentum"]),
    "mechanic": ("mechanic", "mechanic",
                 {"base": SPEC, "s_decay": F, "betas": FLIST, "s_init": F, "eps": F,
                  "store_delta": B}, ["base"]),
    "sgd_hd": ("adatune", "adatune.hd_sgd.SGDHD",
               {"lr": F, "momentum": F, "dampening": F, "weight_decay": F, "nesterov": B,
                "hypergrad_lr": F}, ["lr"]),
    "adam_hd": ("adatune", "adatune.hd_adam.AdamHD",
                {"lr": F, "betas": BETAS, "eps": F, "weight_decay": F, "hypergrad_lr": F}, []),
    "marthe": ("adatune", "hyper",
               {"dynamics": DYN, "lr": F, "hyper_lr": F, "mu": F, "alpha": F,
                "grad_clipping": F, "first_order": B, "momentum": F, "weight_decay": F,
                "betas": BETAS, "eps": F}, []),
    # Global-norm clipping (torch.nn.utils.clip_grad_norm_) before the base optimizer's step.
    "clip": (None, "clip", {"base": SPEC, "max_norm": F}, ["base", "max_norm"]),
    "rtho": ("adatune", "hyper",
             {"dynamics": DYN, "lr": F, "hyper_lr": F, "alpha": F, "grad_clipping": F,
              "first_order": B, "momentum": F, "weight_decay": F, "betas": BETAS, "eps": F},
             []),
}

# Optimizers that need the batch loss in step(loss=...).
NEEDS_LOSS = {"momo", "momo_adam"}
# Optimizers that adapt the learning rate themselves: a LambdaLR would overwrite it.
NO_SCHEDULE = {"sgd_hd", "adam_hd", "marthe", "rtho"}
# Base optimizers mechanize() can wrap here (plain step(), no loss, no train/eval modes).
MECHANIC_BASES = {"sgd", "adam", "adamw", "adagrad", "dadapt_sgd", "dadapt_adam",
                  "dadapt_adagrad", "prodigy", "madgrad", "mirror_madgrad", "sgd_hd", "adam_hd"}

# MARTHE/RTHO defaults: the command-line defaults of adatune's bin/rtho.py (the driver the
# paper's experiments used); MuSGD/MuAdam themselves have no defaults.
HYPER_DEFAULTS = {"dynamics": "sgd", "lr": 0.01, "hyper_lr": 1e-8, "mu": 0.99999, "alpha": 1e-6,
                  "grad_clipping": 100.0, "first_order": False, "momentum": 0.9,
                  "weight_decay": 5e-4, "betas": (0.9, 0.999), "eps": 1e-4}


def parse_spec(spec, field):
    if not isinstance(spec, dict):
        raise ProblemError(f"{field}: expected an object with \"name\" and \"hparams\"")
    extra = set(spec) - {"name", "hparams"}
    if extra:
        raise ProblemError(f"{field}.{sorted(extra)[0]}: unknown field")
    name = spec.get("name")
    if name not in OPTIMIZERS:
        raise ProblemError(f"{field}.name: unknown optimizer {json.dumps(name)}")
    hp_in = spec.get("hparams", {})
    if not isinstance(hp_in, dict):
        raise ProblemError(f"{field}.hparams: expected an object")
    _, _, kinds, required = OPTIMIZERS[name]
    hp = {}
    for k, v in hp_in.items():
        if k not in kinds:
            raise ProblemError(f"{field}.hparams.{k}: unknown hyperparameter for {name}")
        hp[k] = kinds[k](v, f"{field}.hparams.{k}")
    for k in required:
        if k not in hp:
            raise ProblemError(f"{field}.hparams.{k}: required for {name}")
    if name in ("marthe", "rtho"):
        dyn = hp.get("dynamics", HYPER_DEFAULTS["dynamics"])
        wrong = {"sgd": ("betas", "eps"), "adam": ("momentum",)}[dyn]
        for k in wrong:
            if k in hp:
                raise ProblemError(f"{field}.hparams.{k}: not a hyperparameter of {name} "
                                   f"with dynamics {dyn}")
    if name == "clip":
        base = parse_spec(hp["base"], f"{field}.hparams.base")
        if base[0] in ("marthe", "rtho", "clip"):
            raise ProblemError(f"{field}.hparams.base.name: clip cannot wrap {base[0]}")
        hp["base"] = base
    if name == "mechanic":
        base = parse_spec(hp["base"], f"{field}.hparams.base")
        if base[0] not in MECHANIC_BASES:
            raise ProblemError(f"{field}.hparams.base.name: mechanic cannot wrap {base[0]}")
        hp["base"] = base
    return name, hp


# ----------------------------------------------------------------------------------------------
# Problem validation


def _matrix(v, rows, cols, field):
    if not isinstance(v, list) or (rows is not None and len(v) != rows):
        raise ProblemError(f"{field}: expected {rows} rows")
    for i, r in enumerate(v):
        if not isinstance(r, list) or (cols is not None and len(r) != cols):
            raise ProblemError(f"{field}[{i}]: expected {cols} numbers")
        _vector(r, len(r), f"{field}[{i}]")
    return v


def _vector(v, length, field):
    if not isinstance(v, list) or len(v) != length:
        raise ProblemError(f"{field}: expected {length} numbers")
    for i, a in enumerate(v):
        if not _is_number(a) or not math.isfinite(a):
            raise ProblemError(f"{field}[{i}]: expected a finite number, got {json.dumps(a)}")
    return v


def _batches(v, n, field):
    if not isinstance(v, list) or not v:
        raise ProblemError(f"{field}: expected a non-empty list of index lists")
    for t, b in enumerate(v):
        if not isinstance(b, list) or not b:
            raise ProblemError(f"{field}[{t}]: expected a non-empty list of example indices")
        for j, i in enumerate(b):
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
                raise ProblemError(f"{field}[{t}][{j}]: index {json.dumps(i)} not in [0, {n})")
    return v


SCHEDULES = {"constant": (), "linear_decay": ("total_steps",), "cosine": ("total_steps",),
             "exponential": ("gamma",), "step": ("gamma",), "refined": ("path",)}
# fields a schedule may have beyond its required ones (step: step_size, or milestones with T)
OPTIONAL = {"step": ("step_size", "milestones")}


def parse_problem(p, problem_dir):
    if not isinstance(p, dict):
        raise ProblemError("problem: expected a JSON object")
    known = {"dtype", "x", "y", "classes", "hidden", "params", "batches", "val_batches",
             "optimizer", "schedule"}
    for k in p:
        if k not in known:
            raise ProblemError(f"{k}: unknown field")
    for k in ("dtype", "x", "y", "classes", "hidden", "params", "batches", "optimizer"):
        if k not in p:
            raise ProblemError(f"{k}: missing")
    if p["dtype"] not in ("float64", "float32"):
        raise ProblemError(f"dtype: expected \"float64\" or \"float32\", got {json.dumps(p['dtype'])}")
    x = p["x"]
    if not isinstance(x, list) or not x or not isinstance(x[0], list) or not x[0]:
        raise ProblemError("x: expected a non-empty list of rows")
    n, d = len(x), len(x[0])
    _matrix(x, n, d, "x")
    classes, hidden = p["classes"], p["hidden"]
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
        raise ProblemError("classes: expected a positive integer")
    if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 0:
        raise ProblemError("hidden: expected a non-negative integer")
    y = p["y"]
    if not isinstance(y, list) or len(y) != n:
        raise ProblemError(f"y: expected {n} labels (one per row of x)")
    for i, c in enumerate(y):
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < classes:
            raise ProblemError(f"y[{i}]: label {json.dumps(c)} not in [0, {classes})")
    params = p["params"]
    if not isinstance(params, dict):
        raise ProblemError("params: expected an object")
    shapes = ({"W1": (hidden, d), "b1": (hidden,), "W2": (classes, hidden), "b2": (classes,)}
              if hidden > 0 else {"W2": (classes, d), "b2": (classes,)})
    for k in params:
        if k not in shapes:
            raise ProblemError(f"params.{k}: not a parameter of this model (hidden = {hidden})")
    for k, shape in shapes.items():
        if k not in params:
            raise ProblemError(f"params.{k}: missing")
        if len(shape) == 2:
            _matrix(params[k], shape[0], shape[1], f"params.{k}")
        else:
            _vector(params[k], shape[0], f"params.{k}")
    _batches(p["batches"], n, "batches")
    opt = parse_spec(p["optimizer"], "optimizer")
    if "val_batches" in p:
        _batches(p["val_batches"], n, "val_batches")
    if opt[0] in ("marthe", "rtho"):
        if "val_batches" not in p:
            raise ProblemError(f"val_batches: required by {opt[0]}")
        if len(p["val_batches"]) < len(p["batches"]):
            raise ProblemError(f"val_batches: {len(p['val_batches'])} entries, need one per step "
                               f"({len(p['batches'])})")
    sched = None
    if "schedule" in p and p["schedule"] is not None:
        sched = parse_schedule(p["schedule"], problem_dir)
        if opt[0] in NO_SCHEDULE or opt[0] == "spa" or (
                opt[0] in ("mechanic", "clip") and opt[1]["base"][0] in NO_SCHEDULE) or (
                opt[0] == "clip" and opt[1]["base"][0] == "spa"):
            raise ProblemError(f"schedule: not supported with optimizer {opt[0]}")
    return {"dtype": p["dtype"], "x": x, "y": y, "classes": classes, "hidden": hidden,
            "params": params, "names": list(shapes), "batches": p["batches"],
            "val_batches": p.get("val_batches"), "optimizer": opt, "schedule": sched}


def parse_schedule(s, problem_dir):
    if not isinstance(s, dict):
        raise ProblemError("schedule: expected an object")
    name = s.get("name")
    if name not in SCHEDULES:
        raise ProblemError(f"schedule.name: unknown schedule {json.dumps(name)}")
    allowed = set(SCHEDULES[name]) | set(OPTIONAL.get(name, ())) | {"name", "warmup_steps",
                                                                     "total_steps"}
    for k in s:
        if k not in allowed:
            raise ProblemError(f"schedule.{k}: unknown field for schedule {name}")
    for k in SCHEDULES[name]:
        if k not in s:
            raise ProblemError(f"schedule.{k}: required for schedule {name}")
    w = kind_int(s.get("warmup_steps", 0), "schedule.warmup_steps")
    if w < 0:
        raise ProblemError("schedule.warmup_steps: must be >= 0")
    out = {"name": name, "w": w}
    if "total_steps" in s:
        out["T"] = kind_int(s["total_steps"], "schedule.total_steps")
        if name in ("linear_decay", "cosine") and out["T"] <= w:
            raise ProblemError("schedule.total_steps: must exceed warmup_steps")
    if "gamma" in s:
        out["gamma"] = kind_float(s["gamma"], "schedule.gamma")
    if name == "step" and "milestones" in s:
        if "step_size" in s:
            raise ProblemError("schedule.step_size: give step_size or milestones, not both")
        if out.get("T", 0) <= 0:
            raise ProblemError("schedule.total_steps: required with milestones")
        ms = s["milestones"]
        if not isinstance(ms, list) or not ms:
            raise ProblemError("schedule.milestones: expected a non-empty list of fractions")
        out["at"] = []
        for i, m in enumerate(ms):
            m = kind_float(m, f"schedule.milestones[{i}]")
            if not 0 < m < 1:
                raise ProblemError(f"schedule.milestones[{i}]: must be a fraction in (0, 1)")
            if i > 0 and not m > ms[i - 1]:
                raise ProblemError(f"schedule.milestones[{i}]: must exceed the one before it")
            # Java's Math.round: floor(x + 0.5)
            out["at"].append(math.floor(m * out["T"] + 0.5))
    elif name == "step":
        out["step_size"] = kind_int(s.get("step_size", 1), "schedule.step_size")
        if out["step_size"] < 1:
            raise ProblemError("schedule.step_size: must be >= 1")
    if name == "refined":
        path = s["path"]
        if not isinstance(path, str):
            raise ProblemError("schedule.path: expected a file name")
        out["factors"] = read_factors(os.path.join(problem_dir, path))
        if out.get("T", 0) > 0 and out["T"] != len(out["factors"]):
            out["factors"] = resample(out["factors"], out["T"])
    return out


def resample(v, n):
    """Linear interpolation of v onto n points spanning the same relative positions [0, 1]: a
    refined schedule file stretched or shrunk to total_steps (optim's RefinedSchedule.resample),
    with the same floating-point operations in the same order."""
    if not v:
        raise ProblemError("schedule.path: no factors")
    if len(v) == 1 or n == 1:
        return [v[0]] * n
    out = []
    for i in range(n):
        x = i * (len(v) - 1.0) / (n - 1.0)
        lo = math.floor(x)
        out.append(v[-1] if lo >= len(v) - 1 else v[lo] + (x - lo) * (v[lo + 1] - v[lo]))
    return out


def read_factors(path):
    """One factor per line, or CSV rows whose last column is the factor (a header is skipped)."""
    try:
        with open(path) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
    except OSError as e:
        raise ProblemError(f"schedule.path: cannot read {path}: {e.strerror}")
    vals = []
    for i, ln in enumerate(lines):
        try:
            vals.append(float(ln.split(",")[-1]))
        except ValueError:
            if i == 0:
                continue
            raise ProblemError(f"schedule.path: line {i + 1} of {path} is not a number")
    return vals


def schedule_factor(s, t):
    """factor(t), t = 0 for the first step, exactly as in the trace contract."""
    w = s["w"]
    if t < w:
        return (t + 1) / w
    name = s["name"]
    if name == "constant":
        return 1.0
    if name in ("linear_decay", "cosine"):
        u = (t - w) / (s["T"] - w)
        return 1.0 - u if name == "linear_decay" else 0.5 * (1.0 + math.cos(math.pi * u))
    if name == "exponential":
        return s["gamma"] ** t
    if name == "step" and "at" in s:
        # torch.optim.lr_scheduler.MultiStepLR with milestones round(m * T)
        return s["gamma"] ** sum(1 for a in s["at"] if t >= a)
    if name == "step":
        return s["gamma"] ** (t // s["step_size"])
    if name == "refined":
        # past the file's end the last factor holds, as in optim's RefinedSchedule.factor (LambdaLR
        # also evaluates the factor once after the last step, which no step uses)
        return s["factors"][min(t, len(s["factors"]) - 1)]
    raise AssertionError(name)


# ----------------------------------------------------------------------------------------------
# Optimizer construction


def resolve_class(name, ref_root):
    repo, target, _, _ = OPTIMIZERS[name]
    module, attr = target.rsplit(".", 1)
    if repo is None:
        return getattr(importlib.import_module(module), attr)
    return import_from(repo, module, attr, ref_root)


def build_optimizer(name, hp, params, ref_root):
    import torch
    if name == "spa":
        # SPA (z <- z - lr*g; x <- (1-c) x + c z, c = 1 - momentum, z0 = x0) equals heavy-ball
        # SGD with alpha = lr*(1-momentum), beta = momentum, dampening 0 (constant lr only).
        return torch.optim.SGD(params, lr=hp["lr"] * (1.0 - hp["momentum"]),
                               momentum=hp["momentum"], dampening=0.0)
    if name == "mechanic":
        mechanize = import_from("mechanic", "mechanic_pytorch", "mechanize", ref_root)
        base_name, base_hp = hp["base"]
        base_cls = resolve_class(base_name, ref_root)
        kwargs = {k: v for k, v in hp.items() if k != "base"}
        return mechanize(base_cls, **kwargs)(params, **base_hp)
    cls = resolve_class(name, ref_root)
    return cls(params, **hp)


# ----------------------------------------------------------------------------------------------
# The run


def run(prob, ref_root):
    import torch
    import torch.nn.functional as Fn

    dtype = {"float64": torch.float64, "float32": torch.float32}[prob["dtype"]]
    torch.set_default_dtype(dtype)
    torch.set_num_threads(1)

    X = torch.tensor(prob["x"], dtype=dtype)
    Y = torch.tensor(prob["y"], dtype=torch.long)
    params = [torch.nn.Parameter(torch.tensor(prob["params"][k], dtype=dtype))
              for k in prob["names"]]
    hidden = prob["hidden"]

    def batch_loss(idx):
        xb, yb = X[idx], Y[idx]
        if hidden > 0:
            W1, b1, W2, b2 = params
            h = torch.tanh(Fn.linear(xb, W1, b1))
        else:
            W2, b2 = params
            h = xb
        return Fn.cross_entropy(Fn.linear(h, W2, b2), yb)

    name, hp = prob["optimizer"]
    max_norm = None
    if name == "clip":  # clip_grad_norm_ after backward(), then the base optimizer as usual
        max_norm = hp["max_norm"]
        name, hp = hp["base"]
    batches = prob["batches"]
    rows, scalar_rows, x_rows, norm_rows = [], [], [], []

    def flat(ts):
        return [float(v) for t in ts for v in t.detach().reshape(-1).tolist()]

    if name in ("marthe", "rtho"):
        return run_hyper(name, hp, prob, params, batch_loss, flat, ref_root)

    try:
        opt = build_optimizer(name, hp, params, ref_root)
    except ValueError as e:  # the reference's own argument checks
        raise ProblemError(f"optimizer.hparams: rejected by the reference: {e}")
    sched = None
    if prob["schedule"] is not None:
        s = prob["schedule"]
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: schedule_factor(s, t))
    schedule_free = name.startswith("schedule_free")
    if schedule_free:
        opt.train()  # the AdamW reference starts in eval mode and refuses to step there

    for t, idx in enumerate(batches):
        for p in params:
            p.grad = None
        loss = batch_loss(idx)
        loss.backward()
        norm_rows.append([t, math.sqrt(sum(float((p.grad.double() ** 2).sum()) for p in params)),
                          sum(float(p.grad.double().abs().sum()) for p in params)])
        if max_norm is not None:
            total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        if name in NEEDS_LOSS:
            opt.step(loss=loss)
        else:
            opt.step()
        rows.append([t, float(loss.item())] + flat(params))
        scalars = read_scalars(name, hp, opt)
        if max_norm is not None:
            scalars = [float(total_norm), 1.0 if float(max_norm / (total_norm + 1e-6)) < 1 else 0.0] + scalars
        scalar_rows.append([t] + scalars)
        if schedule_free:
            x_rows.append([t, float(loss.item())] + flat(opt.state[p]["x"] for p in params))
        if sched is not None:
            sched.step()
    header = (["grad_norm", "clipped"] if max_norm is not None else []) + scalar_header(name, hp)
    return rows, (header, scalar_rows), x_rows, norm_rows


def scalar_header(name, hp):
    base = hp["base"][0] if name == "mechanic" else None
    if name.startswith("dadapt_"):
        return ["lr", "d"]
    if name == "prodigy":
        return ["lr", "d", "d_max", "d_hat"]
    if name == "mechanic":
        return ["lr", "s_sum"] + (["d"] if base.startswith(("dadapt", "prodigy")) else [])
    if name in NEEDS_LOSS:
        return ["lr", "loss_avg", "lb"]
    if name in ("marthe", "rtho"):
        return ["lr", "hyper_lr", "mu"]
    return ["lr"]


def read_scalars(name, hp, opt):
    g = opt.param_groups[0]
    out = [float(g["lr"])]
    if name.startswith("dadapt_"):
        out.append(float(g["d"]))
    elif name == "prodigy":
        out += [float(g["d"]), float(g["d_max"]), float(g.get("d_hat", float("nan")))]
    elif name == "mechanic":
        out.append(float(opt.state["_mechanic"]["s"].sum()))
        if hp["base"][0].startswith(("dadapt", "prodigy")):
            out.append(float(g["d"]))
    elif name in NEEDS_LOSS:
        out += [float(opt.loss_avg), float(opt.lb)]
    return out


def run_hyper(name, hp, prob, params, batch_loss, flat, ref_root):
    """MARTHE/RTHO with adatune's MuSGD/MuAdam, in the exact sequence of its README/bin/rtho.py."""
    import torch
    import torch.autograd as ag

    h = dict(HYPER_DEFAULTS)
    h.update(hp)
    if name == "rtho":
        h["mu"] = 1.0

    class Net:
        """What MuSGD/MuAdam need of a model: parameters() in W1, b1, W2, b2 order."""

        def parameters(self):
            return iter(params)

    net = Net()
    device = torch.device("cpu")
    try:
        opt, hyper = build_hyper(h, params, device, ref_root)
    except ValueError as e:
        raise ProblemError(f"optimizer.hparams: rejected by torch: {e}")
    clear_grad = import_from("adatune", "adatune.utils", "clear_grad", ref_root)

    rows, scalar_rows = [], []
    for t, idx in enumerate(prob["batches"]):
        loss = batch_loss(idx)
        first_grad = ag.grad(loss, net.parameters(), create_graph=True, retain_graph=True)
        hyper.compute_hg(net, first_grad)
        for p, g in zip(net.parameters(), first_grad):
            p.grad = g
        opt.step()
        # validation gradient: mean CE on val_batches[t] at the params after step t
        val_grad = ag.grad(batch_loss(prob["val_batches"][t]), net.parameters())
        hyper.hyper_step(val_grad)
        clear_grad(net)
        rows.append([t, float(loss.item())] + flat(params))
        scalar_rows.append([t, float(opt.param_groups[0]["lr"]),
                            float(hyper.hyper_optim.param_groups[0]["lr"]), float(hyper.mu)])
    return rows, (["lr", "hyper_lr", "mu"], scalar_rows), [], []


def build_hyper(h, params, device, ref_root):
    """torch SGD/Adam plus adatune's MuSGD/MuAdam, built as bin/rtho.py builds them."""
    import torch
    if h["dynamics"] == "sgd":
        MuSGD = import_from("adatune", "adatune.mu_sgd", "MuSGD", ref_root)
        opt = torch.optim.SGD(params, lr=h["lr"], momentum=h["momentum"],
                              weight_decay=h["weight_decay"])
        hyper = MuSGD(opt, h["hyper_lr"], h["grad_clipping"], h["first_order"], h["mu"],
                      h["alpha"], device)
    else:
        MuAdam = import_from("adatune", "adatune.mu_adam", "MuAdam", ref_root)
        opt = torch.optim.Adam(params, lr=h["lr"], betas=h["betas"], eps=h["eps"],
                               weight_decay=h["weight_decay"])
        hyper = MuAdam(opt, h["hyper_lr"], h["grad_clipping"], h["first_order"], h["mu"],
                       h["alpha"], device)
    return opt, hyper


# ----------------------------------------------------------------------------------------------
# Output


def write_csv(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r[0]] + [repr(float(v)) for v in r[1:]])
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("problem")
    ap.add_argument("out")
    ap.add_argument("--ref-root", default=os.environ.get("REF_ROOT"),
                    help="directory holding the reference checkouts (see header)")
    ap.add_argument("--scalars-out", help="also write per-step optimizer scalars here")
    ap.add_argument("--x-out", help="Schedule-Free: also write the x (eval) trace here")
    ap.add_argument("--grad-norms-out", help="also write each step's raw gradient L2 and L1 norms here")
    a = ap.parse_args(argv)
    try:
        try:
            with open(a.problem) as f:
                raw = json.load(f)
        except OSError as e:
            raise ProblemError(f"problem: cannot read {a.problem}: {e.strerror}")
        except json.JSONDecodeError as e:
            raise ProblemError(f"problem: malformed JSON: {e}")
        prob = parse_problem(raw, os.path.dirname(os.path.abspath(a.problem)))
        # some references print progress notes; keep stdout clean for callers
        with contextlib.redirect_stdout(sys.stderr):
            rows, (sc_header, sc_rows), x_rows, norm_rows = run(prob, a.ref_root)
    except ProblemError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ReferenceMissing as e:
        print(f"error: reference code: {e}", file=sys.stderr)
        return 3
    nparams = len(rows[0]) - 2
    header = ["step", "loss"] + [f"p{i}" for i in range(nparams)]
    write_csv(a.out, header, rows)
    if a.scalars_out:
        write_csv(a.scalars_out, ["step"] + sc_header, sc_rows)
    if a.x_out and x_rows:
        write_csv(a.x_out, header, x_rows)
    if a.grad_norms_out:
        if not norm_rows:
            print(f"error: --grad-norms-out: not available for {prob['optimizer'][0]}", file=sys.stderr)
            return 2
        write_csv(a.grad_norms_out, ["step", "grad_l2", "grad_l1"], norm_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
