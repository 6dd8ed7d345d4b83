"""The PyTorch side of scripts/bench-peers: the project's benchmark models built in PyTorch (CPU
only, float32) with the same shapes, initialisation scales, batches and optimizers, timed on
synthetic data of the same shapes. Driven by the Java bench (BenchPeers) over stdin/stdout, one
JSON object per line, so both sides stay warm and their rounds interleave:

  {"op": "build", "case": "mlp", "batch": 128, "optimizer": "adam", "seed": 1}
      -> {"params": N, "optimizer": "torch.optim.Adam", ...}
  {"op": "steps", "n": 100}                  -> {"seconds": s, "loss": last loss}
  {"op": "ddp", "case": ..., "batch": per-rank batch, "world": W, "warmup": N, "steps": M}
      -> {"rate": total units/s, "ranks": [...]}: W fresh processes, torch.distributed DDP, gloo
  {"op": "quit"}

Other entry points: `info` prints the torch build's BLAS, the library a matmul actually loads and
the kernels a loaded OpenBLAS picked; `rank` is one DDP process (started by "ddp"). Cases: mlp
(784-256-10), dlrm (the dlrm-laptop model, dense embedding gradients), dlrm-sparse (the same with
sparse embedding gradients and SparseAdam on the tables), gpt (the gpt-laptop decoder). See
BENCHMARKS.md, "Peers: PyTorch on the same CPU".
"""

import argparse
import ctypes
import json
import math
import os
import re
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def set_threads(threads):
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


# ---------------------------------------------------------------------------------------------
# Models, initialised as the project's (Classifier, Dlrm, GptLayer; pipeline-jobs/GPT.md)


class Mlp(nn.Module):
    """784-256-10 with ReLU; DL4J's XAVIER is N(0, 2 / (in + out)), biases 0."""

    def __init__(self, features, hidden, classes):
        super().__init__()
        self.l1 = nn.Linear(features, hidden)
        self.l2 = nn.Linear(hidden, classes)
        for l in (self.l1, self.l2):
            nn.init.xavier_normal_(l.weight)
            nn.init.zeros_(l.bias)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


class Dlrm(nn.Module):
    """Bottom MLP (ReLU on every layer) -> dot interaction with the 26 embeddings (pairs i > j in
    facebookresearch/dlrm's order) -> top MLP -> click logit. MLP weights Xavier normal, biases 0,
    tables U(-1/sqrt(n), 1/sqrt(n)), as Dlrm.java."""

    def __init__(self, dense, tables, rows, dim, bottom, top, sparse):
        super().__init__()
        layers, width = [], dense
        for w in bottom:
            layers += [nn.Linear(width, w), nn.ReLU()]
            width = w
        self.bottom = nn.Sequential(*layers)
        self.embs = nn.ModuleList(nn.Embedding(rows, dim, sparse=sparse) for _ in range(tables))
        for e in self.embs:
            nn.init.uniform_(e.weight, -1 / math.sqrt(rows), 1 / math.sqrt(rows))
        f = tables + 1
        li = [i for i in range(f) for j in range(i)]
        lj = [j for i in range(f) for j in range(i)]
        self.register_buffer("li", torch.tensor(li))
        self.register_buffer("lj", torch.tensor(lj))
        layers, width = [], dim + len(li)
        for k, w in enumerate(top):
            layers.append(nn.Linear(width, w))
            if k < len(top) - 1:
                layers.append(nn.ReLU())
            width = w
        self.top = nn.Sequential(*layers)
        for m in list(self.bottom) + list(self.top):
            if isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, dense, ids):
        x = self.bottom(dense)
        t = torch.stack([x] + [e(ids[:, k]) for k, e in enumerate(self.embs)], dim=1)
        z = torch.bmm(t, t.transpose(1, 2))
        return self.top(torch.cat([x, z[:, self.li, self.lj]], dim=1)).squeeze(1)


class Block(nn.Module):
    def __init__(self, d, heads, seq, layers, std):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)
        # the same constant mask as GptLayer: 0 on and below the diagonal, -1e9 above
        self.register_buffer("mask", torch.triu(torch.full((seq, seq), -1e9), diagonal=1))
        for l in (self.c_attn, self.c_fc):
            nn.init.normal_(l.weight, 0.0, std)
        for l in (self.c_proj, self.mlp_proj):
            nn.init.normal_(l.weight, 0.0, std / math.sqrt(2 * layers))
        for l in (self.c_attn, self.c_proj, self.c_fc, self.mlp_proj):
            nn.init.zeros_(l.bias)

    def forward(self, x):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (a.view(b, t, self.heads, hd).transpose(1, 2) for a in (q, k, v))
        att = torch.softmax(q @ k.transpose(-2, -1) * (1.0 / math.sqrt(hd)) + self.mask, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    """GPT-2 style decoder as pipeline-jobs/GPT.md: pre-norm blocks, causal attention over the full
    masked T x T scores, GELU tanh, final LayerNorm, output projection tied to the token table,
    N(0, 0.02^2) init with residual projections scaled by 1/sqrt(2L)."""

    def __init__(self, vocab, seq, d, heads, layers, std=0.02):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(seq, d)
        nn.init.normal_(self.wte.weight, 0.0, std)
        nn.init.normal_(self.wpe.weight, 0.0, std)
        self.blocks = nn.ModuleList(Block(d, heads, seq, layers, std) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d, eps=1e-5)
        self.register_buffer("pos", torch.arange(seq))

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(self.pos)
        for blk in self.blocks:
            x = blk(x)
        return F.linear(self.ln_f(x), self.wte.weight)


# ---------------------------------------------------------------------------------------------
# Cases: model, synthetic rows of the right shapes (as BenchTrain's), loss, units per example

GPT = dict(vocab=50257, seq=64, d=64, heads=4, layers=2)


def make_case(name, sparse_ok=True):
    g = torch.Generator().manual_seed(3)
    if name == "mlp":
        x = torch.randn(8192, 784, generator=g)
        y = (x @ torch.randn(784, 10, generator=g)).argmax(1)
        model = Mlp(784, 256, 10)
        return model, (x, y), lambda m, b: F.cross_entropy(m(b[0]), b[1]), 1
    if name in ("dlrm", "dlrm-sparse"):
        n = 8192
        ids = torch.clamp(torch.floor(torch.exp(torch.rand(n, 26, generator=g, dtype=torch.float64)
                                                * math.log(10_000))), max=9_999).long()
        dense = torch.log1p(torch.randn(n, 13, generator=g).abs() * 10)
        y = (torch.rand(n, generator=g) < 0.25).float()
        model = Dlrm(13, 26, 10_000, 16, [64, 16], [64, 1], sparse=name == "dlrm-sparse")
        return (model, (dense, ids, y),
                lambda m, b: F.binary_cross_entropy_with_logits(m(b[0], b[1]), b[2]), 1)
    if name == "gpt":
        blocks = torch.randint(0, GPT["vocab"], (512, GPT["seq"] + 1), generator=g)
        model = Gpt(GPT["vocab"], GPT["seq"], GPT["d"], GPT["heads"], GPT["layers"])
        v = GPT["vocab"]
        return (model, (blocks[:, :-1].contiguous(), blocks[:, 1:].contiguous()),
                lambda m, b: F.cross_entropy(m(b[0]).view(-1, v), b[1].reshape(-1)), GPT["seq"])
    raise ValueError(f"unknown case {name}")


def prodigy_class():
    """prodigyopt.Prodigy, installed or from the reference checkout at REF_PRODIGY (as
    scripts/reference imports it); None when neither is importable."""
    root = os.environ.get("REF_PRODIGY")
    if root and os.path.isdir(root) and root not in sys.path:
        sys.path.insert(0, root)
    try:
        from prodigyopt import Prodigy
        return Prodigy
    except ImportError:
        return None


def make_optimizer(model, name, case):
    """Adam (torch defaults, lr 1e-3) or prodigyopt's Prodigy (its defaults, lr 1.0), as the Java
    side's `adam` and `prodigy` specs. dlrm-sparse: the tables' sparse gradients take SparseAdam
    with the same hyperparameters, the MLPs Adam (a different algorithm from dense Adam)."""
    if name == "adam":
        if case == "dlrm-sparse":
            tables = [p for n, p in model.named_parameters() if n.startswith("embs.")]
            rest = [p for n, p in model.named_parameters() if not n.startswith("embs.")]
            return [torch.optim.SparseAdam(tables, lr=1e-3), torch.optim.Adam(rest, lr=1e-3)]
        return [torch.optim.Adam(model.parameters(), lr=1e-3)]
    if name == "prodigy":
        cls = prodigy_class()
        if cls is None:
            raise ValueError("prodigyopt is not importable")
        return [cls(model.parameters(), lr=1.0)]
    raise ValueError(f"unknown optimizer {name}")


class Batches:
    """Batch i of an endless sequence of epochs, each a seeded permutation of the rows, gathered
    by index from the in-memory tensors (what MemoryData does on the Java side)."""

    def __init__(self, data, batch, seed):
        self.data, self.batch, self.n = data, batch, data[0].shape[0]
        self.g = torch.Generator().manual_seed(seed)
        self.perm, self.pos = torch.randperm(self.n, generator=self.g), 0

    def next(self):
        if self.pos + self.batch > self.n:
            self.perm, self.pos = torch.randperm(self.n, generator=self.g), 0
        idx = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return [t.index_select(0, idx) for t in self.data]


class Trainer:
    def __init__(self, case, batch, optimizer, seed, rank=0, world=1, ddp=False):
        torch.manual_seed(seed)
        self.model, data, self.loss, self.units = make_case(case)
        if world > 1:
            data = [t[rank::world] for t in data]
        self.batches = Batches(data, batch, seed + rank)
        self.net = self.model
        if ddp:
            self.net = nn.parallel.DistributedDataParallel(self.model)
        self.opts = make_optimizer(self.model, optimizer, case)
        self.batch = batch
        self.last = float("nan")

    def steps(self, n):
        for _ in range(n):
            b = self.batches.next()
            for o in self.opts:
                o.zero_grad(set_to_none=True)
            loss = self.loss(self.net, b)
            loss.backward()
            for o in self.opts:
                o.step()
            self.last = loss.item()


# ---------------------------------------------------------------------------------------------
# Entry points


def serve(threads):
    set_threads(threads)
    trainer = None
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "build":
                trainer = Trainer(req["case"], req["batch"], req["optimizer"], req.get("seed", 1))
                reply = {
                    "params": sum(p.numel() for p in trainer.model.parameters()),
                    "optimizer": ", ".join(type(o).__module__ + "." + type(o).__name__
                                           for o in trainer.opts),
                    "threads": torch.get_num_threads(),
                }
            elif op == "steps":
                t0 = time.perf_counter()
                trainer.steps(req["n"])
                reply = {"seconds": time.perf_counter() - t0, "loss": trainer.last}
            elif op == "ddp":
                reply = ddp(req, threads)
            elif op == "quit":
                return
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as e:  # reported to the Java side, which fails the case
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def ddp(req, threads):
    """W fresh processes, one DDP replica each on its rows[rank::W], gloo on loopback."""
    world = req["world"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(req["port"]), WORLD_SIZE=str(world))
    procs = []
    for r in range(world):
        cmd = [sys.executable, os.path.abspath(__file__), "rank", "--rank", str(r),
               "--threads", str(threads), "--request", json.dumps(req)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True))
    ranks = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"DDP rank exited {p.returncode}")
        ranks.append(json.loads(out.strip().splitlines()[-1]))
    return {"rate": sum(r["rate"] for r in ranks), "ranks": ranks}


def rank_main(rank, threads, req):
    import torch.distributed as dist

    set_threads(threads)
    world = req["world"]
    dist.init_process_group("gloo", rank=rank, world_size=world)
    trainer = Trainer(req["case"], req["batch"], req["optimizer"], req.get("seed", 1), rank, world,
                      ddp=True)
    trainer.steps(req["warmup"])
    dist.barrier()
    t0 = time.perf_counter()
    trainer.steps(req["steps"])
    dist.barrier()
    seconds = time.perf_counter() - t0
    dist.destroy_process_group()
    rate = req["steps"] * req["batch"] * trainer.units / seconds
    print(json.dumps({"rank": rank, "rate": rate, "seconds": seconds}), flush=True)


def loaded_blas():
    """The BLAS library files this process has mapped after a matmul (the runtime truth, whatever
    the build says)."""
    a = torch.randn(256, 256)
    (a @ a).sum().item()
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if any(k in os.path.basename(path) for k in ("blas", "mkl", "blis")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def openblas_core(lib):
    """', OpenBLAS kernels NAME' for a loaded OpenBLAS (its openblas_get_corename), else ''."""
    if "openblas" not in os.path.basename(lib):
        return ""
    try:
        f = ctypes.CDLL(lib).openblas_get_corename
        f.restype = ctypes.c_char_p
        return ", OpenBLAS kernels " + f().decode().strip()
    except (OSError, AttributeError):
        return ""


def info():
    found = re.findall(r"\b(BLAS_INFO|LAPACK_INFO|USE_MKLDNN|USE_OPENMP)=(\w+)",
                       torch.__config__.show())
    settings = [f"{k}={v}" for k, v in found]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); build: "
          + ", ".join(settings))
    for lib in loaded_blas():
        print(f"torch loads {lib}" + openblas_core(lib))
    print("prodigyopt: " + ("importable" if prodigy_class() else "not importable"))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--threads", type=int, required=True)
    r = sub.add_parser("rank")
    r.add_argument("--rank", type=int, required=True)
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--request", required=True)
    i = sub.add_parser("info")
    i.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.cmd == "serve":
        serve(a.threads)
    elif a.cmd == "rank":
        rank_main(a.rank, a.threads, json.loads(a.request))
    else:
        set_threads(a.threads)
        info()


if __name__ == "__main__":
    main()
