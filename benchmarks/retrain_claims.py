"""Retrain every trained card's setting claims with seeds the cache never used (issue 20).

Every claim a trained family asks of a setting (not "in this run" questions) is checked
against 3 fresh training seeds per setting (run seeds from ``_decide.FRESH_SEED``), read with
the plain rule a learner uses; SAE claims also against the cached SAEs on 5 fresh evaluation
batches of 8,192 inputs and 3 freshly trained SAEs. The trained_* grid's, the phase diagram's and
linear_vs_relu's ReLU claims are retrained a second time with an independent trainer, the
notebook's own code (``_notebook_trainer``; skip with --no-independent). Target: >= 95% of fresh answers reproduced
in every family (freshly trained SAEs included), and every claim of the cached SAEs on every fresh
evaluation batch.

    python benchmarks/retrain_claims.py [--seeds 3] [--no-independent]
"""
from __future__ import annotations

import argparse
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-independent", action="store_true", help="skip the notebook-trainer retraining")
    args = parser.parse_args()
    from exercises.superposition import _retrain as X

    start = time.perf_counter()
    tallies = X.check_grid(args.seeds) + X.check_runs(args.seeds) + X.check_sae(args.seeds)
    if not args.no_independent:
        tallies += X.check_independent(args.seeds)
    ok = True
    for t in tallies:
        target = 1.0 if "fresh batches" in t.family else 0.95
        good = t.rate >= target
        ok &= good
        print(("ok   " if good else "FAIL ") + t.line())
        for miss in t.misses[:5]:
            print("       " + miss)
    claims = sum(t.claims for t in tallies)
    print(f"{claims} claims, {sum(t.held for t in tallies)}/{sum(t.answers for t in tallies)} fresh answers "
          f"reproduced, {time.perf_counter() - start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
