"""Correlated features end up orthogonal, anticorrelated ones antipodal (the paper's section
"Correlated and Anticorrelated Features"), asked of trained runs.

One cached run (``_runs``) trains 4 features in 2 hidden dimensions grouped in two pairs:
*correlated* pairs (both features present together or not at all; sparse, p <= 0.05) and
*anticorrelated* ones (never both present; p >= 0.4), 10 training seeds per setting. A card
asks how the two features of a pair sit (orthogonal or antipodal), or two features of
different pairs -- only where the setting decides it (``_decide``: 9 of 10 seeds and every
seed of the check run, every cosine clearly on one side: antipodal below -0.95, orthogonal
within 0.15 of 0). Which feature of the other pair a
correlated feature sits antipodal to is left to the random start, so it is never asked; nor
is "which pairs are antipodal" (for anticorrelated pairs that is the printed grouping). Feature
numbers are relabelled per question (a permutation of the inputs changes nothing about what is
learned), so the pairs are not always (0, 1) and (2, 3).
"""
from __future__ import annotations

import functools
import random

from exercises.base import Family, Variant
from exercises.checking import ChoiceCheck
from exercises.superposition import _decide as D
from exercises.superposition import _runs as R
from exercises.superposition import _trained as T
from exercises.superposition._common import fmt, variant

ID = "superposition.correlated"
ANTIPODAL = -0.95
ORTHOGONAL = 0.15
NORM_MARGIN = 0.1
KINDS = ("correlated", "anticorrelated")
# relabellings: trained feature j is shown as feature LABELS[m][j]
LABELS = ((0, 1, 2, 3), (2, 0, 3, 1), (1, 3, 0, 2), (3, 2, 1, 0), (0, 2, 1, 3), (2, 3, 0, 1))
RELATIONS = ("orthogonal (about 90°)", "antipodal (about 180°)", "the same direction (about 0°)",
             "about 45° apart", "about 135° apart")


def cosines(W_instance):
    import numpy as np

    W = np.asarray(W_instance, dtype=float)
    u = W / np.maximum(np.linalg.norm(W, axis=-1, keepdims=True), 1e-12)
    return u @ u.T


def relation(cos: float) -> str | None:
    if cos < ANTIPODAL:
        return "antipodal"
    if abs(cos) < ORTHOGONAL:
        return "orthogonal"
    return None


def geometry(W_instance):
    """(relation of pair (0, 1), relation of pair (2, 3), antipodal pairs) of one trained run, or
    None when a norm or a cosine is borderline."""
    import numpy as np

    W = np.asarray(W_instance, dtype=float)
    if np.any(np.abs(np.linalg.norm(W, axis=-1) - 0.5) < NORM_MARGIN):
        return None
    cos = cosines(W)
    rel = [relation(cos[i, j]) for i in range(4) for j in range(i + 1, 4)]
    if None in rel:
        return None
    pairs = tuple((i, j) for i in range(4) for j in range(i + 1, 4) if cos[i, j] < ANTIPODAL)
    return relation(cos[0, 1]), relation(cos[2, 3]), pairs


def settings() -> list[tuple[str, int]]:
    sw = R.sweeps("correlated")
    return [(kind, r) for kind in KINDS for r in range(len(sw[kind].row_values))]


def seed_answer(what: str, W_instance) -> str | None:
    """One run's answer: how the features of a pair sit (``"mates"``: the same relation in both
    pairs) or every cross-pair couple (``"cross"``: the same relation for all four); None when a
    norm or cosine is borderline or the relations differ."""
    geo = geometry(W_instance)
    if geo is None:
        return None
    if what == "mates":
        return geo[0] if geo[0] == geo[1] else None
    cross = {relation(cosines(W_instance)[i, j]) for i in (0, 1) for j in (2, 3)}
    return cross.pop() if len(cross) == 1 else None


@functools.cache
def _questions(key: str) -> tuple:
    sw, check = R.sweeps("correlated"), R.check_sweeps("correlated")
    out = []
    for s, (kind, r) in enumerate(settings()):
        for what in ("mates", "cross"):
            main = [seed_answer(what, w) for w in sw[kind].W[r][0]]
            rel = D.decide(main, [seed_answer(what, w) for w in check[kind].W[r][0]])
            if rel is None:
                continue
            runs = D.agreeing(main, rel)
            for m in range(len(LABELS)):
                quantities = ([f"mates {m} {g}" for g in (0, 1)] if what == "mates" else
                              [f"cross {m} {i} {j}" for i in (0, 1) for j in (2, 3)])
                out.extend(T.Question(s, qn, "all", rel, rel, runs, agree=len(runs)) for qn in quantities)
    return tuple(out)


def questions() -> list:
    return list(_questions(R.run_key("correlated")))


def make(rng: random.Random, form: str, seed: int) -> Variant:
    q = T.pick(questions(), seed, ID)
    sw = R.sweeps("correlated")
    kind, r = settings()[q.setting]
    p = sw[kind].row_values[r]
    what, m, *rest = q.quantity.split()
    lab = LABELS[int(m)]
    groups = [tuple(sorted((lab[0], lab[1]))), tuple(sorted((lab[2], lab[3])))]
    if kind == "correlated":
        how = f"a pair's features are present together or not at all (with probability p = {fmt(p, 3)})"
    else:
        how = f"at most one feature of a pair is present at a time (each with probability p = {fmt(p, 3)})"
    lead = (f"A ReLU-output toy model, 4 features in 2 hidden dimensions, was trained with the features in pairs "
            f"{groups[0]} and {groups[1]}, {kind}: {how}; a present feature's value is uniform on [0, 1). "
            f"{q.agree} of {R.SEEDS} runs from different random starts agree on the answer. ")
    Ws = [sw[kind].W[r][0][k] for k in q.runs]
    cos_runs = [cosines(w) for w in Ws]
    inv = {lab[j]: j for j in range(4)}
    if what == "mates":
        a, b = groups[int(rest[0])]
        which = f"the pair ({a}, {b})"
    else:
        a, b = lab[int(rest[0])], lab[int(rest[1])]
        which = f"features {a} and {b}, one from each pair"
    right_rel = RELATIONS[0 if q.answer == "orthogonal" else 1]
    order = R.arrange(len(RELATIONS), RELATIONS.index(right_rel), seed, rng)  # no letter is the usual answer
    options = tuple(RELATIONS[i] for i in order)
    letter = {RELATIONS[i]: "ABCDE"[order.index(i)] for i in order}
    check = ChoiceCheck(options, options.index(right_rel))
    ask = (f"How do the learned directions \\(W_{{{a}}}\\) and \\(W_{{{b}}}\\) of {which} sit "
           "relative to each other?\n" + "\n".join(f"{l}) {o}" for l, o in zip("ABCDE", options))
           + "\nAnswer with a letter.")
    other = letter[RELATIONS[1 if q.answer == "orthogonal" else 0]]
    mistakes = [("swapped the correlated and anticorrelated results" if what == "mates" else
                 "mixed up the pairs: answered for two features of one pair", other),
                ("assumed co-occurring features share a direction", letter[RELATIONS[2]])]
    answer, wrong, right = right_rel, list("ABCDE"), [letter[right_rel].lower()]
    c_ab = [c[inv[a], inv[b]] for c in cos_runs]
    found = (f"{q.answer.capitalize()}: the cosine of \\(W_{{{a}}}\\) and \\(W_{{{b}}}\\) is "
             + ", ".join(fmt(v, 2) for v in c_ab) + f" in the {len(Ws)} runs that agree. "
             + D.agreement_text(q.agree) + " ")
    mistakes = [(w, x) for w, x in mistakes if not check.check(x).correct]
    why = ("Correlated features fire together, so any overlap between them would interfere every time they fire: "
           "the model puts each pair's features orthogonally (and, in 2 dimensions, each one antipodal to a "
           "feature of the other pair, which it rarely fires with)." if kind == "correlated" else
           "Anticorrelated features never fire together, so placing them antipodally costs no interference "
           "(the ReLU removes the negative overlap when only one fires): each pair shares one line, and the "
           "two pairs sit orthogonally.")
    return variant(
        ID, form, seed,
        params={"kind": kind, "feature_probability": p, "quantity": q.quantity, "labels": list(lab),
                "training": R.run_key("correlated")},
        prompt=lead + ask,
        answer=answer,
        check=check,
        explanation=found + why,
        hints=(
            "Ask how often the features of a pair are active together, and what an overlap costs then.",
            ("Features that never co-occur can share a line in opposite directions; features that always "
             "co-occur need directions of their own."),
            f"These pairs are {kind}.",
        ),
        wrong=wrong,
        right=right,
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Trained correlated and anticorrelated features",
    make=make,
    forms=("read",),
    difficulty=3,
    summary="Correlated feature pairs end up orthogonal, anticorrelated ones antipodal: read off trained 4→2 runs.",
)
