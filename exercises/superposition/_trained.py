"""One real, cached TMS training run behind every "trained" exercise.

The notebook's trick: a grid of settings (feature probability × importance decay) is
trained as the instances of ONE batched model, so all trained variants cost a single run.
The run is cached on disk (:func:`exercises.cache.cached_json`) keyed by everything that
determines it, with the learned ``W`` stored as nested lists; answers and pictures are
recomputed from that ``W`` with ``superpos_core.analysis``. Each variant picks one
instance of the grid with its seed.

Knife edges: an instance is only asked about when its answer is clear-cut. Every feature
norm must be at least ``NORM_MARGIN`` away from the 0.5 "represented" threshold, and for
antipodal questions every pair of represented features must be clearly antipodal (cosine
below ``-ANTIPODAL_CLEAR``) or clearly not (cosine above ``-AMBIGUOUS_BELOW``). Instances
that fail are skipped when sampling (they stay in the run; only the questions avoid them).
"""
from __future__ import annotations

import functools
import random
from typing import Any

from exercises.cache import cache_key, cached_json, code_digest

NAMESPACE = "superposition-tms-grid"
N_FEATURES = 5
N_HIDDEN = 2
PROBABILITIES = (1.0, 0.3, 0.1, 0.03, 0.01)
DECAYS = (0.9, 0.7, 0.5)
# ~5 s of CPU time on one core; converged enough for the paper's picture (dense: the top 2
# features; sparser: antipodal pairs, then a pentagon when importance decays slowly)
TRAINING = {"n_batch": 512, "steps": 2000, "lr": 2e-2, "lr_scale": "cosine_decay_lr"}
SEED = 0
VERSION = 1  # bump when the meaning of a cached entry changes

THRESHOLD = 0.5  # superpos_core.REPRESENTED_THRESHOLD: represented when ||W_i|| > 0.5
NORM_MARGIN = 0.1
# superpos_core.antipodal_pairs calls a pair antipodal below cosine -0.9; an instance is
# only asked about when no pair lies in the band around it, [-0.985, -0.85] (about 148° to
# 170°), so what the eye sees (a line vs. a pentagon) and the answer always agree.
ANTIPODAL_CLEAR = 0.985
AMBIGUOUS_BELOW = 0.85


def grid() -> list[dict[str, float]]:
    """The settings of the instances, in instance order."""
    return [{"feature_probability": p, "importance_decay": d} for d in DECAYS for p in PROBABILITIES]


@functools.cache
def _training_code() -> str:
    """The training code's digest: a changed superpos_core trains afresh (once per process)."""
    return code_digest(("superpos_core",), ("torch", "numpy"))


def payload() -> dict[str, Any]:
    """Everything that determines the run, the training code included: the cache key."""
    return {
        "version": VERSION,
        "code": _training_code(),
        "n_features": N_FEATURES,
        "n_hidden": N_HIDDEN,
        "grid": grid(),
        "seed": SEED,
        **TRAINING,
    }


def run_key() -> str:
    """A short id of the run (its cache key), kept in each trained variant's params."""
    return cache_key(NAMESPACE, payload())


def _train() -> dict[str, Any]:
    import time

    import torch
    import superpos_core

    settings = grid()
    probs = torch.tensor([[s["feature_probability"]] for s in settings], dtype=torch.float64)
    importance = torch.tensor(
        [[s["importance_decay"] ** k for k in range(N_FEATURES)] for s in settings], dtype=torch.float64
    )
    model = superpos_core.Model(
        superpos_core.Config(n_features=N_FEATURES, n_hidden=N_HIDDEN, n_instances=len(settings)),
        feature_probability=probs,
        importance=importance,
        device="cpu",
        seed=SEED,
    )
    # The tensors are tiny ([15, 512, 5]): one thread beats two, and by far on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    try:
        losses = superpos_core.optimize(
            model,
            n_batch=TRAINING["n_batch"],
            steps=TRAINING["steps"],
            lr=TRAINING["lr"],
            lr_scale=getattr(superpos_core, TRAINING["lr_scale"]),
            progress=False,
            seed=SEED,
        )
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - start
    return {
        "payload": payload(),
        "W": model.W.detach().double().tolist(),
        "b_final": model.b_final.detach().double().tolist(),
        "losses": [float(x) for x in losses],
        "train_seconds": round(seconds, 3),
        "torch": torch.__version__,
    }


def trained_run() -> dict[str, Any]:
    """The cached run (trained on first use, in well under a minute on a laptop CPU)."""
    return cached_json(NAMESPACE, payload(), _train)


def instance_W(run: dict[str, Any], k: int):
    """Instance ``k``'s learned W as a [1, features, hidden] float64 tensor."""
    import torch

    return torch.tensor([run["W"][k]], dtype=torch.float64)


def describe(k: int) -> str:
    s = grid()[k]
    return (
        f"feature probability {s['feature_probability']:g} and importance "
        f"\\({s['importance_decay']:g}^i\\) for feature i"
    )


def clear_cut(run: dict[str, Any], k: int, antipodal: bool = False) -> bool:
    """Whether instance ``k`` is safely away from the thresholds (see module docstring)."""
    import superpos_core

    W = instance_W(run, k)
    norms = [float(v) for v in superpos_core.feature_norms(W)[0]]
    if any(abs(n - THRESHOLD) < NORM_MARGIN for n in norms):
        return False
    if antipodal:
        G = W[0] @ W[0].T
        rep = [i for i, n in enumerate(norms) if n > THRESHOLD]
        for a in rep:
            for b in rep:
                if a < b:
                    cos = float(G[a, b]) / (norms[a] * norms[b])
                    if -ANTIPODAL_CLEAR <= cos <= -AMBIGUOUS_BELOW:
                        return False
    return True


def pick_instance(rng: random.Random, antipodal: bool = False) -> tuple[dict[str, Any], int]:
    """The run and an instance whose answer is clear-cut, drawn with ``rng``."""
    run = trained_run()
    eligible = [k for k in range(len(grid())) if clear_cut(run, k, antipodal)]
    if not eligible:  # pragma: no cover - the grid is chosen so that this cannot happen
        raise RuntimeError("no trained instance is clear-cut; retrain with another seed")
    return run, rng.choice(eligible)


def geometry_picture(run: dict[str, Any], k: int):
    """The feature-geometry PNG of instance ``k`` as an :class:`~exercises.base.Image`."""
    from superpos_core.plots import feature_geometry_png

    from exercises.superposition._common import png_image

    return png_image("tms-geometry", feature_geometry_png(instance_W(run, k)[0]))
