"""Read off a trained model which features it stores as antipodal pairs.

In 2 hidden dimensions a sparse model can store two features on one line, pointing in
opposite directions (\\(W_j \\approx -W_i\\)): the ReLU and a negative bias filter out the
interference. The answer is ``superpos_core.antipodal_pairs`` on the learned W of one
instance of the cached grid run; instances with a borderline pair are skipped.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.superposition import _trained as T
from exercises.superposition._common import variant
from exercises.superposition._pairs import PairsCheck, format_pairs

ID = "superposition.trained_antipodal"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import itertools

    import superpos_core

    run, k = T.pick_instance(rng, antipodal=True)
    W = T.instance_W(run, k)
    pairs = sorted(tuple(sorted((int(a), int(b)))) for a, b in superpos_core.antipodal_pairs(W[0]))
    rep = [i for i, m in enumerate(superpos_core.represented(W, threshold=T.THRESHOLD)[0]) if bool(m)]
    setting = T.grid()[k]
    check = PairsCheck(frozenset(pairs))
    others = [p for p in itertools.combinations(rep, 2) if p not in pairs]
    wrong = ["none", format_pairs(others[:2]) if others else "(0, 1)", format_pairs([(0, 1), (2, 3)]),
             format_pairs([(0, 2), (1, 3)]), format_pairs(pairs[:1] + [(0, T.N_FEATURES - 1)])]
    right = [
        "; ".join(f"{b}-{a}" for a, b in reversed(pairs)) or "no pairs",
        str([list(p) for p in pairs]) if pairs else "[]",
    ]
    return variant(
        ID, form, seed,
        params={"instance": k, **setting, "training": T.run_key()},
        prompt=(
            f"A TMS model with {T.N_FEATURES} features and {T.N_HIDDEN} hidden dimensions was trained with "
            f"{T.describe(k)}. The picture shows the learned directions \\(W_i\\). Which pairs of represented "
            "features sit antipodally (pointing in opposite directions, \\(W_j \\approx -c\\,W_i\\))? "
            "Write pairs like (0, 3), (1, 2), or none."
        ),
        answer=[list(p) for p in pairs],
        check=check,
        answer_text=check.expected_text,
        image=T.geometry_picture(run, k),
        explanation=(
            (f"{format_pairs(pairs)}: each pair shares one line of the hidden plane in opposite directions; "
             "only one of a sparse pair is usually active, and the ReLU removes the negative interference.")
            if pairs else
            "None: the represented features point in clearly different directions (orthogonal when dense, "
            "a polygon when very sparse)."
        ),
        hints=(
            "Antipodal features lie on one straight line through the origin, on opposite sides.",
            "Compare the angles of the long arrows only; an arrow at 180° from another forms a pair with it.",
            f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''} to find.",
        ),
        wrong=wrong,
        right=right,
    )


FAMILY = Family(
    id=ID,
    title="Trained model: antipodal pairs",
    make=make,
    forms=("read",),
    difficulty=3,
    summary="Spot the antipodal feature pairs a sparse trained 5→2 toy model uses, from its geometry plot.",
    tags=("tms", "trained"),
)
