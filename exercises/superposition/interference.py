"""How much one feature's direction overlaps the others: the paper's interference measure.

For feature \\(i\\), \\(\\sum_{j \\ne i} (\\hat W_i \\cdot W_j)^2\\): zero when every other feature
is orthogonal to it, large when features share its direction (superposition). The answer
is ``superpos_core.interference`` run on the variant's W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, number_mistakes, number_spellings, variant
from exercises.superposition._small_w import as_model_W, first_instance, show, small_w

ID = "superposition.interference"


def _mistakes(W, i: int, values: list[float]) -> list[tuple[str, float]]:
    import numpy as np

    norm = float(np.linalg.norm(W[i]))
    dots = W @ W[i]
    others = np.delete(dots, i)
    other_norms = np.delete(np.linalg.norm(W, axis=1), i)
    value = values[i]
    return [
        ("kept the j = i term", value + norm**2),
        ("forgot to normalise W_i", float(np.sum(others**2))),
        ("did not square the projections", float(np.sum(np.abs(others)) / norm)),
        ("normalised W_j instead of W_i", float(np.sum((others / other_norms) ** 2))),
        ("another feature's interference", values[(i + 1) % len(values)]),
    ]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np
    import superpos_core

    precision = Precision.decimals(3)

    def draw():
        F = rng.choice([3, 4])
        i = rng.randrange(F)
        rows = small_w(rng, F, i)
        values = first_instance(superpos_core.interference(as_model_W(rows)))
        if values[i] <= 0:  # an all-orthogonal W makes a dull question
            return None
        W = np.array(rows)
        value = clean(values[i], 6)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(W, i, values))
        return None if mistakes is None else (F, i, rows, W, value, check, mistakes)

    F, i, rows, W, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    norm = float(np.linalg.norm(W[i]))
    dots = W @ W[i]
    return variant(
        ID, form, seed,
        params={"W": rows, "feature": i},
        prompt=(
            f"A TMS instance stores {F} features in 2 hidden dimensions; row \\(W_j\\) of `W[0]` is feature j's "
            f"direction. What is the interference of feature {i}, "
            f"\\(\\sum_{{j \\ne {i}}} (\\hat W_{{{i}}} \\cdot W_j)^2\\) with "
            f"\\(\\hat W_{{{i}}} = W_{{{i}}} / \\|W_{{{i}}}\\|\\)?" + give(precision)
        ),
        answer=value,
        check=check,
        code=show(rows),
        explanation=(
            f"Project every other feature onto feature {i}'s unit direction and add the squares: "
            f"{precision.format(value)}. It measures how much the other features leak into feature {i}'s readout."
        ),
        hints=(
            f"Normalise feature {i}'s row first, then compare every OTHER row with it.",
            f"\\(\\|W_{{{i}}}\\| = {fmt(norm)}\\); the dot products \\(W_{{{i}}} \\cdot W_j\\) are "
            f"{', '.join(fmt(d) for j, d in enumerate(dots) if j != i)} (j ≠ {i}).",
            f"Divide each of those dot products by {fmt(norm)}, square, and add them up.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Interference between features",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Compute Σ_{j≠i} (Ŵ_i·W_j)² for one feature of a small 2-d feature matrix.",
)
