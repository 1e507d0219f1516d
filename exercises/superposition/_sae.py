"""Real, cached SAE runs behind the trained SAE exercises (``sae_recovery``, ``sae_sparsity``).

The SAEs are trained (``superpos_core.optimize_sae``) on the hidden activations of trained
TMS models taken from the cached grid run of :mod:`exercises.superposition._trained`: a few of
its *sparse* instances (feature probability <= 0.1), where an SAE recovers every represented
feature (``superpos_core.sae`` docstring); dense instances are not recovered, so they are
left out. A claim about a setting follows the rule of every trained card (``_decide``): every
SAE is trained :data:`REPLICATES` (10) times from different random starts, and a *check run*
trains :data:`CHECK_REPLICATES` more at twice the steps on half-size batches; a claim is asked
only where 9 of the 10 and all check runs give it, each clear of its margin on every one of
the :data:`EVAL_SEEDS` evaluation batches. There are three runs, each the instances of ONE
batched SAE (the notebook's trick; ``l1_coeff`` is per instance, and the replicates are more
instances: replicate ``r`` of row ``i`` is instance ``r * rows + i``):

* ``base`` (``d_sae = SAE_D_SAE``): every recovery instance at the default ``l1_coeff``, plus
  an ``l1_coeff`` sweep on a few of them;
* ``small`` and ``large``: the same few at the default ``l1_coeff`` with fewer / more latents.

Training is shorter than ``SAE_TRAINING`` (batch 512, 2000 steps), which recovers the same
features on these instances at a fifth of the cost: the default deck's cold build stays small.
The learned weights are cached on disk (:func:`exercises.cache.cached_json`) keyed by the grid
run's key (which covers the training code) and everything below; their metrics on every
evaluation batch (``superpos_core.sae_metrics``) are cached and shipped the same way
(:data:`METRICS`), so a cold build reads them instead of measuring.
"""
from __future__ import annotations

import functools
import json
from typing import Any

from exercises.cache import cache_key, cached_json
from exercises.superposition import _decide as D
from exercises.superposition import _trained as T
from exercises.superposition._prebuilt import PREBUILT

NAMESPACE = "superposition-sae"
VERSION = 2  # 2: 10 replicates as instances of one run, and a check run
REPLICATES = D.SEEDS  # runs per SAE (instances of one batched run); a card's "run r" is replicate r
SEEDS = tuple(range(REPLICATES))  # the runs' indices, as cards and params name them
CHECK_REPLICATES = D.CHECK_SEEDS
SEED = 0  # the main run's random seed; the check run's is _decide.CHECK_SEED
D_SAE = 8  # superpos_core.SAE_D_SAE
L1 = 0.2  # superpos_core.SAE_TRAINING["l1_coeff"]
TRAINING = {"n_batch": 512, "steps": 2000, "lr": 1e-2, "lr_scale": "cosine_decay_lr",
            "resample_window": 250, "resample_until": 0.5}
CHECK = {**TRAINING, **D.check_budget(TRAINING["steps"], TRAINING["n_batch"])}
#: (feature probability, importance decay) of the TMS settings the recovery cards show.
RECOVERY = tuple((p, d) for p in (0.1, 0.05, 0.02) for d in (0.95, 0.85, 0.7, 0.5))
#: the settings swept over l1_coeff and d_sae (a subset of RECOVERY)
SWEEP = ((0.1, 0.85), (0.05, 0.7), (0.02, 0.95), (0.05, 0.5))
L1_SWEEP = (0.03, 0.1, 0.2, 0.6)
D_SAE_SWEEP = (3, 8, 16)
EVAL_BATCH = 8192
#: every SAE claim must hold on each of these independent evaluation batches (seeds of the batch
#: generator) of EVAL_BATCH inputs; the first one gives the numbers a card shows
EVAL_SEEDS = (0, 1, 2, 3, 4)
RUNS = {"base": D_SAE, "small": D_SAE_SWEEP[0], "large": D_SAE_SWEEP[-1]}


def tms_instance(setting: tuple[float, float]) -> int:
    """The TMS grid instance used for ``setting``: its first clear-cut replicate."""
    run = T.trained_run()
    s = T.grid().index({"feature_probability": setting[0], "importance_decay": setting[1]})
    summ = T.summaries(run)
    ks = T.instances_of(s)
    return next((k for k in ks if summ[k].clear), ks[0])


def layout() -> dict[str, list[dict[str, Any]]]:
    """Per run, its instances in order: ``{"setting": (p, decay), "l1_coeff": c}``."""
    base = [{"setting": s, "l1_coeff": L1} for s in RECOVERY]
    base += [{"setting": s, "l1_coeff": c} for s in SWEEP for c in L1_SWEEP if c != L1]
    sweep = [{"setting": s, "l1_coeff": L1} for s in SWEEP]
    return {"base": base, "small": sweep, "large": list(sweep)}


def payload(which: str = "main") -> dict[str, Any]:
    """Everything that determines the run ``"main"`` or ``"check"`` (the cache key)."""
    main = which == "main"
    return {"version": VERSION, "tms": T.run_key(), "replicates": REPLICATES if main else CHECK_REPLICATES,
            "seed": SEED if main else D.CHECK_SEED, "runs": RUNS, "layout": layout(), "eval_batch": EVAL_BATCH,
            **(TRAINING if main else CHECK)}


def run_key(which: str = "main") -> str:
    return cache_key(NAMESPACE, payload(which))


def tms_model(settings: list[tuple[float, float]]):
    """A real float32 Model whose instances are the TMS grid instances of ``settings`` (W, b_final,
    feature probability and importance as trained)."""
    from exercises.superposition._common import build_model

    run = T.trained_run()
    ks = [tms_instance(tuple(s)) for s in settings]
    return build_model(
        [run["W"][k] for k in ks],
        [run["b_final"][k] for k in ks],
        feature_probability=[[s[0]] for s in settings],
        importance=[[s[1] ** i for i in range(T.N_FEATURES)] for s in settings],
    )


def _train(spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train every run of ``spec`` (a :func:`payload`): per run, its rows times the replicates as
    the instances of one batched SAE. Stored per replicate: ``runs[name][r]``."""
    import time

    import torch

    import superpos_core
    from superpos_core import SAE, optimize_sae

    spec = payload() if spec is None else spec
    R, seed = spec["replicates"], spec["seed"]
    # the payload as JSON gives it back (lists, not tuples): the same whether trained or read from disk
    out: dict[str, Any] = {"payload": json.loads(json.dumps(spec)), "runs": {}, "train_seconds": {}}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread beats two, by far on a busy machine
    start = time.perf_counter()
    try:
        for name, d_sae in RUNS.items():
            rows = layout()[name]
            n = len(rows)
            model = tms_model([r["setting"] for r in rows] * R)
            l1 = torch.tensor([r["l1_coeff"] for r in rows] * R, dtype=torch.float32)
            t = time.perf_counter()
            sae = SAE.for_model(model, d_sae, seed=seed)
            optimize_sae(
                sae, model, l1_coeff=l1, n_batch=spec["n_batch"], steps=spec["steps"],
                lr=spec["lr"], lr_scale=getattr(superpos_core, spec["lr_scale"]),
                resample_window=spec["resample_window"], resample_until=spec["resample_until"],
                progress=False, seed=seed,
            )
            out["train_seconds"][name] = round(time.perf_counter() - t, 3)
            w = {k: getattr(sae, k).detach().double().tolist() for k in ("W_enc", "b_enc", "W_dec", "b_dec")}
            out["runs"][name] = [{k: v[r * n:(r + 1) * n] for k, v in w.items()} for r in range(R)]
    finally:
        torch.set_num_threads(threads)
    out["seconds"] = round(time.perf_counter() - start, 3)
    out["torch"] = torch.__version__
    return out


_RUN: dict[str, dict[str, Any]] = {}


def sae_run(which: str = "main") -> dict[str, Any]:
    """The cached SAE runs, ``"main"`` or ``"check"`` (trained on first use), read from disk once
    per process."""
    from exercises.cache import cache_dir

    spec = payload(which)
    memo = f"{cache_dir()}|{cache_key(NAMESPACE, spec)}"
    if memo not in _RUN:
        _RUN[memo] = cached_json(NAMESPACE, spec, lambda: _train(spec), prebuilt=PREBUILT)
    return _RUN[memo]


def check_run() -> dict[str, Any]:
    return sae_run("check")


def fresh_run(seed: int, replicates: int = 3) -> dict[str, Any]:
    """Every SAE retrained from run seed ``seed`` with ``replicates`` runs each (never cached): the
    retraining checks' independent runs, in :func:`sae_run`'s layout."""
    return _train({**payload(), "replicates": replicates, "seed": seed})


def load_sae(name: str, seed_index: int | None = None, run: dict[str, Any] | None = None):
    """Run ``name`` of replicate ``seed_index`` (``None``: every replicate, replicate-major, as
    trained) of ``run`` (default the cached main run) as a real float32 ``superpos_core.SAE``."""
    import torch

    from superpos_core import SAE, SAEConfig

    per = (sae_run() if run is None else run)["runs"][name]
    ws = per if seed_index is None else [per[seed_index]]
    w = {k: [x for r in ws for x in r[k]] for k in ("W_enc", "b_enc", "W_dec", "b_dec")}
    I, H, D_ = (len(w["W_enc"]), len(w["W_enc"][0]), len(w["W_enc"][0][0]))
    sae = SAE(SAEConfig(I, H, D_), device="cpu", dtype=torch.float32, seed=0)
    with torch.no_grad():
        for k in ("W_enc", "b_enc", "W_dec", "b_dec"):
            getattr(sae, k).copy_(torch.tensor(w[k], dtype=torch.float32))
    return sae


def measure(run: dict[str, Any], eval_seed: int) -> dict[str, list[list[dict[str, Any]]]]:
    """``superpos_core.sae_metrics`` of every SAE of ``run`` on the evaluation batch of
    ``eval_seed`` (``EVAL_BATCH`` inputs per SAE; every replicate is measured at once, each
    instance on its own inputs): ``[run name][replicate][instance]`` as
    :meth:`SAEMetrics.instance` dicts."""
    import torch

    from superpos_core import sae_metrics

    out = {}
    for name in RUNS:
        rows = layout()[name]
        n, R = len(rows), len(run["runs"][name])
        model = tms_model([r["setting"] for r in rows] * R)
        l1 = torch.tensor([r["l1_coeff"] for r in rows] * R, dtype=torch.float32)
        m = sae_metrics(load_sae(name, None, run), model, l1_coeff=l1, n_batch=EVAL_BATCH, seed=eval_seed)
        out[name] = [[m.instance(r * n + i) for i in range(n)] for r in range(R)]
    return out


METRICS = f"{NAMESPACE}-metrics"


def metrics_payload(which: str = "main") -> dict[str, Any]:
    """What determines the measurements of run ``which`` (cached and shipped like the runs: a
    cold build reads them instead of measuring 2,000 SAE x batch pairs)."""
    return {"run": payload(which), "eval_seeds": list(EVAL_SEEDS)}


@functools.lru_cache(maxsize=4)
def _measured_all(key: str, which: str) -> tuple:
    def compute() -> list:
        run = sae_run(which)
        return [measure(run, e) for e in EVAL_SEEDS]

    return tuple(cached_json(METRICS, metrics_payload(which), compute, prebuilt=PREBUILT))


def measured() -> dict[str, list[list[dict[str, Any]]]]:
    """``superpos_core.sae_metrics`` of every run on the first evaluation batch:
    ``[run][replicate][instance]`` as :meth:`SAEMetrics.instance` dicts, computed once per
    process and run (the numbers a card shows)."""
    return _measured_all(run_key(), "main")[0]


def measured_batches(which: str = "main") -> tuple:
    """:func:`measured` of the ``which`` run on each batch of :data:`EVAL_SEEDS` (a claim must
    hold on every one)."""
    return _measured_all(run_key(which), which)


def W_of(setting) -> list[list[float]]:
    """The TMS model's learned W ``[features, hidden]`` of ``setting``."""
    return T.trained_run()["W"][tms_instance(tuple(setting))]


def W_dec_of(name: str, seed_index: int, i: int) -> list[list[float]]:
    return sae_run()["runs"][name][seed_index]["W_dec"][i]


def describe(setting) -> str:
    return (f"feature probability {setting[0]:g} and importance \\({setting[1]:g}^i\\) for feature i")


def training_text() -> str:
    """How the SAEs were trained, in words (card text)."""
    return (f"{TRAINING['steps']} Adam steps on batches of {TRAINING['n_batch']} hidden vectors, decoder rows "
            f"kept at unit norm, dead latents resampled; {D.training_text(REPLICATES)}")
