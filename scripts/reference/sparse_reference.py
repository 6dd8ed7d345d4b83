#!/usr/bin/env python3
"""Reference traces of the row-sparse embedding-table updates (optimizer `row_sparse`).

Writes OUT.json: a deterministic problem (a table of ROWS x WIDTH, STEPS sparse gradients over a
few unique rows each, seeded numpy) and, per method and dtype, the table after every step:

- lazy_adam: torch.optim.SparseAdam (lr 0.01, default betas and eps) stepping on sparse COO
  gradients, the reference implementation;
- sgd: torch.optim.SGD (lr 0.1) on the same sparse gradients;
- rowwise_adagrad: FBGEMM's exact row-wise AdaGrad formula (G_r += mean_j g_rj^2,
  w_rj -= lr g_rj / (sqrt(G_r) + eps), lr 0.1, eps 1e-10), written out in torch here, since
  neither FBGEMM nor TorchRec is packaged for Debian.

Usage: /usr/bin/python3 scripts/reference/sparse_reference.py OUT.json
(Debian's python3-torch 1.13, one thread). The Java test is RowSparseTest.
"""
import json
import sys

import numpy as np
import torch

ROWS, WIDTH, STEPS = 7, 3, 10


def problem():
    rng = np.random.default_rng(20261207)
    init = rng.uniform(-0.5, 0.5, size=(ROWS, WIDTH))
    steps = []
    for _ in range(STEPS):
        k = int(rng.integers(1, 4))
        rows = sorted(int(r) for r in rng.choice(ROWS, size=k, replace=False))
        grad = rng.normal(0.0, 1.0, size=(k, WIDTH))
        steps.append({"rows": rows, "grad": grad.tolist()})
    return init, steps


def sparse_grad(step, dtype):
    idx = torch.tensor([step["rows"]], dtype=torch.long)
    val = torch.tensor(step["grad"], dtype=dtype)
    return torch.sparse_coo_tensor(idx, val, (ROWS, WIDTH))


def run_torch(make_opt, init, steps, dtype):
    w = torch.nn.Parameter(torch.tensor(init, dtype=dtype))
    opt = make_opt([w])
    out = []
    for s in steps:
        w.grad = sparse_grad(s, dtype)
        opt.step()
        out.append(w.detach().flatten().tolist())
    return out


def run_rowwise_adagrad(init, steps, dtype, lr=0.1, eps=1e-10):
    w = torch.tensor(init, dtype=dtype)
    acc = torch.zeros(ROWS, dtype=dtype)
    out = []
    for s in steps:
        g = torch.tensor(s["grad"], dtype=dtype)
        for k, r in enumerate(s["rows"]):
            acc[r] = acc[r] + (g[k] * g[k]).sum() / WIDTH
            w[r] = w[r] - (lr / (acc[r].sqrt() + eps)) * g[k]
        out.append(w.flatten().tolist())
    return out


def main():
    torch.set_num_threads(1)
    init, steps = problem()
    expected = {}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        # the problem's values rounded to the dtype, as the Java side reads them
        expected.setdefault("lazy_adam", {})[name] = run_torch(
            lambda p: torch.optim.SparseAdam(p, lr=0.01), init, steps, dtype)
        expected.setdefault("sgd", {})[name] = run_torch(
            lambda p: torch.optim.SGD(p, lr=0.1), init, steps, dtype)
        expected.setdefault("rowwise_adagrad", {})[name] = run_rowwise_adagrad(init, steps, dtype)
    doc = {
        "generator": "scripts/reference/sparse_reference.py, torch " + torch.__version__,
        "rows": ROWS,
        "width": WIDTH,
        "init": init.tolist(),
        "steps": steps,
        "hparams": {"lazy_adam": {"lr": 0.01}, "sgd": {"lr": 0.1},
                    "rowwise_adagrad": {"lr": 0.1, "eps": 1e-10}},
        "expected": expected,
    }
    with open(sys.argv[1], "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
