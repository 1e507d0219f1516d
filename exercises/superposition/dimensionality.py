"""Feature dimensionality: the fraction of a hidden dimension a feature gets to itself.

\\(D_i = \\|W_i\\|^2 / \\sum_j (\\hat W_i \\cdot W_j)^2\\): 1 for a feature with its own
dimension, 1/2 for one of an antipodal pair, 0 for a feature that is not represented.
The answer is ``superpos_core.feature_dimensionality`` run on the variant's W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, number_mistakes, number_spellings, variant
from exercises.superposition._small_w import as_model_W, first_instance, show, small_w
from exercises.superposition._arena_code import DIM_CODE as CODE  # issue 24: the function itself, graded

ID = "superposition.dimensionality"


def _mistakes(W, i: int, value: float) -> list[tuple[str, float]]:
    import numpy as np

    norm2 = float(W[i] @ W[i])
    dots = W @ W[i]
    denom = float(np.sum(dots**2) / norm2)
    interference = denom - norm2
    out = [
        ("upside down", denom / norm2),
        ("forgot to normalise W_i", norm2 / float(np.sum(dots**2))),
        ("the interference instead", interference),
        ("assumed its own dimension: 1", 1.0),
        ("did not square the norm", float(np.sqrt(norm2)) / denom),
    ]
    if interference > 1e-9:
        out.append(("left out the j = i term", norm2 / interference))
    return out


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np
    import superpos_core

    precision = Precision.decimals(3)

    def draw():
        F = rng.choice([3, 4])
        i = rng.randrange(F)
        rows = small_w(rng, F, i)
        values = first_instance(superpos_core.feature_dimensionality(as_model_W(rows)))
        if values[i] >= 0.999:  # no interference: the denominator would not matter
            return None
        value = clean(values[i], 6)
        W = np.array(rows)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(W, i, value))
        return None if mistakes is None else (i, rows, W, value, check, mistakes)

    i, rows, W, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    norm2 = float(W[i] @ W[i])
    dots = W @ W[i]
    denom = float(np.sum(dots**2) / norm2)
    return variant(
        ID, form, seed,
        params={"W": rows, "feature": i},
        prompt=(
            f"Row \\(W_j\\) of `W[0]` is feature j's direction in a 2-d hidden space. What is the dimensionality "
            f"of feature {i}, \\(D_{{{i}}} = \\|W_{{{i}}}\\|^2 / \\sum_j (\\hat W_{{{i}}} \\cdot W_j)^2\\) "
            f"(the sum includes j = {i})?" + give(precision)
        ),
        answer=value,
        check=check,
        code=show(rows),
        explanation=(
            f"\\(\\|W_{{{i}}}\\|^2 = {fmt(norm2)}\\) and the projections squared add up to {fmt(denom)}, so "
            f"\\(D_{{{i}}} \\approx {precision.format(value)}\\): the share of a hidden dimension feature {i} "
            "effectively owns."
        ),
        hints=(
            "A feature alone in its direction has D = 1; sharing a direction with others lowers it.",
            f"\\(\\|W_{{{i}}}\\|^2 = {fmt(norm2)}\\); the j = {i} term of the sum equals that same number.",
            f"The projections \\(\\hat W_{{{i}}} \\cdot W_j\\) are "
            f"{', '.join(fmt(d / np.sqrt(norm2)) for d in dots)}; square and add them for the denominator.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Feature dimensionality",
    make=make,
    forms=("value",),
    difficulty=3,
    summary="Compute D_i = ||W_i||² / Σ_j (Ŵ_i·W_j)² for one feature of a small 2-d feature matrix.",
    code_spec=CODE,
)
