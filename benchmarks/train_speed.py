"""Training speed: the TMS notebook's loop (BASELINE) vs ``superpos_core.optimize`` (OURS).

    python benchmarks/train_speed.py [--steps 2000] [--time-steps 300] [--big-steps 12]

1. ms/step for both, in this process, at the paper's size (5 features, 2 hidden,
   10 instances, batch 1024) and at 400 features / 30 hidden / 10 instances /
   batch 1024. Each side is warmed up first; the timings alternate between the
   two sides over a few rounds and the median round is reported, so a burst of
   load on a shared machine hits both.
2. Same objective: both train the paper's setting for ``--steps`` steps from the
   same initial W, recording the loss every step; the mean loss (per instance)
   over the last quarter of training must agree within noise.

BASELINE is the notebook's code, step for step (einsum forward, two random draws
per batch, autograd, torch.optim.AdamW, einops.reduce), written out below.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import einops
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from superpos_core import Config, Model, optimize  # noqa: E402


# --------------------------------------------------------------------------------------
# BASELINE: the notebook's loop
# --------------------------------------------------------------------------------------
def notebook_forward(model, features):
    hidden = torch.einsum("...if,ifh->...ih", features, model.W)
    out = torch.einsum("...ih,ifh->...if", hidden, model.W)
    out = out + model.b_final
    return F.relu(out)


def notebook_generate_batch(model, n_batch):
    c = model.config
    feat = torch.rand((n_batch, c.n_instances, c.n_features), device=model.W.device)
    batch = torch.where(
        torch.rand((n_batch, c.n_instances, c.n_features), device=model.W.device) <= model.feature_probability,
        feat,
        torch.zeros((), device=model.W.device),
    )
    return batch


def notebook_optimize(model, n_batch=1024, steps=10_000, lr=1e-3, hooks=()):
    opt = torch.optim.AdamW(list(model.parameters()), lr=lr)
    for step in range(steps):
        step_lr = lr * 1.0  # constant_lr
        for group in opt.param_groups:
            group["lr"] = step_lr
        opt.zero_grad(set_to_none=True)
        batch = notebook_generate_batch(model, n_batch)
        out = notebook_forward(model, batch)
        error = model.importance * (batch.abs() - out) ** 2
        loss = einops.reduce(error, "b i f -> i", "mean").sum()
        loss.backward()
        opt.step()
        if hooks:
            hook_data = dict(model=model, step=step, opt=opt, error=error, loss=loss, lr=step_lr)
            for h in hooks:
                h(hook_data)


# --------------------------------------------------------------------------------------
def make_model(n_features, n_hidden, n_instances=10, seed=0):
    return Model(
        Config(n_features=n_features, n_hidden=n_hidden, n_instances=n_instances),
        importance=(0.9 ** torch.arange(n_features))[None, :],
        feature_probability=(20 ** -torch.linspace(0, 1, n_instances))[:, None],
        device="cpu",
        seed=seed,
    )


def ms_per_step(fn, steps):
    t = time.perf_counter()
    fn(steps)
    return (time.perf_counter() - t) / steps * 1e3


def time_size(n_features, n_hidden, n_batch, steps, rounds, warmup):
    base_model, our_model = make_model(n_features, n_hidden), make_model(n_features, n_hidden)
    torch.manual_seed(0)
    base = lambda k: notebook_optimize(base_model, n_batch=n_batch, steps=k)  # noqa: E731
    ours = lambda k: optimize(our_model, n_batch=n_batch, steps=k, progress=False)  # noqa: E731
    base(warmup)
    ours(warmup)
    b, o = [], []
    for _ in range(rounds):
        b.append(ms_per_step(base, steps))
        o.append(ms_per_step(ours, steps))
    return statistics.median(b), statistics.median(o)


def loss_curves(steps, n_batch=1024):
    init = make_model(5, 2, seed=1)
    base_model, our_model = copy.deepcopy(init), copy.deepcopy(init)
    base_losses, our_losses = [], []
    torch.manual_seed(1)
    t = time.perf_counter()
    notebook_optimize(
        base_model, n_batch=n_batch, steps=steps, hooks=[lambda d: base_losses.append(d["loss"].item())]
    )
    t_base = time.perf_counter() - t
    t = time.perf_counter()
    optimize(
        our_model,
        n_batch=n_batch,
        steps=steps,
        progress=False,
        seed=2,
        hooks=[lambda d: our_losses.append(d["loss"].item())],
    )
    t_ours = time.perf_counter() - t
    return torch.tensor(base_losses) / 10, torch.tensor(our_losses) / 10, t_base, t_ours


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2000, help="training steps for the loss comparison")
    ap.add_argument("--time-steps", type=int, default=300, help="timed steps per round, paper size")
    ap.add_argument("--big-steps", type=int, default=8, help="timed steps per round, 400x30 size")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    t_all = time.perf_counter()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    rows = []
    for name, (nf, nh, steps, warm) in {
        "paper 5f/2h/10i/b1024": (5, 2, args.time_steps, 50),
        "big 400f/30h/10i/b1024": (400, 30, args.big_steps, 3),
    }.items():
        b, o = time_size(nf, nh, 1024, steps, args.rounds, warm)
        rows.append((name, b, o))
        print(f"{name:24s} baseline {b:8.3f} ms/step   ours {o:8.3f} ms/step   speedup {b / o:5.1f}x", flush=True)

    base, ours, tb, to = loss_curves(args.steps)
    tail = max(1, args.steps // 4)
    mb, mo = base[-tail:].mean().item(), ours[-tail:].mean().item()
    # Noise of a tail mean: per-step losses scatter around a slowly moving curve.
    se = (base[-tail:].std().item() ** 2 / tail + ours[-tail:].std().item() ** 2 / tail) ** 0.5
    rel = abs(mb - mo) / mb
    ok = rel < 0.05
    print(
        f"loss/instance, paper setting, same init, mean of last {tail} of {args.steps} steps: "
        f"baseline {mb:.5f}  ours {mo:.5f}  (rel. diff {rel:.2%}, ~{se / mb:.2%} s.e.)  "
        f"{'MATCH' if ok else 'MISMATCH'}"
    )
    for k in (0, args.steps // 10, args.steps // 2, args.steps - 1):
        print(f"  step {k:6d}: baseline {base[k].item():.5f}  ours {ours[k].item():.5f}")
    print(f"  ({args.steps} steps with a per-step loss hook: baseline {tb:.1f} s, ours {to:.1f} s)")
    print(f"total {time.perf_counter() - t_all:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
