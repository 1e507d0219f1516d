"""The cached sweeps behind the paper-result families of issue 13 (linear vs ReLU, the phase
diagram, correlated features, the privileged basis).

Each family reads ONE small :class:`superpos_core.Sweep` (a grid of settings x 10 training
seeds trained as the instances of one batched model) and its check run (3 seeds, twice the
steps at half the batch: see ``_decide``), cached on disk (and shipped prebuilt, ``_prebuilt``) with
:func:`exercises.cache.cached_json` under a key made of everything that determines it -- the
run's parameters and a digest of ``superpos_core`` -- exactly as ``_trained`` caches the
notebook grid. Answers and pictures are recomputed from the cached ``W``. Questions are
balanced over their answers with ``_trained.pick`` (the same dealing, one place).

The runs are kept small because the default deck trains every one of them cold; their
budgets are in :data:`RUNS` and their measured cost in each cache entry (``train_seconds``).
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from exercises.cache import cache_dir, cache_key, cached_json, modules_digest
from exercises.superposition import _decide as D
from exercises.superposition._prebuilt import PREBUILT

VERSION = 2  # bump when the meaning of a cached entry changes
NAMESPACE = "superposition-runs"
SEEDS = D.SEEDS  # training seeds per setting (instances of one batched run)
#: runs whose cards ask only about the run shown (or that only a figure reads): no check run, fewer seeds
RUN_SCOPE = {"privileged_basis": 3, "dimensionality": 1, "phase_3in2": 5}

# Row/column values of each run and its training budget. ``train`` below turns a spec into
# a Sweep; the spec is part of the cache key.
RUNS: dict[str, dict[str, Any]] = {
    # 5 features in 2 dimensions, importance 0.7**rank with the rank order permuted per
    # column, feature probability per row; trained with both output models.
    "linear_vs_relu": {
        "n_features": 5, "n_hidden": 2,
        "probabilities": [1.0, 0.3, 0.1, 0.03],
        "orders": [[0, 1, 2, 3, 4], [3, 0, 4, 1, 2], [2, 4, 1, 0, 3], [4, 3, 2, 1, 0], [1, 3, 0, 2, 4], [2, 0, 3, 4, 1]],
        "decay": 0.7, "kinds": ["linear", "relu"],
        "steps": 2000, "n_batch": 512, "lr": 1e-2,
    },
    # the paper's 2 features in 1 dimension on a coarse grid
    "phase_diagram": {
        "rows": 8, "cols": 8, "steps": 3000, "n_batch": 512, "lr": 3e-3,
    },
    # 4 features in 2 dimensions grouped (0, 1), (2, 3): correlated when sparse, anticorrelated when dense
    "correlated": {
        "n_features": 4, "n_hidden": 2,
        "correlated": [0.05, 0.04, 0.03, 0.025, 0.02, 0.015], "anticorrelated": [0.5, 0.475, 0.45, 0.425, 0.4],
        "steps": 3000, "n_batch": 512, "lr": 3e-3,
    },
    # the hidden-ReLU model: 6 features into 3 neurons, importance decay per column
    "privileged_basis": {
        "n_features": 6, "n_hidden": 3,
        "probabilities": [1.0, 0.3, 0.1, 0.03], "decays": [0.9, 0.8, 0.7],
        "steps": 3000, "n_batch": 512, "lr": 1e-2,
    },
    # the paper's second small phase diagram: 3 features in 2 dimensions, features 0 and 1 of
    # importance 1, the extra feature 2 of relative importance per column, all of probability per
    # row; read only by ``cardgen figures`` (best of 5 seeds per cell by eval loss, as the paper)
    "phase_3in2": {
        "n_features": 3, "n_hidden": 2, "rows": 8, "cols": 8, "steps": 3000, "n_batch": 512, "lr": 3e-3,
    },
    # the paper's "feature dimensionality" experiment (many more features than dimensions, equal
    # importance, sparsity per row), read only by ``cardgen figures``
    "dimensionality": {
        "n_features": 100, "n_hidden": 10,
        "probabilities": [1.0, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.035, 0.025, 0.018, 0.012, 0.008],
        "steps": 6000, "n_batch": 512, "lr": 3e-3,
    },
}


@functools.cache
def _code() -> str:
    from exercises.superposition._trained import TRAINING_MODULES

    return modules_digest(TRAINING_MODULES, ("torch", "numpy"))


def payload(name: str, which: str = "main") -> dict[str, Any]:
    """Everything that determines run ``name``'s ``"main"`` or ``"check"`` run (see ``_decide``)."""
    spec = {"version": VERSION, "code": _code(), "name": name, "seeds": RUN_SCOPE.get(name, SEEDS), "seed": 0,
            **RUNS[name]}
    if which == "check":
        spec.update(seeds=D.CHECK_SEEDS, seed=D.CHECK_SEED, **D.check_budget(spec["steps"], spec["n_batch"]))
    return spec


def run_key(name: str) -> str:
    return cache_key(f"{NAMESPACE}-{name}", payload(name))


def _train_linear_vs_relu(spec) -> dict:
    from superpos_core import train_sweep

    orders = spec["orders"]

    def setting(p, c):
        order = orders[int(c)]
        return [spec["decay"] ** order[i] for i in range(spec["n_features"])], p

    return {kind: train_sweep(spec["n_features"], spec["n_hidden"], "feature_probability", spec["probabilities"],
                              "order", range(len(orders)), setting, n_seeds=spec["seeds"], seed=spec["seed"], kind=kind,
                              steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], device="cpu", eval_batch=512,
                              single_thread=True).to_dict()
            for kind in spec["kinds"]}


def _train_phase_diagram(spec) -> dict:
    from superpos_core.sweep import (
        default_importances,
        default_probabilities,
        phase_diagram,
    )

    sw = phase_diagram(default_importances(spec["cols"]), default_probabilities(spec["rows"]), n_seeds=spec["seeds"],
                       seed=spec["seed"], steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], device="cpu",
                       single_thread=True)
    return {"phase": sw.to_dict()}


def _train_correlated(spec) -> dict:
    from superpos_core import train_sweep

    return {kind: train_sweep(spec["n_features"], spec["n_hidden"], "feature_probability", spec[kind], "column", [1.0],
                              lambda p, c: (1.0, p), n_seeds=spec["seeds"], seed=spec["seed"], correlation=kind,
                              steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], device="cpu", eval_batch=512,
                              single_thread=True).to_dict()
            for kind in ("correlated", "anticorrelated")}


def _train_privileged_basis(spec) -> dict:
    from superpos_core import train_sweep

    F = spec["n_features"]
    return {"hidden_relu": train_sweep(
        F, spec["n_hidden"], "feature_probability", spec["probabilities"], "importance_decay", spec["decays"],
        lambda p, d: ([d**i for i in range(F)], p), n_seeds=spec["seeds"], seed=spec["seed"], kind="hidden_relu",
        steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], device="cpu", eval_batch=512,
        single_thread=True).to_dict()}


def _train_phase_3in2(spec) -> dict:
    from superpos_core import train_sweep
    from superpos_core.sweep import default_importances, default_probabilities

    F = spec["n_features"]
    return {"phase": train_sweep(F, spec["n_hidden"], "feature_probability", default_probabilities(spec["rows"]),
                                 "importance", default_importances(spec["cols"]),
                                 lambda p, r: ([1.0] * (F - 1) + [r], p), n_seeds=spec["seeds"], seed=spec["seed"],
                                 steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], device="cpu",
                                 eval_batch=4096, single_thread=True).to_dict()}


def _train_dimensionality(spec) -> dict:
    from superpos_core import train_sweep

    return {"relu": train_sweep(spec["n_features"], spec["n_hidden"], "feature_probability", spec["probabilities"],
                                "column", [1.0], lambda p, c: (1.0, p), n_seeds=spec["seeds"], seed=spec["seed"],
                                steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], device="cpu",
                                eval_batch=512, single_thread=True).to_dict()}


_TRAIN: dict[str, Callable[[dict], dict]] = {
    "linear_vs_relu": _train_linear_vs_relu,
    "phase_diagram": _train_phase_diagram,
    "correlated": _train_correlated,
    "privileged_basis": _train_privileged_basis,
    "dimensionality": _train_dimensionality,
    "phase_3in2": _train_phase_3in2,
}

_MEMO: dict[str, dict] = {}


def run(name: str, which: str = "main") -> dict[str, Any]:
    """``{"sweeps": {label: Sweep}, "train_seconds": ...}`` of run ``name`` (its ``"main"`` or
    ``"check"`` run), trained on first use and read from disk once per process and cache directory."""
    from superpos_core import Sweep

    spec = payload(name, which)
    memo = f"{cache_dir()}|{cache_key(f'{NAMESPACE}-{name}', spec)}"
    if memo not in _MEMO:
        def compute() -> dict:
            start = time.perf_counter()
            sweeps = _TRAIN[name](spec)
            return {"payload": spec, "sweeps": sweeps, "train_seconds": round(time.perf_counter() - start, 3)}

        raw = cached_json(f"{NAMESPACE}-{name}", spec, compute, prebuilt=PREBUILT)
        _MEMO[memo] = {"sweeps": {k: Sweep.from_dict(v) for k, v in raw["sweeps"].items()},
                       "train_seconds": raw["train_seconds"]}
    return _MEMO[memo]


def sweeps(name: str) -> dict:
    return run(name)["sweeps"]


def check_sweeps(name: str) -> dict:
    """The check run's sweeps (twice the steps, half the batch, other seeds: see ``_decide``)."""
    return run(name, "check")["sweeps"]


def fresh_sweeps(name: str, seed: int, n_seeds: int = 3) -> dict:
    """Run ``name``'s main settings retrained from run seed ``seed`` (never cached): the
    retraining checks' independent runs."""
    from superpos_core import Sweep

    raw = _TRAIN[name]({**payload(name), "seeds": n_seeds, "seed": seed})
    return {k: Sweep.from_dict(v) for k, v in raw.items()}


def arrange(n: int, answer: int, slot: int, rng) -> list[int]:
    """An order of ``n`` choice options (new position -> original index) with the answer at
    position ``slot % n`` and the others shuffled: over consecutive seeds every letter is the
    answer equally often, so no letter is the one to guess."""
    rest = [i for i in range(n) if i != answer]
    rng.shuffle(rest)
    pos = slot % n
    return rest[:pos] + [answer] + rest[pos:]


def runs_text() -> str:
    return D.training_text(SEEDS)
