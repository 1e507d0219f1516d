"""The phase-diagram sweep: speed, and phases that do not depend on the training budget.

    python benchmarks/phase_diagram.py [--n 20] [--seeds 3] [--steps 5000] [--batch 512]
                                       [--png out.png] [--json out.json] [--no-check]

1. Trains the paper's phase diagram (2 features, 1 hidden dimension; relative
   importance of feature 1 from 0.1 to 10 by feature probability from 1 to 0.01,
   both log-spaced) on an ``n x n`` grid with ``--seeds`` replicates per cell, all
   as the instances of one batched model (20 x 20 x 3 = 1200 instances), and
   prints the seconds it took (target: <= 60 s on 2 cores) and the phase map.
2. Budget check: on the coarser grid of every other row and column, trains the
   chosen budget, twice the steps and twice the batch (same instances, so the
   same initial W), and prints how often the cells' phases agree -- the phase of
   each cell's best seed, and each seed's own phase.

The machine's load average is printed before and after: on a shared machine
only a calm run's seconds mean anything. The CPU seconds of the process (torch on
one core, the batches drawn on the other) bound what an idle machine would take.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from superpos_core.sweep import (
    PHASE_BATCH,
    PHASE_STEPS,
    default_importances,
    default_probabilities,
    phase_diagram,
    phase_grid,
    phases,
)

SYMBOL = {"ignored": ".", "dedicated": "D", "superposed": "S", "other": "?", None: "x"}


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def show(sweep) -> None:
    best, agreed = phase_grid(sweep, "best"), phase_grid(sweep, "all")
    print("      p   best seed's phase        all seeds agree (x: they differ)")
    for p, row_b, row_a in zip(sweep.row_values, best, agreed):
        print(f"  {p:7.4f}  {''.join(SYMBOL[c] for c in row_b)}   {''.join(SYMBOL[c] for c in row_a)}")
    print(f"  columns: relative importance {sweep.col_values[0]:g} .. {sweep.col_values[-1]:g} (log-spaced)")
    print("  . ignored   D dedicated   S superposed   ? other")


def agreement(a, b) -> tuple[float, float]:
    """(% of cells whose best-seed phase agrees, % of (cell, seed) phases that agree)."""
    ba, bb = phase_grid(a, "best"), phase_grid(b, "best")
    cells = [x == y for ra, rb in zip(ba, bb) for x, y in zip(ra, rb)]
    pa, pb = phases(a), phases(b)
    seeds = [x == y for ra, rb in zip(pa, pb) for ca, cb in zip(ra, rb) for x, y in zip(ca, cb)]
    return 100 * sum(cells) / len(cells), 100 * sum(seeds) / len(seeds)


def timed(**kw):
    t, cpu = time.perf_counter(), time.process_time()
    sweep = phase_diagram(device="cpu", **kw)
    timed.cpu = time.process_time() - cpu
    return sweep, time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="grid size n x n (default 20)")
    ap.add_argument("--seeds", type=int, default=3, help="replicates per cell (default 3)")
    ap.add_argument("--steps", type=int, default=PHASE_STEPS)
    ap.add_argument("--batch", type=int, default=PHASE_BATCH)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--png", help="write the phase diagram picture here")
    ap.add_argument("--json", help="write the trained sweep here (Sweep.to_dict)")
    ap.add_argument("--no-check", action="store_true", help="skip the budget check")
    args = ap.parse_args(argv)

    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus; {load()}")
    imps, probs = default_importances(args.n), default_probabilities(args.n)
    budget = dict(steps=args.steps, n_batch=args.batch, n_seeds=args.seeds, seed=args.seed)
    sweep, dt = timed(importances=imps, probabilities=probs, **budget)
    n_inst = args.n * args.n * args.seeds
    ok = dt <= 60
    print(
        f"{args.n} x {args.n} grid x {args.seeds} seeds = {n_inst} instances, {args.steps} steps at batch "
        f"{args.batch}: {dt:.1f} s ({'within' if ok else 'OVER'} the 60 s target; {timed.cpu:.1f} s of CPU "
        f"over both cores); {load()}"
    )
    show(sweep)
    if args.png:
        from superpos_core.plots import phase_diagram_png

        Path(args.png).write_bytes(phase_diagram_png(sweep))
        print(f"picture: {args.png}")
    if args.json:
        Path(args.json).write_text(json.dumps(sweep.to_dict()))

    if not args.no_check:
        ci, cp = imps[::2], probs[::2]
        coarse = dict(importances=ci, probabilities=cp, n_seeds=args.seeds, seed=args.seed)
        base, t0 = timed(steps=args.steps, n_batch=args.batch, **coarse)
        long, t1 = timed(steps=2 * args.steps, n_batch=args.batch, **coarse)
        wide, t2 = timed(steps=args.steps, n_batch=2 * args.batch, **coarse)
        print(
            f"budget check on the {len(cp)} x {len(ci)} x {args.seeds} coarse grid "
            f"({t0:.1f} s, {t1:.1f} s, {t2:.1f} s; {load()}):"
        )
        for name, other in (("2x steps", long), ("2x batch", wide)):
            cells, seeds = agreement(base, other)
            print(f"  {name:8s} vs chosen: best-seed phase agrees in {cells:5.1f}% of cells, each seed's in {seeds:5.1f}%")
        # the same cells in the fine grid (other instances, so another initial W)
        fine_best = [row[::2] for row in phase_grid(sweep, "best")[::2]]
        same = [x == y for ra, rb in zip(fine_best, phase_grid(base, "best")) for x, y in zip(ra, rb)]
        print(f"  fine grid vs coarse grid, same cells: best-seed phase agrees in {100 * sum(same) / len(same):5.1f}%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
