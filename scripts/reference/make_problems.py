#!/usr/bin/env python3
"""Writes the deterministic trace problems of the golden test set.

    /usr/bin/python3 scripts/reference/make_problems.py OUTDIR [--only SUBSTRING]

Creates OUTDIR/<case>/problem.json for every case in CASES (see the trace contract for the
format). Everything is drawn from seeded numpy generators, so the files are reproducible
byte for byte:

- one data set, n = 32 examples, d = 5 features, 3 classes: three Gaussian class centres
  (scaled by 0.7) plus unit noise, features scaled by 1.5 and rounded to 4 decimals (the JSON
  text is the truth). The classes overlap: logistic regression has a finite minimiser (loss
  about 0.50, |w| about 2.8), so distance-estimating methods (D-Adaptation, Prodigy) see a
  finite D;
- two models: "mlp" (one tanh hidden layer of 2 units, 21 parameters) and "logreg"
  (multinomial logistic regression, 18 parameters), each with its own fixed initial
  parameters (rounded to 4 decimals);
- mini-batches of 8 distinct examples per step, drawn with a fixed seed (the same sequence for
  every case of a given length), and, for MARTHE/RTHO, validation batches of 8 from another seed.

CASES also carries a one-line note per case; golden_readme.py turns them into the README.
"""

import argparse
import json
import os

import numpy as np

N, D, CLASSES, HIDDEN, BATCH = 32, 5, 3, 2, 8


def dataset():
    rng = np.random.default_rng(20240601)
    centres = rng.normal(size=(CLASSES, D))
    y = np.arange(N) % CLASSES
    rng.shuffle(y)
    x = 1.5 * (0.7 * centres[y] + rng.normal(size=(N, D)))
    return np.round(x, 4).tolist(), [int(c) for c in y]


def init_params(model):
    rng = np.random.default_rng({"mlp": 7, "logreg": 8}[model])
    r = lambda *shape, s: np.round(s * rng.normal(size=shape), 4).tolist()  # noqa: E731
    if model == "mlp":
        return {"W1": r(HIDDEN, D, s=0.5), "b1": r(HIDDEN, s=0.1),
                "W2": r(CLASSES, HIDDEN, s=0.5), "b2": r(CLASSES, s=0.1)}
    return {"W2": r(CLASSES, D, s=0.3), "b2": r(CLASSES, s=0.1)}


def batches(steps, seed):
    rng = np.random.default_rng(seed)
    return [sorted(int(i) for i in rng.choice(N, BATCH, replace=False)) for _ in range(steps)]


def problem(opt, hparams, model="mlp", steps=40, dtype="float64", schedule=None, val=False):
    x, y = dataset()
    p = {"dtype": dtype, "x": x, "y": y, "classes": CLASSES,
         "hidden": HIDDEN if model == "mlp" else 0, "params": init_params(model),
         "batches": batches(steps, 1)}
    if val:
        p["val_batches"] = batches(steps, 2)
    p["optimizer"] = {"name": opt, "hparams": hparams}
    if schedule is not None:
        p["schedule"] = schedule
    return p


# (case name, optimizer, hparams, problem options, note)
CASES = []


def case(name, opt, hparams, note="", **kw):
    CASES.append((name, opt, hparams, kw, note))


LIN_W = {"name": "linear_decay", "total_steps": 40, "warmup_steps": 5}
COS = {"name": "cosine", "total_steps": 40}
EXP = {"name": "exponential", "gamma": 0.95}
STEP = {"name": "step", "gamma": 0.5, "step_size": 10}
CONST_W = {"name": "constant", "warmup_steps": 8}

# torch.optim baselines
case("sgd", "sgd", {"lr": 0.5})
case("sgd_logreg", "sgd", {"lr": 0.5}, model="logreg")
case("sgd_momentum", "sgd", {"lr": 0.1, "momentum": 0.9})
case("sgd_momentum_dampening", "sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, model="logreg")
case("sgd_nesterov_wd", "sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True,
                                "weight_decay": 0.01}, model="logreg")
case("adam_defaults", "adam", {}, "lr 1e-3: small moves")
case("adam", "adam", {"lr": 0.05})
case("adam_amsgrad_wd", "adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01,
                                 "betas": [0.8, 0.99], "eps": 1e-6}, "coupled (L2) decay", model="logreg")
case("adam_float32", "adam", {"lr": 0.05}, "float32 twin of adam", dtype="float32")
case("adam_linear_decay_warmup", "adam", {"lr": 0.05}, schedule=LIN_W)
case("adam_cosine", "adam", {"lr": 0.05}, schedule=COS)
case("adam_exponential", "adam", {"lr": 0.05}, schedule=EXP)
case("adam_step", "adam", {"lr": 0.05}, schedule=STEP, model="logreg")
case("adam_constant_warmup", "adam", {"lr": 0.05}, schedule=CONST_W, model="logreg")
case("adamw", "adamw", {"lr": 0.05, "weight_decay": 0.1})
case("adamw_defaults_logreg", "adamw", {}, "torch AdamW default weight_decay is 0.01",
     model="logreg")
case("adamw_amsgrad", "adamw", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}, model="logreg")
case("adagrad", "adagrad", {"lr": 0.5}, model="logreg")
case("adagrad_options", "adagrad", {"lr": 0.5, "lr_decay": 0.01, "weight_decay": 0.01,
                                    "initial_accumulator_value": 0.1, "eps": 1e-8}, model="logreg")

# D-Adaptation
case("dadapt_sgd_defaults", "dadapt_sgd", {})
case("dadapt_sgd_d0", "dadapt_sgd", {"d0": 1e-3})
case("dadapt_sgd_long", "dadapt_sgd", {}, "d0 1e-6, 60 steps: d grows", model="logreg",
     steps=60)
case("dadapt_sgd_momentum_wd", "dadapt_sgd", {"momentum": 0.9, "weight_decay": 0.001,
                                              "d0": 1e-3},
     "reference bug kept: g0norm is taken before weight decay", model="logreg")
case("dadapt_sgd_growth_lr", "dadapt_sgd", {"growth_rate": 1.02, "lr": 0.5, "d0": 1e-3}, model="logreg")
case("dadapt_adam_d0_lr", "dadapt_adam", {"d0": 1e-3, "lr": 0.1},
     "lr 0.1: with lr 1 d reaches ~0.5 and the MLP trajectory turns chaotic")
case("dadapt_adam_long", "dadapt_adam", {},
     "defaults, 60 steps: d grows; on the MLP, lr 1 makes the trajectory chaotic",
     model="logreg", steps=60)
case("dadapt_adam_bc_decouple_wd", "dadapt_adam", {"use_bias_correction": True,
                                                   "decouple": True, "weight_decay": 0.1,
                                                   "d0": 1e-3})
case("dadapt_adam_coupled_wd", "dadapt_adam", {"weight_decay": 0.01, "d0": 1e-3, "lr": 0.1})
case("dadapt_adam_growth_betas_eps", "dadapt_adam", {"growth_rate": 1.05, "betas": [0.8, 0.99],
                                                     "eps": 1e-6, "d0": 1e-3, "lr": 0.5}, model="logreg")
case("dadapt_adam_linear_decay_warmup", "dadapt_adam", {"d0": 1e-3, "lr": 0.1}, schedule=LIN_W)
case("dadapt_adam_cosine", "dadapt_adam", {"d0": 1e-3, "lr": 0.1}, schedule=COS)
case("dadapt_adagrad_defaults", "dadapt_adagrad", {})
case("dadapt_adagrad_d0_long", "dadapt_adagrad", {"d0": 1e-3}, model="logreg", steps=60)
case("dadapt_adagrad_momentum_wd", "dadapt_adagrad", {"momentum": 0.9, "weight_decay": 0.01,
                                                      "eps": 1e-8, "d0": 1e-3,
                                                      "growth_rate": 1.1}, model="logreg")

# Prodigy
case("prodigy_defaults", "prodigy", {})
case("prodigy_d0", "prodigy", {"d0": 1e-3})
case("prodigy_long", "prodigy", {}, "d0 1e-6, 60 steps: d grows", model="logreg", steps=60)
case("prodigy_slice_p2", "prodigy", {"slice_p": 2, "d0": 1e-4}, model="logreg")
case("prodigy_slice_p11", "prodigy", {"slice_p": 11, "d0": 1e-4},
     "every tensor is shorter than 22 elements: 1-2 sampled entries each", model="logreg")
case("prodigy_bias_correction", "prodigy", {"use_bias_correction": True, "d0": 1e-4})
case("prodigy_safeguard_warmup", "prodigy", {"safeguard_warmup": True, "d0": 1e-4},
     schedule=LIN_W)
case("prodigy_wd_decoupled", "prodigy", {"weight_decay": 0.1, "d0": 1e-3})
case("prodigy_wd_coupled", "prodigy", {"weight_decay": 0.01, "decouple": False, "d0": 1e-4}, model="logreg")
case("prodigy_growth_rate", "prodigy", {"growth_rate": 1.02, "d0": 1e-4},
     "first growth from d0 bypasses the cap", model="logreg")
case("prodigy_beta1_zero", "prodigy", {"betas": [0.0, 0.999], "d0": 1e-4},
     "beta1 = 0 path: no first moment, step uses the new d", model="logreg")
case("prodigy_beta3_dcoef_eps_lr", "prodigy", {"beta3": 0.9, "d_coef": 2.0, "eps": 1e-6,
                                               "lr": 0.5, "d0": 1e-4}, model="logreg")
case("prodigy_d0_logreg", "prodigy", {"d0": 1e-3}, model="logreg")
case("prodigy_float32", "prodigy", {"d0": 1e-3}, "float32 twin of prodigy_d0_logreg",
     model="logreg", dtype="float32")
case("prodigy_linear_decay_warmup", "prodigy", {"d0": 1e-4}, schedule=LIN_W)
case("prodigy_cosine", "prodigy", {"d0": 1e-4}, schedule=COS)
case("prodigy_exponential", "prodigy", {"d0": 1e-4}, schedule=EXP)
case("prodigy_step", "prodigy", {"d0": 1e-4}, schedule=STEP, model="logreg")

# Mechanic (PyTorch mechanize)
case("mechanic_sgd", "mechanic", {"base": {"name": "sgd", "hparams": {"lr": 1.0}}})
case("mechanic_sgd_long", "mechanic", {"base": {"name": "sgd", "hparams": {"lr": 1.0}}},
     model="logreg", steps=60)
case("mechanic_adam", "mechanic", {"base": {"name": "adam", "hparams": {"lr": 0.01}}})
case("mechanic_options", "mechanic", {"base": {"name": "sgd", "hparams": {"lr": 1.0,
                                                                        "momentum": 0.9}},
                                      "s_decay": 0.0, "betas": [0.9, 0.99, 0.999],
                                      "s_init": 1e-4, "eps": 1e-6}, model="logreg")
case("mechanic_store_delta", "mechanic", {"base": {"name": "adam", "hparams": {"lr": 0.01}},
                                          "store_delta": True}, model="logreg")
case("mechanic_adam_cosine", "mechanic", {"base": {"name": "adam", "hparams": {"lr": 0.01}}},
     schedule=COS)

# MADGRAD
case("madgrad_defaults", "madgrad", {})
case("madgrad_momentum0_wd", "madgrad", {"momentum": 0.0, "weight_decay": 0.01},
     "momentum 0: x0 is recomputed from s each step", model="logreg")
case("madgrad_decouple_decay", "madgrad", {"weight_decay": 0.1, "decouple_decay": True,
                                           "lr": 0.02, "eps": 1e-8}, model="logreg")
case("mirror_madgrad_defaults", "mirror_madgrad", {})
case("mirror_madgrad_momentum0_wd", "mirror_madgrad", {"momentum": 0.0, "weight_decay": 0.01}, model="logreg")
case("mirror_madgrad_decouple_decay", "mirror_madgrad", {"weight_decay": 0.1,
                                                         "decouple_decay": True, "eps": 1e-6}, model="logreg")

# Schedule-Free reference classes (trace = y; expected_x.csv = x)
case("schedule_free_sgd", "schedule_free_sgd", {"lr": 0.5})
case("schedule_free_sgd_options", "schedule_free_sgd", {"lr": 0.5, "momentum": 0.8,
                                                        "weight_decay": 0.01,
                                                        "warmup_steps": 10, "r": 1.0,
                                                        "weight_lr_power": 1.0}, model="logreg")
case("schedule_free_adamw", "schedule_free_adamw", {"lr": 0.02})
case("schedule_free_adamw_options", "schedule_free_adamw", {"lr": 0.05, "betas": [0.8, 0.99],
                                                            "eps": 1e-6, "weight_decay": 0.1,
                                                            "warmup_steps": 10, "r": 0.5,
                                                            "weight_lr_power": 1.5})
case("schedule_free_adamw_decay_at_z_inner_momentum", "schedule_free_adamw",
     {"lr": 0.05, "weight_decay": 0.1, "decay_at_z": True, "inner_momentum": 0.9}, model="logreg")

# SPA (from torch SGD, see README)
case("spa", "spa", {"lr": 1.0, "momentum": 0.9})
case("spa_logreg", "spa", {"lr": 2.0, "momentum": 0.5}, model="logreg")

# MoMo
case("momo_defaults", "momo", {})
case("momo_wd_fstar", "momo", {"weight_decay": 0.01, "use_fstar": True})
case("momo_bias_correction", "momo", {"bias_correction": True, "beta": 0.8, "lb": 0.1,
                                      "lr": 2.0})
case("momo_fstar_bias_correction", "momo", {"use_fstar": True, "bias_correction": True},
     model="logreg")
case("momo_cosine", "momo", {"lr": 1.0}, schedule=COS, model="logreg")
case("momo_adam_defaults", "momo_adam", {})
case("momo_adam_divide_false", "momo_adam", {"weight_decay": 0.01, "divide": False}, model="logreg")
case("momo_adam_fstar_wd", "momo_adam", {"use_fstar": True, "weight_decay": 0.01,
                                         "betas": [0.8, 0.99], "eps": 1e-6, "lr": 0.05}, model="logreg")

# adatune: HD baselines
case("sgd_hd", "sgd_hd", {"lr": 0.1, "hypergrad_lr": 1e-2})
case("sgd_hd_nesterov_wd", "sgd_hd", {"lr": 0.05, "momentum": 0.9, "nesterov": True,
                                      "weight_decay": 0.01, "hypergrad_lr": 1e-2}, model="logreg")
case("sgd_hd_momentum_dampening", "sgd_hd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1,
                                             "hypergrad_lr": 1e-2}, model="logreg")
case("adam_hd", "adam_hd", {"lr": 0.01, "hypergrad_lr": 1e-3})
case("adam_hd_wd_betas_eps", "adam_hd", {"lr": 0.01, "hypergrad_lr": 1e-3,
                                         "weight_decay": 0.01, "betas": [0.8, 0.99],
                                         "eps": 1e-6}, model="logreg")

# adatune: MARTHE / RTHO (exact HVP by double backprop; validation batches)
M = {"lr": 0.1, "hyper_lr": 1e-2, "alpha": 0.0, "grad_clipping": 100.0, "weight_decay": 0.0}
case("marthe_sgd_momentum", "marthe", dict(M, dynamics="sgd", mu=0.99, momentum=0.9, hyper_lr=2e-3,
                                           lr=0.05), val=True)
case("marthe_sgd", "marthe", dict(M, dynamics="sgd", mu=0.99, momentum=0.0), val=True)
case("marthe_sgd_alpha_wd", "marthe", dict(M, dynamics="sgd", mu=0.9, momentum=0.9, lr=0.05,
                                           alpha=1e-2, weight_decay=5e-4),
     "alpha > 0 adapts hyper_lr; weight decay is not in the tangent (reference quirk)",
     val=True)
case("marthe_sgd_clipping", "marthe", dict(M, dynamics="sgd", mu=0.99, momentum=0.0,
                                           grad_clipping=0.05),
     "clamp to [-0.05, 0.05] active on train grads, HVP and validation grads", val=True)
case("marthe_sgd_first_order", "marthe", dict(M, dynamics="sgd", mu=0.99, momentum=0.9,
                                              lr=0.05, first_order=True), val=True, model="logreg")
case("marthe_sgd_mu_auto", "marthe", dict(M, dynamics="sgd", mu=-0.5, momentum=0.0),
     "mu < 0: adaptive mu", val=True, model="logreg")
case("marthe_adam", "marthe", dict(M, dynamics="adam", mu=0.99, lr=0.01, hyper_lr=1e-5,
                                   eps=1e-4), val=True)
case("marthe_adam_betas_wd", "marthe", dict(M, dynamics="adam", mu=0.9, lr=0.01,
                                            hyper_lr=1e-5, eps=1e-8, betas=[0.8, 0.99],
                                            weight_decay=5e-4), val=True)
R = {k: v for k, v in M.items()}
case("rtho_sgd", "rtho", dict(R, dynamics="sgd", momentum=0.0), val=True)
case("rtho_sgd_momentum", "rtho", dict(R, dynamics="sgd", momentum=0.9, lr=0.05, hyper_lr=2e-3), val=True, model="logreg")
case("rtho_adam", "rtho", dict(R, dynamics="adam", lr=0.01, hyper_lr=1e-5, eps=1e-4),
     val=True)


def write_problems(outdir, only=None):
    """Writes OUTDIR/<case>/problem.json for every case (whose name contains `only`)."""
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    written = []
    for name, opt, hp, kw, _ in CASES:
        if only and only not in name:
            continue
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        prob = problem(opt, hp, **kw)
        # one top-level field per line, values compact
        lines = [f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                 for k, v in prob.items()]
        with open(os.path.join(d, "problem.json"), "w") as f:
            f.write("{\n" + ",\n".join(lines) + "\n}\n")
        written.append(name)
    return written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--only", help="only cases whose name contains this")
    a = ap.parse_args()
    write_problems(a.outdir, a.only)


if __name__ == "__main__":
    main()
