"""``python -m superpos_core [--steps N] [--seed S]``: train the paper's setting and
print, per instance, the feature probability, represented features and dimensions
per feature."""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from . import analysis, optimize, paper_model


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m superpos_core",
        description="Train the paper's setting (5 features, 2 hidden, 10 instances) and print, per "
        "instance, the feature probability, represented features and dimensions per feature.",
    )
    ap.add_argument("--steps", type=int, default=10_000, help="training steps (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="seed for init and batches (default 0)")
    ap.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    ap.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = ap.parse_args(argv)

    console = Console()
    model = paper_model(device=args.device, seed=args.seed)
    t0 = time.perf_counter()
    losses = optimize(model, steps=args.steps, progress=not args.no_progress)
    dt = time.perf_counter() - t0

    W = model.W.detach().cpu()
    p = model._per_instance_feature(model.feature_probability)[:, 0].cpu()
    rep = analysis.represented(W)
    dpf = analysis.dimensions_per_feature(W)
    table = Table(title=f"TMS: 5 features in 2 dims, {args.steps} steps, seed {args.seed} ({dt:.1f} s)")
    for col in ("inst.", "p(feature)", "n rep.", "features", "dims/feat.", "antipodal", "loss"):
        table.add_column(col, justify="right", no_wrap=True)
    for i in range(W.shape[0]):
        feats = [j for j, r in enumerate(rep[i].tolist()) if r]
        pairs = analysis.antipodal_pairs(W[i])
        table.add_row(
            str(i),
            f"{p[i].item():.3f}",
            str(len(feats)),
            ",".join(map(str, feats)) or "-",
            f"{dpf[i].item():.3f}",
            " ".join(f"{a}-{b}" for a, b in pairs) or "-",
            f"{losses[i].item():.4f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
