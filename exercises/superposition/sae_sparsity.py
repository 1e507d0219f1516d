"""How an SAE's sparsity, dead latents and reconstruction move with ``l1_coeff`` and ``d_sae``.

The sweeps of :mod:`exercises.superposition._sae`: on a few sparse trained TMS models, SAEs
trained with several ``l1_coeff`` (d_sae 8) and several ``d_sae`` (l1_coeff 0.2), each 10
times (plus a check run at twice the steps on half-size batches), measured with
``superpos_core.sae_metrics`` on 5 evaluation batches: L0 (mean number of active latents per
input), the reconstruction loss, the number of dead latents and (when ``d_sae`` changes) the
number of features recovered. A card names two runs of one sweep and asks how these
quantities move from the first to the second. A quantity is asked about only where the
setting decides its move (``_decide.decide``: 9 of the 10 runs and every check run): a run
gives a move when it gives it on every evaluation batch, clearly -- a ratio beyond
:data:`CLEAR` (20 %) for "up"/"down", within :data:`SAME` (10 %) for "about the same", so a
learner's plain reading (the other side of 10 %) has a margin; a count (dead latents,
features recovered) must be the same on every batch, i.e. no latent that only sometimes
fires decides it. The answer is one of a few labelled options: the truth and the classic
misreadings (a quantity's direction backwards).
"""
from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

from exercises.base import Family, Variant, Verdict
from exercises.checking import ChoiceCheck
from exercises.superposition import _decide as D
from exercises.superposition import _sae as S
from exercises.superposition import _trained as T
from exercises.superposition._common import variant

ID = "superposition.sae_sparsity"
CLEAR = 1.2  # a ratio at least this far from 1 in every seed is a clear move
SAME = 1.1  # within this ratio in every seed: about the same
QUANTITIES = ("L0", "reconstruction loss", "dead latents", "features recovered")
COUNTS = ("dead latents", "features recovered")  # integers: a move is a change in every seed
D_SAE_ONLY = ("features recovered",)  # asked when d_sae changes (too few latents lose features)
WORDS = {
    "L0": {"up": "L0 higher", "down": "L0 lower", "same": "L0 about the same"},
    "reconstruction loss": {"up": "MSE higher", "down": "MSE lower", "same": "MSE about the same"},
    "dead latents": {"up": "more dead", "down": "fewer dead", "same": "as many dead"},
    "features recovered": {"up": "more recovered", "down": "fewer recovered", "same": "as many recovered"},
}
FLIP = {"up": "down", "down": "up", "same": "up"}


@dataclass(frozen=True)
class LabelledChoice(ChoiceCheck):
    """A :class:`ChoiceCheck` that also reads its own answer text, ``C) <option>``, back (the
    label decides when the text after it is that option's; otherwise the plain rules apply), and
    says what a wrong option gets wrong (``why[k]``, with the diagnosis ``"direction"``)."""

    why: tuple[str, ...] = ()

    def check(self, response: str) -> Verdict:
        m = re.fullmatch(r"\s*([A-Ha-h])\)\s*(.+?)\s*", response)
        if m:
            k = "ABCDEFGH".index(m.group(1).upper())
            if k < len(self.options) and m.group(2).lower() == self.options[k].strip().lower():
                response = m.group(1)
        verdict = super().check(response)
        if verdict.correct or verdict.unreadable:
            return verdict
        chosen = re.match(r"([A-H]) ", verdict.reason)
        k = "ABCDEFGH".index(chosen.group(1)) if chosen else len(self.why)
        if k < len(self.why) and self.why[k]:
            return self.wrong(f"{verdict.reason}: that option {self.why[k]}", "direction")
        return verdict


def _configs() -> list[tuple[str, int, float]]:
    """(run, d_sae, l1_coeff) of every point of the sweeps."""
    out = [("base", S.D_SAE, c) for c in S.L1_SWEEP]
    out += [(name, d, S.L1) for name, d in S.RUNS.items() if name != "base"]
    return out


def _values(setting, config, measured=None) -> list[dict[str, float]]:
    """Per seed: the quantities of ``config`` on ``setting`` (``measured``: one
    ``_sae.measure`` result, default the cached runs on the first evaluation batch)."""
    name, _d_sae, l1 = config
    rows = S.layout()[name]
    i = next(k for k, r in enumerate(rows) if tuple(r["setting"]) == tuple(setting) and r["l1_coeff"] == l1)
    out = []
    for per_seed in (S.measured() if measured is None else measured)[name]:
        m = per_seed[i]
        out.append({"L0": m["l0"], "reconstruction loss": m["reconstruction"],
                    "dead latents": float(len(m["dead_latents"])), "features recovered": float(len(m["recovered"]))})
    return out


def direction(a: list[float], b: list[float], counts: bool = False) -> str | None:
    """How every seed moves from ``a`` to ``b``: "up", "down", "same", or None when unclear."""
    if counts:
        if all(y > x for x, y in zip(a, b)):
            return "up"
        if all(y < x for x, y in zip(a, b)):
            return "down"
        return "same" if all(y == x for x, y in zip(a, b)) else None
    ratios = [y / x if x > 0 else float("inf") for x, y in zip(a, b)]
    if all(r >= CLEAR for r in ratios):
        return "up"
    if all(r <= 1 / CLEAR for r in ratios):
        return "down"
    if all(1 / SAME <= r <= SAME for r in ratios):
        return "same"
    return None


def seed_moves(setting, a, b, batches, qn: str) -> list[str | None]:
    """Per run of ``batches`` (``_sae.measure`` results of one run): how it moves ``qn`` from
    config ``a`` to ``b`` -- the same clear direction on every batch, else None (inside the
    margin, or a count that changes from batch to batch: a latent that rarely fires)."""
    per_a = [_values(setting, a, m) for m in batches]  # [batch][run]
    per_b = [_values(setting, b, m) for m in batches]
    counts = qn in COUNTS
    out = []
    for r in range(len(per_a[0])):
        xs, ys = [v[r][qn] for v in per_a], [v[r][qn] for v in per_b]
        if counts and (len(set(xs)) > 1 or len(set(ys)) > 1):
            out.append(None)
            continue
        ds = {direction([x], [y], counts=counts) for x, y in zip(xs, ys)}
        out.append(ds.pop() if len(ds) == 1 else None)
    return out


def moves_on(setting, a, b, main, check, knob: str) -> dict[str, tuple[str, int]]:
    """The moves from config ``a`` to ``b`` the setting decides (``_decide.decide`` over the
    runs of ``main`` and ``check``, each a tuple of ``_sae.measure`` results, one per
    evaluation batch): ``{quantity: (direction, runs of main that give it)}``."""
    moves = {}
    for qn in QUANTITIES:
        if qn in D_SAE_ONLY and knob != "d_sae":
            continue
        m = seed_moves(setting, a, b, main, qn)
        d = D.decide(m, seed_moves(setting, a, b, check, qn))
        if d is not None:
            moves[qn] = (d, len(D.agreeing(m, d)))
    return moves


@functools.lru_cache(maxsize=2)
def _questions(key: str) -> list[T.Question]:
    qs = []
    configs = _configs()
    main, check = S.measured_batches(), S.measured_batches("check")
    for si, setting in enumerate(S.SWEEP):
        for a in configs:
            for b in configs:
                knob = "l1_coeff" if a[1] == b[1] == S.D_SAE and a[0] == b[0] == "base" else (
                    "d_sae" if a[2] == b[2] == S.L1 and a[1] != b[1] else None)
                if a == b or knob is None:
                    continue
                moves = moves_on(setting, a, b, main, check, knob)
                if len(moves) < 2:
                    continue
                answer = tuple(sorted(((qn, d) for qn, (d, _) in moves.items()), key=lambda kv: QUANTITIES.index(kv[0])))
                agree = min(n for _, n in moves.values())
                qs.append(T.Question(si, f"{knob}:{a}->{b}", "all", answer, repr(answer), tuple(S.SEEDS), agree=agree))
    return qs


def questions() -> list[T.Question]:
    return _questions(S.run_key())


def _option(moves) -> str:
    return "; ".join(WORDS[q][d] for q, d in moves)


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def move_text(setting, a, b, qn: str, d: str) -> str:
    """``qn`` from ``a`` to ``b`` on the first evaluation batch, in words: the median run's values
    and how many runs move it ``d`` (every number from the runs)."""
    import statistics

    va, vb = [v[qn] for v in _values(setting, a)], [v[qn] for v in _values(setting, b)]
    counts = qn in COUNTS
    n = sum(direction([x], [y], counts=counts) == d for x, y in zip(va, vb))
    how = {"up": "up", "down": "down", "same": "unchanged" if counts else f"within {SAME - 1:.0%}"}[d]
    return (f"{qn} {_fmt(statistics.median(va))} → {_fmt(statistics.median(vb))} (medians of the {len(va)} runs; "
            f"{n} of {len(va)} runs {how} on this batch)")


def make(rng: random.Random, form: str, seed: int) -> Variant:
    q = T.pick(questions(), seed, ID)
    setting = S.SWEEP[q.setting]
    knob, pair = q.quantity.split(":", 1)
    configs = {repr(c): c for c in _configs()}
    a_text, b_text = pair.split("->")
    a, b = configs[a_text], configs[b_text]
    moves = list(q.answer)
    truth = _option(moves)
    wrong = []
    for k, (qn, d) in enumerate(moves):
        flipped = moves[:k] + [(qn, FLIP[d])] + moves[k + 1:]
        wrong.append((f"had the {qn} backwards" if d != "same" else f"expected the {qn} to change", _option(flipped)))
    wrong.append(("had every direction backwards", _option([(qn, FLIP[d]) for qn, d in moves])))
    seen = {truth}
    mistakes = []
    for what, text in wrong:
        if text not in seen:
            seen.add(text)
            mistakes.append((what, text))
    # at most 3 wrong options (the prompt stays short); mistakes not shown are not offered
    rng.shuffle(mistakes)
    mistakes = mistakes[:3]
    options = [t for _, t in mistakes]
    rng.shuffle(options)
    # the right letter cycles A-D with the seed (every card has at least 4 options): none dominates
    options.insert(seed % min(4, len(options) + 1), truth)
    why = {t: w.replace("had ", "gets ", 1).replace("expected ", "expects ", 1) for w, t in mistakes}
    check = LabelledChoice(tuple(options), options.index(truth), why=tuple(why.get(o, "") for o in options))
    if knob == "l1_coeff":
        first, second = f"l1_coeff = {a[2]:g}", f"l1_coeff = {b[2]:g}"
        fixed = f"d_sae = {S.D_SAE}"
    else:
        first, second = f"d_sae = {a[1]}", f"d_sae = {b[1]}"
        fixed = f"l1_coeff = {S.L1:g}"
    names = [{"reconstruction loss": "MSE", "dead latents": "dead latents",
              "features recovered": "recovered features"}.get(qn, qn) for qn, _ in moves]
    asked = ", ".join(names[:-1]) + " and " + names[-1]
    labels = "ABCDEFGH"
    prompt = (
        f"SAEs ({fixed}, {len(S.SEEDS)} runs each) were trained on the hidden activations of a "
        f"{T.N_FEATURES}→{T.N_HIDDEN} TMS model (p = {setting[0]:g}, importance \\({setting[1]:g}^i\\)). "
        "L0: active latents per input; dead: never fires; MSE: reconstruction loss"
        + ("; recovered: a live decoder at cosine ≥ 0.9"
           if any(qn == "features recovered" for qn, _ in moves) else "")
        + f". From {first} to {second}, how do {asked} move (in at least {D.AGREE} of the {len(S.SEEDS)} runs, "
        f"on each of {len(S.EVAL_SEEDS)} eval batches)? Give a letter.\n"
        + "\n".join(f"{labels[k]}) {o}" for k, o in enumerate(options))
    )
    lines = [move_text(setting, a, b, qn, d) for qn, d in moves]
    why = (" A larger l1_coeff makes each active latent cost more, so the SAE fires fewer latents and pays in "
           "reconstruction; a smaller one buys reconstruction with more activity." if knob == "l1_coeff" else
           " Fewer latents than represented features cannot give each feature its own latent, so "
           "reconstruction suffers; latents beyond the features find nothing new to represent and die or "
           "duplicate a feature.")
    return variant(
        ID, form, seed,
        params={"setting": list(setting), "knob": knob, "from": list(a), "to": list(b),
                "moves": [list(m) for m in moves], "training": S.run_key()},
        prompt=prompt,
        answer=truth,
        check=check,
        explanation=(f"The SAEs: {S.training_text()}. Measured with superpos_core.sae_metrics on {S.EVAL_BATCH} "
                     "inputs (the first evaluation batch): " + "; ".join(lines) + ". "
                     + D.agreement_text(q.agree) + why),
        hints=(
            "The L1 term charges every active latent; the reconstruction term charges every error.",
            "Dead latents come from latents with nothing left to represent: count the model's features.",
            f"Compare {first} with {second}: which side of the trade-off does the change favour?",
        ),
        wrong=[t for _, t in mistakes] + [labels[k] for k in range(len(options)) if k != options.index(truth)],
        right=[labels[options.index(truth)].lower(), truth],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="SAE: sparsity, dead latents, reconstruction",
    make=make,
    forms=("read",),
    difficulty=3,
    summary="Say how L0, dead latents and reconstruction move when an SAE's l1_coeff or d_sae changes (trained sweeps).",
)
