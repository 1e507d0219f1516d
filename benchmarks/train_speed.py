"""Training speed: the TMS notebook's loop (BASELINE) vs ``superpos_core.optimize`` (OURS).

    python benchmarks/train_speed.py [--steps 2000] [--time-steps 300] [--big-steps 12]

1. ms/step for both, in this process, at the paper's size (5 features, 2 hidden,
   10 instances, batch 1024) and at 400 features / 30 hidden / 10 instances /
   batch 1024. Each side is warmed up first; the timings alternate between the
   sides over a few rounds and the median round is reported, so a burst of
   load on a shared machine hits all. At the paper's size ``optimize`` runs
   torch single-threaded, so the baseline is also timed pinned to one thread
   and the speedup is taken against the faster of its two timings.
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

from superpos_core import Config, Model, optimize


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


def with_threads(n, fn):
    """Run ``fn`` with torch's intra-op thread count set to ``n`` (None: unchanged)."""

    def run(k):
        saved = torch.get_num_threads()
        if n is not None:
            torch.set_num_threads(n)
        try:
            fn(k)
        finally:
            torch.set_num_threads(saved)

    return run


def time_size(n_features, n_hidden, n_batch, steps, rounds, warmup, baseline_threads=(None,)):
    """Median-of-rounds ms/step: {label: ms} for each baseline thread setting and ours."""
    base_model, our_model = make_model(n_features, n_hidden), make_model(n_features, n_hidden)
    torch.manual_seed(0)
    runs = {}
    for t in baseline_threads:
        label = f"baseline ({t or torch.get_num_threads()} thr)"
        runs[label] = with_threads(t, lambda k: notebook_optimize(base_model, n_batch=n_batch, steps=k))
    runs["ours"] = lambda k: optimize(our_model, n_batch=n_batch, steps=k, progress=False)
    for fn in runs.values():
        fn(warmup)
    times = {label: [] for label in runs}
    for _ in range(rounds):  # interleaved, so a burst of load hits every side
        for label, fn in runs.items():
            times[label].append(ms_per_step(fn, steps))
    return {label: statistics.median(v) for label, v in times.items()}


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
    ap.add_argument("--big-steps", type=int, default=6, help="timed steps per round, 400x30 size")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    t_all = time.perf_counter()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    sizes = {
        "paper 5f/2h/10i/b1024": (5, 2, args.time_steps, 50, (None, 1)),
        "big 400f/30h/10i/b1024": (400, 30, args.big_steps, 3, (None,)),
    }
    for name, (nf, nh, steps, warm, bthreads) in sizes.items():
        ms = time_size(nf, nh, 1024, steps, args.rounds, warm, bthreads)
        ours = ms.pop("ours")
        best = min(ms.values())
        line = "   ".join(f"{label} {v:8.3f}" for label, v in ms.items())
        print(
            f"{name:24s} ms/step: {line}   ours {ours:7.3f}   speedup {best / ours:5.1f}x"
            + (" (vs the faster baseline)" if len(ms) > 1 else ""),
            flush=True,
        )

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
