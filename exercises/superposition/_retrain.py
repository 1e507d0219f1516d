"""Retraining checks: does every claim a trained card asks of a *setting* hold for runs the
cache never saw?

A claim ("at this setting the model represents features 0, 1", "superposed", "antipodal",
"L0 lower, more dead latents") is a statement about the setting, so a sceptical learner who
retrains it with new seeds should get the same answer. :func:`check` retrains every family's
settings from run seeds starting at ``_decide.FRESH_SEED`` (never used by a cached run), reads
each fresh run with the plain rule a learner would use (no margins: represented is
``||W_i|| > 0.5``, a relation is the nearest of the card's options) and counts, per family,
the claims and the fresh answers that reproduce them. SAE claims are checked on fresh
evaluation batches too (the cached SAEs and freshly trained ones). Questions about the run in
the picture ("in this run ...") are not claims about the setting and are not counted.

``tests/test_trained_retraining.py`` runs a small subset; ``benchmarks/retrain_claims.py``
the whole set (3 fresh seeds).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from exercises.superposition import _decide as D


@dataclass
class Tally:
    """Per family: claims checked, fresh answers compared and reproduced, and the misses."""

    family: str
    claims: int = 0
    answers: int = 0
    held: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, what: str, want: Any, got: list[Any]) -> None:
        self.claims += 1
        self.answers += len(got)
        ok = sum(repr(g) == repr(want) for g in got)
        self.held += ok
        if ok < len(got):
            self.misses.append(f"{what}: asked {want!r}, fresh runs {got!r}")

    @property
    def rate(self) -> float:
        return self.held / self.answers if self.answers else 1.0

    def line(self) -> str:
        return (f"{self.family}: {self.claims} claims, {self.held}/{self.answers} fresh answers reproduced "
                f"({self.rate:.1%})")


# ---------------------------------------------------------------- the notebook grid (trained_*)


def grid_families() -> dict[str, tuple[dict[str, Callable], bool]]:
    from exercises.superposition import trained_antipodal, trained_count, trained_which

    return {trained_which.ID: (trained_which.QUANTITIES, False), trained_count.ID: (trained_count.QUANTITIES, False),
            trained_antipodal.ID: (trained_antipodal.QUANTITIES, True)}


def check_grid(n_seeds: int, every: int = 1) -> list[Tally]:
    """The trained_* families' setting claims against one fresh run of ``n_seeds`` seeds per
    setting (every ``every``-th claimed setting, for a quick check)."""
    from exercises.superposition import _trained as T

    fams = grid_families()
    claims = {fid: [q for q in T.questions(qs, antipodal=ap) if q.scope == "all"] for fid, (qs, ap) in fams.items()}
    settings = sorted({q.setting for qs in claims.values() for q in qs})[::every]
    fresh = T.fresh_run(D.FRESH_SEED, replicates=n_seeds, settings=settings)
    summ = [T.summarise(w) for w in fresh["W"]]
    out = []
    for fid, qs in claims.items():
        tally = Tally(fid)
        fns = fams[fid][0]
        for q in qs:
            if q.setting not in settings:
                continue
            j = settings.index(q.setting)
            got = [fns[q.quantity](summ[j * n_seeds + r]) for r in range(n_seeds)]
            tally.add(f"setting {q.setting} {q.quantity}", q.answer, got)
        out.append(tally)
    return out


# ---------------------------------------------------------------- the paper's runs (_runs)


def _nearest_relation(cos: float) -> str:
    """The card option nearest to the angle of ``cos`` (0, 45, 90, 135 or 180 degrees)."""
    angle = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
    return {0: "same", 45: "45", 90: "orthogonal", 135: "135", 180: "antipodal"}[min((0, 45, 90, 135, 180),
                                                                                      key=lambda a: abs(a - angle))]


def check_runs(n_seeds: int) -> list[Tally]:
    """linear_vs_relu, phase_diagram and correlated: every asked claim against a fresh run of
    each sweep with ``n_seeds`` seeds per cell."""
    from superpos_core.sweep import classify_phase

    from exercises.superposition import _runs as R
    from exercises.superposition import correlated, linear_vs_relu, phase_diagram

    out = []
    # linear vs ReLU
    fresh = R.fresh_sweeps("linear_vs_relu", D.FRESH_SEED, n_seeds)
    tally, seen = Tally(linear_vs_relu.ID), set()
    cols = len(fresh["relu"].col_values)
    for q in linear_vs_relu.questions():
        if (q.setting, q.quantity) in seen:
            continue
        seen.add((q.setting, q.quantity))
        r, c = divmod(q.setting, cols)
        Ws = fresh[linear_vs_relu.model_of(q.quantity)].W[r][c]
        sets = [linear_vs_relu.represented(w) for w in Ws]
        got = [len(s) for s in sets] if q.quantity == "relu count" else sets
        tally.add(f"cell {r},{c} {q.quantity}", q.answer, got)
    out.append(tally)
    # the phase diagram
    fresh = R.fresh_sweeps("phase_diagram", D.FRESH_SEED, n_seeds)["phase"]
    tally, seen = Tally(phase_diagram.ID), set()
    cols = len(fresh.col_values)
    for q in phase_diagram.questions():
        if q.setting in seen:
            continue
        seen.add(q.setting)
        r, c = divmod(q.setting, cols)
        tally.add(f"cell {r},{c}", q.answer, [classify_phase(w) for w in fresh.W[r][c]])
    out.append(tally)
    # correlated and anticorrelated pairs
    fresh = R.fresh_sweeps("correlated", D.FRESH_SEED, n_seeds)
    tally, seen = Tally(correlated.ID), set()
    for q in correlated.questions():
        what = q.quantity.split()[0]
        if (q.setting, what) in seen:
            continue
        seen.add((q.setting, what))
        kind, r = correlated.settings()[q.setting]
        got = []
        for w in fresh[kind].W[r][0]:
            cos = correlated.cosines(w)
            pairs = [(0, 1), (2, 3)] if what == "mates" else [(i, j) for i in (0, 1) for j in (2, 3)]
            rels = {_nearest_relation(float(cos[i, j])) for i, j in pairs}
            got.append(rels.pop() if len(rels) == 1 else "mixed")
        tally.add(f"{kind} p={fresh[kind].row_values[r]:g} {what}", q.answer, got)
    out.append(tally)
    return out


# ---------------------------------------------------------------- an independent trainer


INDEPENDENT_PARTS = ("grid", "phase_diagram", "linear_vs_relu")


def check_independent(n_seeds: int, every: int = 1, seed: int = D.FRESH_SEED,
                      parts=INDEPENDENT_PARTS) -> list[Tally]:
    """A sample of the claims retrained with the notebook's own code (``_notebook_trainer``:
    autograd, ``torch.rand`` batches, AdamW), not ``superpos_core.optimize``: the trained_*
    grid's claims (every ``every``-th claimed setting), the phase diagram's and linear_vs_relu's
    ReLU claims (the notebook's model has a ReLU output; its linear and correlated variants are
    the project's own). Same settings, budgets and plain reading as :func:`check_grid` and
    :func:`check_runs`; ``n_seeds`` fresh seeds per setting, all instances of one model per run,
    from ``torch.manual_seed(seed)``. ``parts``: which of :data:`INDEPENDENT_PARTS` to check."""
    out: list[Tally] = []
    if "grid" in parts:
        out += _independent_grid(n_seeds, every, seed)
    if "phase_diagram" in parts:
        out.append(_independent_phase_diagram(n_seeds, seed + 1))
    if "linear_vs_relu" in parts:
        out.append(_independent_linear_vs_relu(n_seeds, seed + 2))
    return out


def _independent_grid(n_seeds: int, every: int, seed: int) -> list[Tally]:
    """The notebook grid's claims (trained_which / count / antipodal), notebook trainer."""
    from exercises.superposition import _notebook_trainer as NB
    from exercises.superposition import _trained as T

    out = []
    fams = grid_families()
    claims = {fid: [q for q in T.questions(qs, antipodal=ap) if q.scope == "all"] for fid, (qs, ap) in fams.items()}
    settings = sorted({q.setting for qs in claims.values() for q in qs})[::every]
    g = T.grid()
    inst = [g[s] for s in settings for _ in range(n_seeds)]
    W = NB.train([[s["importance_decay"] ** i for i in range(T.N_FEATURES)] for s in inst],
                 [[s["feature_probability"]] * T.N_FEATURES for s in inst], n_hidden=T.N_HIDDEN,
                 seed=seed, **T.TRAINING)
    summ = [T.summarise(w) for w in W]
    for fid, qs in claims.items():
        tally = Tally(f"{fid} (notebook trainer)")
        for q in qs:
            if q.setting in settings:
                j = settings.index(q.setting)
                tally.add(f"setting {q.setting} {q.quantity}", q.answer,
                          [fams[fid][0][q.quantity](summ[j * n_seeds + r]) for r in range(n_seeds)])
        out.append(tally)
    return out


def _independent_phase_diagram(n_seeds: int, seed: int) -> Tally:
    from superpos_core.sweep import classify_phase

    from exercises.superposition import _notebook_trainer as NB
    from exercises.superposition import _runs as R
    from exercises.superposition import phase_diagram

    spec = R.RUNS["phase_diagram"]
    sw = phase_diagram.sweep()
    cols = len(sw.col_values)
    cells = sorted({q.setting: q.answer for q in phase_diagram.questions()}.items())
    inst = [divmod(s, cols) for s, _ in cells for _ in range(n_seeds)]
    W = NB.train([sw.importance[r][c] for r, c in inst], [sw.feature_probability[r][c] for r, c in inst],
                 n_hidden=1, steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"], seed=seed)
    tally = Tally(f"{phase_diagram.ID} (notebook trainer)")
    for j, (s, answer) in enumerate(cells):
        tally.add(f"cell {divmod(s, cols)}", answer, [classify_phase(w) for w in W[j * n_seeds:(j + 1) * n_seeds]])
    return tally


def _independent_linear_vs_relu(n_seeds: int, seed: int) -> Tally:
    """linear_vs_relu's claims about the ReLU model (the notebook's model has a ReLU output)."""
    from exercises.superposition import _notebook_trainer as NB
    from exercises.superposition import _runs as R
    from exercises.superposition import linear_vs_relu

    spec = R.RUNS["linear_vs_relu"]
    relu = R.sweeps("linear_vs_relu")["relu"]
    cols = len(relu.col_values)
    asked = sorted({(q.setting, q.quantity): q.answer for q in linear_vs_relu.questions()
                    if linear_vs_relu.model_of(q.quantity) == "relu"}.items())
    cells = sorted({s for (s, _), _ in asked})
    inst = [divmod(s, cols) for s in cells for _ in range(n_seeds)]
    W = NB.train([relu.importance[r][c] for r, c in inst], [relu.feature_probability[r][c] for r, c in inst],
                 n_hidden=spec["n_hidden"], steps=spec["steps"], n_batch=spec["n_batch"], lr=spec["lr"],
                 seed=seed)
    tally = Tally(f"{linear_vs_relu.ID} (notebook trainer)")
    for (s, quantity), answer in asked:
        j = cells.index(s)
        sets = [linear_vs_relu.represented(w) for w in W[j * n_seeds:(j + 1) * n_seeds]]
        tally.add(f"cell {divmod(s, cols)} {quantity}", answer,
                  [len(x) for x in sets] if quantity == "relu count" else sets)
    return tally


# ---------------------------------------------------------------- SAEs

FRESH_EVAL_SEEDS = (100, 101, 102, 103, 104)  # evaluation batches no cached claim was decided on


def plain_direction(x: float, y: float, counts: bool) -> str:
    """How one measurement moves from ``x`` to ``y`` as a learner reads the card's options: a
    count up, down or equal; a number "about the same" within sae_sparsity.SAME, else up or down."""
    from exercises.superposition.sae_sparsity import SAME

    if counts:
        return "up" if y > x else "down" if y < x else "same"
    ratio = y / x if x > 0 else float("inf")
    return "same" if 1 / SAME <= ratio <= SAME else "up" if ratio > 1 else "down"


def _batch_answer(answers: list[Any]) -> Any:
    """What one evaluation batch says of a claim over the cached runs: the answer at least
    ``_decide.AGREE`` of them give (plainly read), else "split" (the claim fails on that batch)."""
    from collections import Counter

    key, n = Counter(repr(a) for a in answers).most_common(1)[0]
    return next(a for a in answers if repr(a) == key) if n >= D.AGREE else "split"


def check_sae(n_seeds: int, eval_seeds=FRESH_EVAL_SEEDS) -> list[Tally]:
    """sae_sparsity and sae_recovery's setting claims: on fresh evaluation batches of the cached
    SAEs (each batch on its own: a claim -- "9 of the 10 runs" -- must hold on every one) and on
    ``n_seeds`` freshly trained SAEs (0: skip), each measured on the first fresh batch and
    counted one by one."""
    from exercises.superposition import _sae as S
    from exercises.superposition import sae_recovery, sae_sparsity

    cached = S.sae_run()
    runs = [("cached SAEs, fresh batches", S.measure(cached, e)) for e in eval_seeds]
    if n_seeds:
        fresh = S.fresh_run(D.FRESH_SEED, n_seeds)
        runs.append(("fresh SAE seeds", S.measure(fresh, eval_seeds[0])))
    tallies: dict[str, Tally] = {}

    def tally(fid: str, label: str) -> Tally:  # one tally per family and kind of check
        name = f"{fid} ({label})"
        return tallies.setdefault(name, Tally(name))

    def add(fid: str, label: str, what: str, want: Any, got: list[Any]) -> None:
        if label.startswith("cached"):
            got = [_batch_answer(got)]
        tally(fid, label).add(what, want, got)

    configs = {repr(c): c for c in sae_sparsity._configs()}
    for q in sae_sparsity.questions():
        knob, pair = q.quantity.split(":", 1)
        a, b = (configs[t] for t in pair.split("->"))
        setting = S.SWEEP[q.setting]
        for label, m in runs:
            va, vb = sae_sparsity._values(setting, a, m), sae_sparsity._values(setting, b, m)
            got = [tuple((qn, plain_direction(x[qn], y[qn], qn in sae_sparsity.COUNTS)) for qn, _ in q.answer)
                   for x, y in zip(va, vb)]  # one answer per SAE run on this batch
            add(sae_sparsity.ID, label, f"{setting} {q.quantity}", q.answer, got)
    for q in sae_recovery.questions():
        if q.scope != "all":
            continue
        for label, m in runs:
            got = [sae_recovery._not_recovered(per_seed[q.setting]) for per_seed in m["base"]]
            add(sae_recovery.ID, label, f"instance {q.setting}", q.answer, got)
    return list(tallies.values())
