"""Reading a feature-geometry plot: each feature's direction \\(W_i\\) as an arrow in 2-d.

Each variant places features at well-separated angles (multiples of 30°), gives some of
them a norm near 0, and makes exactly the asked-about structure clear-cut; the picture is
``superpos_core.plots.feature_geometry_png`` and the answers come from
``superpos_core.antipodal_pairs`` / ``n_represented``.
"""
from __future__ import annotations

import math
import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision, SetCheck
from exercises.superposition._common import clean, png_image, variant

ID = "superposition.geometry_image"
ANGLES = tuple(range(0, 360, 30))  # well-separated directions, easy to tell apart by eye


def _vec(angle: float, norm: float) -> list[float]:
    r = math.radians(angle)
    return [clean(round(norm * math.cos(r), 3)), clean(round(norm * math.sin(r), 3))]


def _angle_gap(a: float, b: float) -> float:
    d = abs(a - b) % 360
    return min(d, 360 - d)


def _draw(rng: random.Random, F: int, antipode_of: int | None, target: int):
    """Rows at multiples of 30°, some of norm about 0.

    For an antipode question (``antipode_of`` set, ``target`` the partner) the represented
    features are 60° to 120° apart except the one planned pair at 180°, so that pair is the
    only candidate; for a count question (``target`` represented features) they are just at
    least 30° apart, so every arrow can be told apart.
    """
    while True:
        n_dead = rng.randint(0, F - 3) if antipode_of is not None else F - target
        alive = [True] * F
        for f in rng.sample(range(F), n_dead):
            alive[f] = False
        if antipode_of is not None and not alive[antipode_of]:
            continue
        angles = [rng.choice(ANGLES) for _ in range(F)]
        partner = None
        if antipode_of is not None:
            partner = target
            if not alive[partner]:
                continue
            angles[partner] = (angles[antipode_of] + 180) % 360
        ok = True
        for a in range(F):
            for b in range(a + 1, F):
                if not (alive[a] and alive[b]):
                    continue
                gap = _angle_gap(angles[a], angles[b])
                if antipode_of is None:
                    ok = ok and gap >= 30
                else:
                    planned = {a, b} == {antipode_of, partner}
                    ok = ok and (planned or 60 <= gap <= 120)
        if ok:
            norms = [rng.choice([0.9, 1.0, 1.1]) if alive[f] else rng.choice([0.0, 0.05, 0.1]) for f in range(F)]
            return [_vec(angles[f], norms[f]) for f in range(F)], partner


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import superpos_core
    import torch

    from superpos_core.plots import feature_geometry_png

    # the kind and the answer follow the seed, so answers are evenly spread over the deck:
    # partners 0-4 and counts 1-5 in turn
    kind = ("antipode", "count")[seed % 2]
    target = (seed // 2) % 5
    if kind == "antipode":
        F = rng.choice([f for f in (3, 4, 5) if f > target])
        i = rng.choice([f for f in range(F) if f != target])
        rows, _ = _draw(rng, F, i, target)
        W = torch.tensor([rows], dtype=torch.float64)
        pairs = [tuple(int(x) for x in p) for p in superpos_core.antipodal_pairs(W[0])]
        partners = sorted({b if a == i else a for a, b in pairs if i in (a, b)})
        answer = partners
        check = SetCheck(frozenset(answer))
        question = f"Which feature is antipodal to feature {i} (points the opposite way)?"
        others = [f for f in range(F) if f not in answer and f != i]
        norms = [math.hypot(*r) for r in rows]
        near = [f for f in others if norms[f] > 0.5]
        mistakes = [("named the feature itself", str(i))]
        if near:
            mistakes.append(("picked a neighbouring arrow, not the opposite one", str(near[0])))
        wrong = [r for _, r in mistakes] + [str(f) for f in others]
        right = [f"[{answer[0]}]", f"{{{answer[0]}}}"]
        hints = (
            "Antipodal features lie on one line through the origin, on opposite sides.",
            f"Find feature {i}'s arrow and look 180° away from it.",
            "Ignore arrows of (almost) zero length: they are not represented.",
        )
        explanation = (
            f"Feature {answer[0]} points exactly opposite to feature {i}: the two share one hidden direction with "
            "opposite signs, which works when they are rarely active together."
        )
        params = {"W": rows, "kind": kind, "feature": i}
    else:
        F = rng.choice([f for f in (3, 4, 5) if f >= target + 1])
        rows, _ = _draw(rng, F, None, target + 1)
        W = torch.tensor([rows], dtype=torch.float64)
        count = int(superpos_core.n_represented(W)[0])
        answer = count
        check = NumberCheck(count, precision=Precision.exact())
        question = "How many features are represented (\\(\\|W_i\\| > 0.5\\))?"
        mistakes = [(what, str(n)) for what, n in (
            ("counted every arrow, short ones too", F), ("one per hidden dimension", 2)) if n != count]
        wrong = [r for _, r in mistakes] + [str(count + 1), str(max(count - 1, 0))]
        right = [f"{count}.0"]
        hints = (
            "A represented feature has a long arrow; an ignored one sits at the origin.",
            "Count the arrows whose length is close to 1.",
            f"The plot shows {F} features in total.",
        )
        explanation = f"{count} of the {F} arrows have length about 1" + (
            "; the others are (nearly) zero." if count < F else ": none is (nearly) zero."
        )
        params = {"W": rows, "kind": kind}
    png = feature_geometry_png(W[0])
    return variant(
        ID, form, seed,
        params=params,
        prompt=(
            f"The plot shows the directions \\(W_i\\) of the {F} features of one instance in its 2 hidden "
            f"dimensions. {question}"
        ),
        answer=answer,
        check=check,
        answer_text=check.expected_text,
        image=png_image("geometry", png),
        explanation=explanation,
        hints=hints,
        wrong=wrong,
        right=right,
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Reading a feature-geometry plot",
    make=make,
    forms=("read",),
    difficulty=1,
    summary="Read a 2-d feature-geometry plot: find a feature's antipode or count the represented features.",
)
