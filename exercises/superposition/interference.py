"""How much one feature's direction overlaps the others: the paper's interference measure.

For feature \\(i\\), \\(\\sum_{j \\ne i} (\\hat W_i \\cdot W_j)^2\\): zero when every other feature
is orthogonal to it, large when features share its direction (superposition). The answer
is ``superpos_core.interference`` run on the variant's W.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck
from exercises.superposition._common import clean, fmt, number_spellings, variant
from exercises.superposition._small_w import as_model_W, draw, first_instance, show

ID = "superposition.interference"


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import numpy as np
    import superpos_core

    F = rng.choice([3, 4])
    i = rng.randrange(F)
    for _ in range(100):
        rows = draw(rng, F, i)
        values = first_instance(superpos_core.interference(as_model_W(rows)))
        if values[i] > 0:  # an all-orthogonal W makes a dull question
            break
    value = clean(values[i], 6)
    W = np.array(rows)
    norm = float(np.linalg.norm(W[i]))
    dots = W @ W[i]
    wrong = [
        fmt(value + norm**2),  # kept j = i
        fmt(float(np.sum(np.delete(dots, i) ** 2))),  # forgot to normalise W_i
        fmt(float(np.sum(np.abs(np.delete(dots, i))) / norm)),  # not squared
        fmt(values[(i + 1) % F]),  # another feature's interference
    ]
    check = NumberCheck(value, atol=2e-3, rtol=1e-2)
    return variant(
        ID, form, seed,
        params={"W": rows, "feature": i},
        prompt=(
            f"A TMS instance stores {F} features in 2 hidden dimensions; row \\(W_j\\) of `W[0]` is feature j's "
            f"direction. What is the interference of feature {i}, "
            f"\\(\\sum_{{j \\ne {i}}} (\\hat W_{{{i}}} \\cdot W_j)^2\\) with \\(\\hat W_{{{i}}} = W_{{{i}}} / \\|W_{{{i}}}\\|\\)?"
        ),
        answer=value,
        check=check,
        code=show(rows),
        explanation=(
            f"Project every other feature onto feature {i}'s unit direction and add the squares: "
            f"{fmt(value)}. It measures how much the other features leak into feature {i}'s readout."
        ),
        hints=(
            f"Normalise feature {i}'s row first, then compare every OTHER row with it.",
            f"\\(\\|W_{{{i}}}\\| = {fmt(norm)}\\); the dot products \\(W_{{{i}}} \\cdot W_j\\) are "
            f"{', '.join(fmt(d) for j, d in enumerate(dots) if j != i)} (j ≠ {i}).",
            f"Divide each of those dot products by {fmt(norm)}, square, and add them up.",
        ),
        wrong=wrong,
        right=number_spellings(value),
    )


FAMILY = Family(
    id=ID,
    title="Interference between features",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Compute Σ_{j≠i} (Ŵ_i·W_j)² for one feature of a small 2-d feature matrix.",
    tags=("tms", "analysis"),
)
