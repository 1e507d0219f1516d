"""SAE training time: one SAE per instance of the paper-sized model, budget 30 s.

    python benchmarks/sae.py [--d-sae 8] [--model-steps 10000] [--model-seed 1]

Trains the notebook's model (5 features, 2 hidden, 10 instances, importance 0.9**i,
feature probability 20**-linspace(0, 1, 10)) once, then times
``optimize_sae`` with the recommended settings (``superpos_core.SAE_TRAINING``) for
every seed in ``SAE_SEEDS`` (the median is the figure, judged against 30 s) and
prints, per instance, what the SAEs of all seeds recovered. The 1-minute load
average is printed before and after: the machine is shared, so a slow figure on a
busy machine says little.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from superpos_core import (
    SAE,
    SAE_D_SAE,
    SAE_SEEDS,
    SAE_TRAINING,
    optimize,
    optimize_sae,
    paper_model,
    sae_metrics,
)

BUDGET_S = 30.0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--d-sae", type=int, default=SAE_D_SAE, help=f"latents per instance (default {SAE_D_SAE})")
    ap.add_argument("--model-steps", type=int, default=10_000, help="training steps of the model")
    ap.add_argument("--model-seed", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {load()}")
    print(f"SAE settings: d_sae={args.d_sae}, {SAE_TRAINING}")

    model = paper_model(device="cpu", seed=args.model_seed)
    t = time.perf_counter()
    optimize(model, steps=args.model_steps, progress=False)
    print(f"model: {args.model_steps} steps in {time.perf_counter() - t:.1f} s (seed {args.model_seed})")

    times, metrics = [], []
    for seed in SAE_SEEDS:
        sae = SAE.for_model(model, args.d_sae, seed=seed)
        t = time.perf_counter()
        optimize_sae(sae, model, progress=False)
        times.append(time.perf_counter() - t)
        metrics.append(sae_metrics(sae, model))
        print(f"  SAE seed {seed}: {times[-1]:.2f} s", flush=True)
    figure = statistics.median(times)

    p = model.feature_probability.flatten().tolist()
    print(f"{'inst':>4} {'p':>6} {'represented':>12} {'recovered by every seed':>24} "
          f"{'L0':>6} {'dead':>5} {'recon.':>8}")
    for i in range(model.config.n_instances):
        s = [m.instance(i) for m in metrics]
        rep = s[0]["represented"]
        every = [f for f in rep if all(f in x["recovered"] for x in s)]
        mean = lambda k: statistics.mean(x[k] for x in s)
        rep_s, every_s = ",".join(map(str, rep)) or "-", ",".join(map(str, every)) or "-"
        print(
            f"{i:>4} {p[i]:>6.3f} {rep_s:>12} {every_s:>24} "
            f"{mean('l0'):>6.2f} {mean('dead_fraction'):>5.2f} {mean('reconstruction'):>8.5f}"
        )
    ok = figure <= BUDGET_S
    print(f"SAE training, 10 instances, median of {len(times)} seeds: {figure:.2f} s "
          f"(budget {BUDGET_S:.0f} s) {'OK' if ok else 'OVER BUDGET'}; {load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
