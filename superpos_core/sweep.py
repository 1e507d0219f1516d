"""Sweeps: a grid of settings trained as the instances of one batched model.

The paper's phase diagrams and sparsity curves need a model per setting and
several training seeds per model, because a seed can land in a local optimum.
The notebook's trick already trains ``n_instances`` independent models at once;
a sweep lays a ``rows x cols`` grid of per-feature importance/probability
settings, times ``n_seeds`` replicates, along that instance axis, so the whole
grid costs one call to :func:`superpos_core.optimize` (instance
``(r * cols + c) * n_seeds + s``). The replicates of a cell differ in their
initial ``W`` and their batches, drawn from the one ``seed`` of the run, so a
result is reproducible from the sweep's parameters alone. (The notebook's Xavier
init scales with the number of instances, so the same cell in a differently sized
sweep starts from another ``W``.) :func:`train_size_sweep` does the same over
``n_features x n_hidden``, each cell embedded in a model of the largest size.

A :class:`Sweep` keeps the trained weights as plain data (``to_dict`` /
``from_dict``, JSON-ready) so it can be cached and read back without torch's
pickles; the pictures are in :mod:`superpos_core.plots`.

The phase diagram (:func:`phase_diagram`) is the paper's "Superposition as a
Phase Change" experiment: 2 features in 1 hidden dimension, feature 0 of
importance 1, feature 1 (the "extra" feature) of relative importance ``r``
(columns), both of feature probability ``p = 1 - S`` (rows), as in the paper's
figure. :func:`classify_phase` names what the model did with the extra feature:

* ``"ignored"`` -- not represented (feature 0 keeps the dimension): dense and
  ``r < 1``;
* ``"dedicated"`` -- the extra feature gets the dimension and feature 0 is
  dropped: dense and ``r > 1``;
* ``"superposed"`` -- both represented, antipodally (``W = [w, -w']``): sparse
  features, over a band of ``r`` around 1 that widens as sparsity grows.

:data:`PHASE_STEPS` and :data:`PHASE_BATCH` are the training budget chosen by
``benchmarks/phase_diagram.py``: short enough for a 20 x 20 x 3 grid in well
under a minute on 2 cores, long enough that doubling either leaves the phases
unchanged.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import MISSING, asdict, dataclass, fields

__all__ = [
    "Sweep",
    "train_sweep",
    "train_size_sweep",
    "PHASES",
    "PHASE_STEPS",
    "PHASE_BATCH",
    "PHASE_LR",
    "phase_diagram",
    "classify_phase",
    "phases",
    "cell_phase",
    "phase_grid",
    "evaluate_losses",
    "default_importances",
    "default_probabilities",
]

PHASES = ("ignored", "dedicated", "superposed")
"""The three phases of the 2-features-in-1-dimension diagram (see :func:`classify_phase`);
anything else is ``"other"``."""

PHASE_STEPS = 5_000
PHASE_BATCH = 512
PHASE_LR = 1e-3


@dataclass(frozen=True)
class Sweep:
    """A trained grid. ``importance``/``feature_probability`` are ``[rows][cols][F]``,
    ``W`` is ``[rows][cols][seeds][F][H]``, ``b_final`` ``[rows][cols][seeds][F]``, ``loss``
    (last training step) and ``eval_loss`` (on fresh batches after training, see
    :func:`train_sweep`) ``[rows][cols][seeds]``, all nested lists of floats."""

    kind: str
    n_features: int
    n_hidden: int
    row_name: str
    row_values: list
    col_name: str
    col_values: list
    n_seeds: int
    steps: int
    n_batch: int
    lr: float
    seed: int
    importance: list
    feature_probability: list
    W: list
    b_final: list
    loss: list
    eval_loss: list
    correlation: str | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(rows, cols, seeds)``."""
        return len(self.row_values), len(self.col_values), self.n_seeds

    def instance(self, r: int, c: int, s: int):
        """``W`` of one trained model, a ``[F, H]`` float32 tensor (what :mod:`analysis` takes)."""
        import torch

        return torch.tensor(self.W[r][c][s], dtype=torch.float32)

    def W_tensor(self):
        """All weights, ``[rows, cols, seeds, F, H]``."""
        import torch

        return torch.tensor(self.W, dtype=torch.float32)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Sweep:
        names = {f.name for f in fields(cls)}
        missing = {f.name for f in fields(cls) if f.default is MISSING} - set(d)
        if missing:
            raise ValueError(f"not a Sweep: missing {', '.join(sorted(missing))}")
        return cls(**{k: d[k] for k in names if k in d})


def _nested(t, depth_shape) -> list:
    """A tensor reshaped to ``depth_shape`` as nested lists of Python floats."""
    return t.detach().to("cpu").reshape(depth_shape).tolist()


def train_sweep(
    n_features: int,
    n_hidden: int,
    row_name: str,
    row_values,
    col_name: str,
    col_values,
    setting,
    *,
    n_seeds: int = 3,
    kind: str = "relu",
    correlation: str | None = None,
    steps: int = 10_000,
    n_batch: int = 1024,
    lr: float = 1e-3,
    seed: int = 0,
    device=None,
    progress: bool = False,
    eval_batch: int = 16_384,
    single_thread: bool | None = True,
) -> Sweep:
    """Train every ``(row, col)`` cell ``n_seeds`` times as one batched model.

    ``eval_loss`` is each model's loss on ``eval_batch`` fresh rows drawn after
    training (the last step's loss is one small batch: too noisy to tell which seed
    found the better optimum). ``single_thread`` (default True) is passed to
    :func:`superpos_core.optimize`: on a shared 2-core machine one torch thread plus
    a core drawing batches is far more robust to load than two threads (1200
    instances at batch 512, load average ~6: 9-16 ms/step against 95-175 ms/step;
    two threads on an idle machine: ~6 ms/step). Results do not depend on it.

    ``setting(row_value, col_value)`` returns the cell's ``(importance,
    feature_probability)``, each a length-``n_features`` sequence (or a number for
    all features). ``kind`` names the model (see
    :data:`superpos_core.variants.MODEL_KINDS`), ``correlation`` the batches (see
    :class:`superpos_core.Model`). Training is
    :func:`superpos_core.optimize` with a constant learning rate ``lr``.
    """
    import torch

    from .variants import model_class

    cls = model_class(kind)
    if n_seeds < 1:
        raise ValueError("n_seeds must be >= 1")
    rows = [float(v) for v in row_values]
    cols = [float(v) for v in col_values]
    if not rows or not cols:
        raise ValueError("a sweep needs at least one row and one column value")
    R, C, S, F = len(rows), len(cols), n_seeds, n_features

    imp, prob = [], []
    for rv in rows:
        imp_row, prob_row = [], []
        for cv in cols:
            i_, p_ = setting(rv, cv)
            imp_row.append(_per_feature(i_, F, "importance", f"{rv}, {cv}").tolist())
            prob_row.append(_per_feature(p_, F, "feature_probability", f"{rv}, {cv}").tolist())
        imp.append(imp_row)
        prob.append(prob_row)
    # [R, C, F] -> one row per instance, seeds innermost
    imp_t = torch.tensor(imp).repeat_interleave(S, dim=1).reshape(R * C * S, F)
    prob_t = torch.tensor(prob).repeat_interleave(S, dim=1).reshape(R * C * S, F)
    model, losses, eval_losses = _train_instances(
        cls, n_hidden, imp_t, prob_t, correlation=correlation, steps=steps, n_batch=n_batch, lr=lr, seed=seed,
        device=device, progress=progress, eval_batch=eval_batch, single_thread=single_thread)
    return Sweep(
        kind=kind,
        n_features=F,
        n_hidden=n_hidden,
        row_name=row_name,
        row_values=rows,
        col_name=col_name,
        col_values=cols,
        n_seeds=S,
        steps=steps,
        n_batch=n_batch,
        lr=lr,
        seed=seed,
        importance=imp,
        feature_probability=prob,
        W=_nested(model.W, (R, C, S, F, n_hidden)),
        b_final=_nested(model.b_final, (R, C, S, F)),
        loss=_nested(losses, (R, C, S)),
        eval_loss=_nested(eval_losses, (R, C, S)),
        correlation=correlation,
    )


def train_size_sweep(
    feature_counts,
    hidden_sizes,
    setting=None,
    *,
    n_seeds: int = 3,
    kind: str = "relu",
    steps: int = 10_000,
    n_batch: int = 1024,
    lr: float = 1e-3,
    seed: int = 0,
    device=None,
    progress: bool = False,
    eval_batch: int = 16_384,
    single_thread: bool | None = True,
) -> Sweep:
    """Train an ``n_features x n_hidden`` grid (rows: ``feature_counts``, cols:
    ``hidden_sizes``) ``n_seeds`` times as one batched model of the largest size.

    A smaller model is embedded exactly: its extra features have probability 0 and
    importance 0 (never present, never scored) and its extra ``W`` entries start at
    0 with their gradient masked (``model.W_mask``), so AdamW keeps them at 0 and
    the real block trains as the small model would -- up to the init, whose Xavier
    scale comes from the padded shape, and the loss, a mean over the padded
    features (a constant factor Adam does not see). ``loss``/``eval_loss`` are
    rescaled to the cell's own features. ``setting(n_features, n_hidden)`` gives
    ``(importance, feature_probability)`` for the cell's features (default: 1 and
    0.05, the paper's sparse regime). ``W[r][c][s]`` is ``[F_r][H_c]``: ragged, so
    read cells with :meth:`Sweep.instance` (``W_tensor`` needs equal sizes).
    """
    import torch

    from .variants import model_class

    cls = model_class(kind)
    if setting is None:
        setting = lambda n_f, n_h: (1.0, 0.05)
    Fs = [int(v) for v in feature_counts]
    Hs = [int(v) for v in hidden_sizes]
    if not Fs or not Hs or min(Fs) < 1 or min(Hs) < 1:
        raise ValueError("feature_counts and hidden_sizes must be non-empty lists of positive integers")
    if n_seeds < 1:
        raise ValueError("n_seeds must be >= 1")
    R, C, S, Fm, Hm = len(Fs), len(Hs), n_seeds, max(Fs), max(Hs)
    I = R * C * S
    imp = torch.zeros(I, Fm, dtype=torch.float64)
    prob = torch.zeros(I, Fm, dtype=torch.float64)
    mask = torch.zeros(I, Fm, Hm)
    imp_cells, prob_cells = [], []
    for r, nf in enumerate(Fs):
        imp_row, prob_row = [], []
        for c, nh in enumerate(Hs):
            i_, p_ = setting(nf, nh)
            cell = [_per_feature(v, nf, what, f"{nf}, {nh}") for v, what in ((i_, "importance"), (p_, "feature_probability"))]
            imp_row.append(cell[0].tolist())
            prob_row.append(cell[1].tolist())
            k = (r * C + c) * S
            imp[k : k + S, :nf] = cell[0]
            prob[k : k + S, :nf] = cell[1]
            mask[k : k + S, :nf, :nh] = 1
        imp_cells.append(imp_row)
        prob_cells.append(prob_row)
    model, losses, eval_losses = _train_instances(
        cls, Hm, imp, prob, W_mask=mask, steps=steps, n_batch=n_batch, lr=lr, seed=seed, device=device,
        progress=progress, eval_batch=eval_batch, single_thread=single_thread)
    W = model.W.detach().cpu()
    b = model.b_final.detach().cpu()

    def per_cell(fn):
        return [[[fn((r * C + c) * S + s, nf, nh) for s in range(S)] for c, nh in enumerate(Hs)] for r, nf in enumerate(Fs)]

    return Sweep(
        kind=kind,
        n_features=Fm,
        n_hidden=Hm,
        row_name="n_features",
        row_values=[float(v) for v in Fs],
        col_name="n_hidden",
        col_values=[float(v) for v in Hs],
        n_seeds=S,
        steps=steps,
        n_batch=n_batch,
        lr=lr,
        seed=seed,
        importance=imp_cells,
        feature_probability=prob_cells,
        W=per_cell(lambda i, nf, nh: W[i, :nf, :nh].tolist()),
        b_final=per_cell(lambda i, nf, nh: b[i, :nf].tolist()),
        loss=per_cell(lambda i, nf, nh: float(losses[i]) * Fm / nf),
        eval_loss=per_cell(lambda i, nf, nh: float(eval_losses[i]) * Fm / nf),
    )


def _per_feature(value, n: int, what: str, cell: str):
    """``value`` (one number, or one per feature) as ``n`` float64 values; a ValueError naming
    the cell's setting otherwise."""
    import torch

    t = torch.as_tensor(value, dtype=torch.float64).flatten()
    if t.numel() == 1:
        t = t.expand(n)
    if t.numel() != n:
        raise ValueError(f"setting({cell}) gave {t.numel()} {what} values for {n} features")
    return t


def _train_instances(cls, n_hidden: int, imp, prob, *, W_mask=None, correlation=None, steps, n_batch, lr, seed,
                     device, progress, eval_batch, single_thread):
    """The body both sweeps share: one batched model of class ``cls`` whose instance ``k`` has
    importance ``imp[k]`` and feature probability ``prob[k]`` (``[I, F]`` float64), its
    masked ``W`` entries (``W_mask``, if any) held at 0, trained by
    :func:`superpos_core.optimize` and scored on fresh batches. Returns the model, the last
    step's losses and the evaluation losses (``[I]`` each)."""
    import torch

    from .model import Config
    from .train import optimize

    if not torch.all((prob >= 0) & (prob <= 1)):
        raise ValueError("feature probabilities must lie in [0, 1]")
    I, F = prob.shape
    model = cls(
        Config(n_features=F, n_hidden=n_hidden, n_instances=I),
        feature_probability=prob.float(),
        importance=imp.float(),
        device=device,
        seed=seed,
        correlation=correlation,
    )
    if W_mask is not None:
        model.W_mask = W_mask.to(model.W.device)
        with torch.no_grad():
            model.W.mul_(model.W_mask)
    losses = optimize(model, n_batch=n_batch, steps=steps, lr=lr, progress=progress, single_thread=single_thread)
    return model, losses, evaluate_losses(model, eval_batch, single_thread=single_thread)


def evaluate_losses(model, n_rows: int = 16_384, chunk: int = 4096, generator=None, single_thread=None):
    """Per-instance loss ``[I]`` (the notebook's objective) on fresh batches of
    ``chunk`` rows, ``ceil(n_rows / chunk)`` of them, drawn and computed by the
    training step's own machinery (fast generator, any model kind and correlation).
    Randomness: ``generator``, else ``model.generator``. ``single_thread`` as in
    :func:`superpos_core.optimize`."""
    import torch

    from .loop import runs_small, torch_threads
    from .train import _Trainer

    if generator is None:
        generator = model.generator
    n_chunks = max(1, -(-n_rows // chunk))
    c = model.config
    with torch_threads(runs_small(c.n_instances * chunk * c.n_features, model.W.device, single_thread)):
        tr = _Trainer(model, chunk, with_opt=False, generator=generator)
        try:
            total = torch.zeros(c.n_instances, dtype=torch.float64, device=model.W.device)
            for _ in range(n_chunks):
                tr.grads(tr.sample())
                total += tr.losses().double()
        finally:
            tr.close()
    return (total / n_chunks).float().cpu()


# ---------------------------------------------------------------------------------------
# the phase diagram of 2 features in 1 dimension
# ---------------------------------------------------------------------------------------
def default_importances(n: int = 20) -> list[float]:
    """``n`` relative importances of the extra feature, log-spaced over [0.1, 10] (the paper's range)."""
    return [10 ** (-1 + 2 * k / (n - 1)) for k in range(n)] if n > 1 else [1.0]


def default_probabilities(n: int = 20) -> list[float]:
    """``n`` feature probabilities ``p = 1 - S``, log-spaced from 1 (dense) down to 0.01."""
    return [10 ** (-2 * k / (n - 1)) for k in range(n)] if n > 1 else [1.0]


def phase_diagram(
    importances=None,
    probabilities=None,
    *,
    n_seeds: int = 3,
    steps: int = PHASE_STEPS,
    n_batch: int = PHASE_BATCH,
    lr: float = PHASE_LR,
    seed: int = 0,
    first_probability: float | None = None,
    device=None,
    progress: bool = False,
    single_thread: bool | None = True,
) -> Sweep:
    """Train the paper's phase diagram: rows = feature probability ``p`` of both
    features (or of the extra one only, if ``first_probability`` fixes feature 0's),
    cols = relative importance of the extra feature (feature 0 has importance 1).
    Defaults: 20 x 20 log-spaced values (see :func:`default_importances`,
    :func:`default_probabilities`), 3 seeds, :data:`PHASE_STEPS` steps at batch
    :data:`PHASE_BATCH`."""
    importances = default_importances() if importances is None else list(importances)
    probabilities = default_probabilities() if probabilities is None else list(probabilities)

    def setting(p, r):
        p0 = p if first_probability is None else first_probability
        return [1.0, r], [p0, p]

    return train_sweep(
        2,
        1,
        "feature_probability",
        probabilities,
        "importance",
        importances,
        setting,
        n_seeds=n_seeds,
        kind="relu",
        steps=steps,
        n_batch=n_batch,
        lr=lr,
        seed=seed,
        device=device,
        progress=progress,
        single_thread=single_thread,
    )


def classify_phase(W_instance, threshold: float | None = None) -> str:
    """What one trained 2-feature model ``W`` (``[2, H]``) did with feature 1:
    ``"ignored"`` (only feature 0 represented), ``"dedicated"`` (only feature 1),
    ``"superposed"`` (both, antipodal: cosine below
    :data:`~superpos_core.analysis.ANTIPODAL_COSINE`), else ``"other"`` (neither,
    or both on the same side). Represented = norm above ``threshold``
    (default :data:`~superpos_core.analysis.REPRESENTED_THRESHOLD`)."""
    from .analysis import ANTIPODAL_COSINE, REPRESENTED_THRESHOLD

    if threshold is None:
        threshold = REPRESENTED_THRESHOLD
    rows = [list(map(float, w)) for w in (W_instance.tolist() if hasattr(W_instance, "tolist") else W_instance)]
    if len(rows) != 2:
        raise ValueError(f"classify_phase needs W of 2 features, got {len(rows)}")
    n0, n1 = (math.sqrt(sum(v * v for v in w)) for w in rows)
    r0, r1 = n0 > threshold, n1 > threshold
    if r0 and not r1:
        return "ignored"
    if r1 and not r0:
        return "dedicated"
    if r0 and r1 and sum(a * b for a, b in zip(*rows)) / (n0 * n1) < ANTIPODAL_COSINE:
        return "superposed"
    return "other"


def phases(sweep: Sweep) -> list[list[list[str]]]:
    """:func:`classify_phase` of every trained model, ``[rows][cols][seeds]``."""
    return [[[classify_phase(w) for w in cell] for cell in row] for row in sweep.W]


def cell_phase(seed_phases) -> str | None:
    """The phase all seeds of a cell agree on, else ``None``."""
    seed_phases = list(seed_phases)
    return seed_phases[0] if len(set(seed_phases)) == 1 else None


def phase_grid(sweep: Sweep, agree: str = "best") -> list[list[str | None]]:
    """One phase per cell, ``[rows][cols]``:

    * ``"best"`` (default) -- the phase of the seed with the lowest ``eval_loss``: the
      optimum the paper's diagram shows. Seeds can stick in a local minimum (in 1
      dimension, the extra feature's weight on the *same* side as feature 0's stays
      there), most often in the sparse band around relative importance 1;
    * ``"all"`` -- the phase every seed found, ``None`` where they differ (what a
      question on one trained run can rely on);
    * ``"majority"`` -- the most common phase (ties broken by :data:`PHASES` order).
    """
    if agree not in ("best", "all", "majority"):
        raise ValueError('agree must be "best", "all" or "majority"')
    out = []
    for r, row in enumerate(phases(sweep)):
        line = []
        for c, cell in enumerate(row):
            if agree == "all":
                line.append(cell_phase(cell))
            elif agree == "best":
                losses = sweep.eval_loss[r][c]
                line.append(cell[min(range(len(cell)), key=lambda s: (losses[s], s))])
            else:
                counts = Counter(cell)
                order = {p: k for k, p in enumerate(PHASES + ("other",))}
                line.append(min(counts, key=lambda p: (-counts[p], order[p])))
        out.append(line)
    return out
