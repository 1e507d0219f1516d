"""Read off a trained model which features it stores as antipodal pairs.

In 2 hidden dimensions a sparse model can store two features on one line, pointing in
opposite directions (\\(W_j \\approx -W_i\\)): the ReLU and a negative bias filter out the
interference. Each setting of the cached grid run (see ``_trained``) is trained several
times from different random starts. Which features pair up is mostly decided by the
random start, so most cards ask about the run shown ("in this run …") and say what the
other runs did; when every run forms the same pairs, the card asks what the model does at
that setting. A card asks for all the pairs, or for the partner of one represented
feature. Answers come from ``superpos_core.antipodal_pairs`` on the learned W; runs with a
borderline pair are skipped.
"""
from __future__ import annotations

import itertools
import random

from exercises.base import Family, Variant
from exercises.checking import SetCheck
from exercises.superposition import _trained as T
from exercises.superposition._common import fmt, variant
from exercises.superposition._pairs import PairsCheck, format_pairs

ID = "superposition.trained_antipodal"


def _partner(s: T.Summary, i: int):
    """Feature i's antipodal partners (none: an empty tuple), or None when i is not represented."""
    if i not in s.represented:
        return None
    return tuple(sorted(b if a == i else a for a, b in s.pairs if i in (a, b)))


QUANTITIES = {
    "pairs": lambda s: s.pairs,
    **{f"partner of {i}": (lambda s, i=i: _partner(s, i)) for i in range(T.N_FEATURES)},
}


def _text(ids) -> str:
    return ", ".join(map(str, ids)) or "none"


def _cosines(cos, pairs) -> str:
    return ", ".join(fmt(float(cos[a, b]), 2) for a, b in pairs)


def _lowest(cos, pairs) -> str:
    """Why no pair is antipodal, from the run's own cosines."""
    if not pairs:
        return "the run shown represents no other feature to pair with."
    a, b = min(pairs, key=lambda p: cos[p[0], p[1]])
    return (f"in the run shown the most opposite represented features, {a} and {b}, have cosine "
            f"{fmt(float(cos[a, b]), 2)}, far from −1 (antipodal).")


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np

    q = T.pick(T.questions(QUANTITIES, antipodal=True), seed, ID)
    run = T.trained_run()
    k = rng.choice(q.runs)
    setting = T.grid()[q.setting]
    shown = T.summaries(run)[k]
    rep = list(shown.represented)
    W = np.asarray(run["W"][k], dtype=float)
    unit = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)
    cos = unit @ unit.T
    pairs = [tuple(p) for p in shown.pairs]
    if q.quantity == "pairs":
        check = PairsCheck(frozenset(pairs))
        answer = [list(p) for p in pairs]
        neighbours = [(a, b) for a, b in zip(rep, rep[1:]) if (a, b) not in pairs]
        mistakes = [
            ("paired the features next in importance", format_pairs(list(zip(rep[0::2], rep[1::2])))),
            ("no pairs: assumed a polygon", "none"),
            ("paired the two most important features", format_pairs([(0, 1)])),
            ("paired neighbouring arrows, not opposite ones", format_pairs(neighbours[:2]) if neighbours else "none"),
        ]
        others = [p for p in itertools.combinations(rep, 2) if p not in pairs]
        wrong = ["none", format_pairs(others[:2]) if others else format_pairs([(0, 1)])]
        ask = ("which pairs of represented features sit antipodally (pointing in opposite directions, "
               "\\(W_j \\approx -c\\,W_i\\) with c > 0)? Write each pair as (a, b), separated by commas, or none "
               "if there is no such pair.")
        right = ["; ".join(f"{b}-{a}" for a, b in reversed(pairs)) or "no pairs",
                 str([list(p) for p in pairs]) if pairs else "[]"]
        found = (f"{format_pairs(pairs)}: cosine {_cosines(cos, pairs)} in the run shown. Each pair shares one line "
                 "of the hidden plane in opposite directions; only one of a sparse pair is usually active, and the "
                 "ReLU removes the negative interference."
                 if pairs else
                 "None: " + _lowest(cos, list(itertools.combinations(rep, 2))))
        show = format_pairs
    else:
        i = int(q.quantity.rsplit(" ", 1)[1])
        partners = list(q.answer)
        check = SetCheck(frozenset(partners))
        answer = partners
        rest = [j for j in rep if j != i]
        closest = max(rest, key=lambda j: cos[i, j]) if rest else None
        mistakes = [("named the feature itself", str(i))]
        if closest is not None and closest not in partners:
            mistakes.append(("picked the arrow closest in direction, not the opposite one", str(closest)))
        if partners:
            mistakes.append(("no partner: assumed every arrow has its own direction", "none"))
        wrong = [str(j) for j in rest if j not in partners] + [str(i)]
        ask = (f"which feature points opposite to feature {i} (antipodal: \\(W_j \\approx -c\\,W_{{{i}}}\\) with "
               "c > 0)? Write its index, or none if no feature does.")
        right = [f"[{_text(partners)}]" if partners else "[]"]
        found = (f"Feature {partners[0]} points opposite to feature {i} (cosine "
                 f"{_cosines(cos, [(i, partners[0])])} in the run shown): the two share one hidden direction with "
                 "opposite signs, which works because they are rarely active together."
                 if partners else
                 "None: " + _lowest(cos, [(i, j) for j in rep if j != i]))
        show = _text
    mistakes = [(w, r) for w, r in mistakes if not check.check(r).correct]
    if q.scope == "all":
        lead = (f"A TMS model with {T.N_FEATURES} features and {T.N_HIDDEN} hidden dimensions was trained with "
                f"{T.describe(q.setting)}, {T.runs_text()}. The picture shows the learned directions "
                "\\(W_i\\) of one of the runs. At this setting, ")
        context = " " + T.agreement_text(q.agree)
    else:
        lead = (f"A TMS model with {T.N_FEATURES} features and {T.N_HIDDEN} hidden dimensions was trained with "
                f"{T.describe(q.setting)}; the picture shows the learned directions \\(W_i\\) of one training "
                "run. In this run, ")
        other = sorted({show(o) for o in q.others} - {show(q.answer)})
        context = (" The other runs of this setting agree." if not other else
                   " Other runs of this setting give " + " or ".join(f"[{o}]" for o in other)
                   + ": which features pair up depends on the random start.")
    return variant(
        ID, form, seed,
        params={"instance": k, "setting": q.setting, **setting, "quantity": q.quantity, "scope": q.scope,
                "training": T.run_key()},
        prompt=lead + ask,
        answer=answer,
        check=check,
        answer_text=check.expected_text,
        image=T.geometry_picture(run, k),
        explanation=found + context,
        hints=(
            "Antipodal features lie on one straight line through the origin, on opposite sides.",
            "Compare the angles of the long arrows only; an arrow at 180° from another is antipodal to it.",
            f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''} in the picture.",
        ),
        wrong=[r for _, r in mistakes] + wrong,
        right=right,
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Trained model: antipodal pairs",
    make=make,
    forms=("read",),
    difficulty=3,
    summary="Spot the antipodal feature pairs a sparse trained 5→2 toy model uses, from its geometry plot.",
)
