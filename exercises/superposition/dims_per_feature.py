"""Dimensions per feature: how many hidden dimensions the model spends per represented feature.

\\(m / \\|W\\|_F^2\\) with m = n_hidden: 1 when each feature owns a dimension, 1/2 for
antipodal pairs, 2/5 for a pentagon of unit features in 2 dimensions. The answer is
``superpos_core.dimensions_per_feature`` run on the variant's W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, number_mistakes, number_spellings, variant
from exercises.superposition._small_w import NICE, as_model_W, first_instance, show

ID = "superposition.dims_per_feature"
ROWS = NICE + ((0.0, 0.0), (1.0, 1.0), (-1.0, 1.0), (0.5, -0.5), (1.0, -1.0))


def _mistakes(W) -> list[tuple[str, float]]:
    import numpy as np

    fro2 = float(np.sum(W**2))
    F, m = W.shape
    n_rep = int((np.linalg.norm(W, axis=1) > 0.5).sum())
    out = [
        ("upside down", fro2 / m),
        ("Frobenius norm not squared", m / np.sqrt(fro2)),
        ("counted the features instead of their norms", m / F),
        ("left out m", 1 / fro2),
        ("summed the entries, not their squares", m / float(np.abs(W).sum())),
    ]
    if n_rep:
        out.append(("counted the represented features (norm > 0.5)", m / n_rep))
    return out


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np
    import superpos_core

    precision = Precision.decimals(3)

    def draw():
        F = rng.choice([3, 4, 5])
        rows = [list(rng.choice(ROWS)) for _ in range(F)]
        if not any(any(r) for r in rows) or len({tuple(r) for r in rows}) != F:
            return None
        value = clean(first_instance(superpos_core.dimensions_per_feature(as_model_W(rows)))[0], 6)
        W = np.array(rows)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(W))
        return None if mistakes is None else (F, rows, W, value, check, mistakes)

    F, rows, W, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    fro2 = float(np.sum(W**2))
    return variant(
        ID, form, seed,
        params={"W": rows},
        prompt=(
            f"For the instance below ({F} features, m = 2 hidden dimensions), what is the number of dimensions "
            "per feature, \\(D^* = m / \\|W\\|_F^2\\)?" + give(precision)
        ),
        answer=value,
        check=check,
        code=show(rows),
        explanation=(
            f"\\(\\|W\\|_F^2\\) is the sum of all squared entries, {fmt(fro2)}, so \\(D^* = 2 / {fmt(fro2)} "
            f"\\approx {precision.format(value)}\\): it counts represented features by their squared norms."
        ),
        hints=(
            "\\(\\|W\\|_F^2\\) acts as a soft count of the represented features.",
            "Add up the squares of every entry of W, i.e. the squared norms of all rows.",
            f"The squared row norms are {', '.join(fmt(float(r @ r)) for r in W)}; divide m = 2 by their sum.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Dimensions per feature",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Compute m / ||W||_F² for a small feature matrix: the hidden dimensions spent per feature.",
)
