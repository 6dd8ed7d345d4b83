#!/usr/bin/env python3
"""Checks the reference harness against the published golden values
(docs/METHODS-NOTES.md, "Published golden values") before its traces are trusted.

    /usr/bin/python3 scripts/reference/selfcheck.py [--ref-root DIR]

Those values use a different problem from the trace contract: a linear model W (3x2), b (2) with mean
squared error on 4 examples, five full-batch float64 steps. This builds that problem, constructs
each optimizer through trace_reference.build_optimizer (so the name/hyperparameter mapping and
the reference imports are exercised too) and compares the final parameters, and where listed d
or the Mechanic scale, with the published numbers (12 significant digits in the table).
Also checks that the `spa` mapping to torch SGD equals the SPA recursion written out directly.
Exit 0 when all checks pass.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace_reference as tr  # noqa: E402

X = [[1, 2, -1], [0.5, -1.5, 2], [-1, 0, 1], [2, 1, 0.5]]
Yt = [[1, 0], [0, 1], [1, 1], [-1, 0.5]]
W0 = [[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]]
B0 = [0, 0.1]

# (name, hparams, d after steps 1..5 or None, final W row-major + b)
CASES = [
    ("dadapt_sgd", {}, [1e-6, 1e-6, 1.99999694956e-6, 3.59999011659e-6, 6.27903904703e-6],
     [0.099995462467, -0.199998314182, 0.299995840607, 0.050000047267, -0.399995777579,
      0.200002489341, 1.63856e-6, 0.100002552363]),
    ("dadapt_sgd", {"momentum": 0.9},
     [1e-6, 1e-6, 1.99999960344e-6, 3.59999846478e-6, 6.27906440254e-6],
     [0.099999069057, -0.199999654129, 0.299999146636, 0.050000009697, -0.399999133706,
      0.200000510726, 3.36174e-7, 0.100000523655]),
    ("dadapt_adam", {}, [1e-6, 1.58152295344e-5, 4.14783293233e-5, 2.40113832685e-4,
                         7.99809907081e-4],
     [0.099457197025, -0.199457430784, 0.299457268437, 0.050536158762, -0.399457263922,
      0.200542795798, 5.42803527e-4, 0.100542695162]),
    ("dadapt_adam", {"use_bias_correction": True, "decouple": True, "weight_decay": 0.1},
     [1e-6, 4.26771582863e-6, 9.18748317539e-6, 1.824067875e-5, 3.37695248716e-5],
     [0.099982649004, -0.199982586757, 0.299982524106, 0.050017250381, -0.399982461616,
      0.200017163531, 1.7288505e-5, 0.100017225916]),
    ("dadapt_adagrad", {}, [1e-6, 1e-6, 1e-6, 1.30388421972e-6, 1.70363154686e-6],
     [0.099997628033, -0.199997628037, 0.299997628033, 0.05000236914, -0.399997628033,
      0.200002371966, 2.371963e-6, 0.100002371966]),
    ("prodigy", {}, [1e-6, 1.58152295344e-6, 4.82234533794e-6, 1.34959552636e-5,
                     3.45093220111e-5],
     [0.099901889586, -0.199901886814, 0.299901888705, 0.050098185142, -0.39990188876,
      0.200098110434, 9.8110264e-5, 0.100098111693]),
    ("prodigy", {"use_bias_correction": True, "safeguard_warmup": True, "weight_decay": 0.01,
                 "slice_p": 2}, [1e-6] * 5,
     [0.099994998892, -0.199994997787, 0.299994996674, 0.050004999249, -0.399994995564,
      0.200004997777, 4.999996e-6, 0.100004998886]),
    ("madgrad", {"lr": 1e-2}, None,
     [0.050194289056, -0.164683682664, 0.252016704675, 0.058162771814, -0.351680326015,
      0.240597943038, 0.03561950978, 0.140852348801]),
    ("mirror_madgrad", {"lr": 1e-2}, None,
     [0.086704193234, -0.190492498406, 0.287125913916, 0.052722478616, -0.387051429183,
      0.210866374623, 0.009484577489, 0.110947855789]),
    ("momo", {"lr": 1.0}, None,
     [-0.198559796449, -0.089701166501, 0.031787139807, 0.053506799781, -0.125040520674,
      0.363582934435, 0.110689407083, 0.268042092709]),
    ("momo", {"lr": 1.0, "weight_decay": 0.01, "use_fstar": True}, None,
     [-0.178367396244, -0.089124801192, 0.038702691957, 0.050646533937, -0.128201579909,
      0.340313907863, 0.100800954054, 0.249144100791]),
    ("momo_adam", {"lr": 1e-2}, None,
     [0.050095177036, -0.150467546714, 0.250228841349, 0.04956850322, -0.35021941991,
      0.249773222123, 0.049905976163, 0.149736442]),
    ("mechanic", {"base": {"name": "sgd", "hparams": {"lr": 0.1}}},
     [9.814815e-7, 9.91481465577e-7, 1.33237402646e-6, 1.86457534567e-6, 2.63539021262e-6],
     [0.099998831423, -0.199999565841, 0.299998928805, 0.050000012173, -0.399998912575,
      0.200000641094, 4.21986e-7, 0.100000657325]),
    ("schedule_free_sgd", {"lr": 0.1}, None,  # x, i.e. params after eval()
     [-0.118685400517, -0.123512930672, 0.134722678528, 0.05484996283, -0.215349104933,
      0.317785111931, 0.097231663236, 0.222821703859]),
    ("schedule_free_adamw", {"lr": 0.01}, None,
     [0.070282746813, -0.171095402156, 0.270609614514, 0.054264702781, -0.370588660954,
      0.229420093867, 0.029720163534, 0.129309934563]),
]


def close(a, b):
    # the table has 12 significant digits, fewer for small numbers written in full
    return abs(a - b) <= 5e-12 + 5e-12 * abs(b)


def run_case(name, hp, ref_root):
    import torch
    torch.set_default_dtype(torch.float64)
    X_ = torch.tensor(X, dtype=torch.float64)
    Y_ = torch.tensor(Yt, dtype=torch.float64)
    W = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    b = torch.nn.Parameter(torch.tensor(B0, dtype=torch.float64))
    name, hp = tr.parse_spec({"name": name, "hparams": hp}, "optimizer")
    opt = tr.build_optimizer(name, hp, [W, b], ref_root)
    if name.startswith("schedule_free"):
        opt.train()
    ds = []
    for _ in range(5):
        W.grad = b.grad = None
        loss = ((X_ @ W + b - Y_) ** 2).mean()
        loss.backward()
        opt.step(loss=loss) if name in tr.NEEDS_LOSS else opt.step()
        if name == "mechanic":
            ds.append(float(opt.state["_mechanic"]["s"].sum()))
        elif "d" in opt.param_groups[0]:
            ds.append(float(opt.param_groups[0]["d"]))
    if name.startswith("schedule_free"):
        opt.eval()
    return ds, W.detach().reshape(-1).tolist() + b.detach().tolist()


def check_spa():
    """spa via torch SGD == SPA recursion z <- z - lr g, x <- (1-c) x + c z (c = 1-momentum)."""
    import torch
    torch.set_default_dtype(torch.float64)
    X_ = torch.tensor(X, dtype=torch.float64)
    Y_ = torch.tensor(Yt, dtype=torch.float64)
    lr, beta = 0.3, 0.9
    W = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    opt = tr.build_optimizer("spa", {"lr": lr, "momentum": beta}, [W], None)
    x = torch.tensor(W0, dtype=torch.float64)
    z = x.clone()
    worst = 0.0
    for _ in range(30):
        W.grad = None
        ((X_ @ W - Y_) ** 2).mean().backward()
        opt.step()
        xg = x.clone().requires_grad_(True)
        ((X_ @ xg - Y_) ** 2).mean().backward()
        z = z - lr * xg.grad
        x = (1 - (1 - beta)) * x + (1 - beta) * z
        worst = max(worst, float((x - W.detach()).abs().max()))
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-root", default=os.environ.get("REF_ROOT"))
    a = ap.parse_args()
    failed = 0
    for name, hp, d_exp, p_exp in CASES:
        ds, ps = run_case(name, hp, a.ref_root)
        ok = all(close(u, v) for u, v in zip(ps, p_exp))
        if d_exp is not None:
            ok = ok and all(close(u, v) for u, v in zip(ds, d_exp))
        worst = max(abs(u - v) for u, v in zip(ps, p_exp))
        print(f"{'ok  ' if ok else 'FAIL'} {name} {hp}  max|dp|={worst:.2e}")
        failed += not ok
    spa = check_spa()
    print(f"{'ok  ' if spa < 1e-13 else 'FAIL'} spa == SPA recursion, 30 steps: max|dx|={spa:.2e}")
    failed += spa >= 1e-13
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
