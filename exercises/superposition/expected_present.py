"""How many features a generated batch contains on average: sparsity in numbers.

``generate_batch`` keeps each entry independently with probability ``feature_probability``
(and draws its value uniformly from [0, 1)), so the expected count is the sum of that
probability over every entry of the batch. The variant computes it with torch from the
real model's ``feature_probability`` broadcast to the real batch's shape.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, number_mistakes, number_spellings, variant

ID = "superposition.expected_present"
PROBS = (0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01)
ROWS = (10, 20, 50, 64, 100, 128, 200, 256, 500, 1000, 1024)


def expected_present(n_features: int, n_instances: int, probability: float, n_batch: int) -> float:
    """E[number of non-zero entries] of ``model.generate_batch(n_batch)``, from the real model."""
    import torch

    from exercises.superposition._common import build_model

    W = torch.zeros(n_instances, n_features, 2)
    model = build_model(W, feature_probability=torch.tensor(probability, dtype=torch.float64))
    with torch.no_grad():
        batch = model.generate_batch(n_batch)
        p = torch.broadcast_to(model.feature_probability.to(torch.float64), batch.shape)
    return clean(float(p.sum()), 6)


def _mistakes(n: int, I: int, F: int, p: float) -> list[tuple[str, float]]:
    total = n * I * F
    return [
        ("counted the absent entries", total * (1 - p)),
        ("forgot the instances", n * F * p),
        ("forgot the features: one per row", n * I * p),
        ("forgot the batch: one row", I * F * p),
        ("every entry present", total),
    ]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.exact()

    def draw():
        F = rng.randint(2, 20)
        I = rng.choice([2, 2, 3, 4, 5])
        p = rng.choice(PROBS)
        n = rng.choice(ROWS)
        value = expected_present(F, I, p, n)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(n, I, F, p))
        return None if mistakes is None else (F, I, p, n, value, check, mistakes)

    F, I, p, n, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    prompt = (
        f"A TMS `Model` with `n_features={F}`, `n_instances={I}` and `feature_probability={p:g}` "
        f"generates `batch = model.generate_batch({n})`. "
        "What is the expected number of non-zero entries (present features) in `batch`?" + give(precision)
    )
    total = n * I * F
    return variant(
        ID, form, seed,
        params={"n_features": F, "n_instances": I, "feature_probability": p, "n_batch": n},
        prompt=prompt,
        answer=value,
        check=check,
        explanation=(
            f"Each of the {n}·{I}·{F} = {total} entries is present independently with probability {p:g}, "
            f"so by linearity of expectation the count is {total}·{p:g} = {fmt(value)}."
        ),
        hints=(
            "Every entry of the batch is kept or zeroed independently; expectations add up.",
            f"The batch has shape [{n}, {I}, {F}]; each entry is present with probability {p:g}.",
            f"Multiply the number of entries, {total}, by {p:g}.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Expected present features in a batch",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="The expected number of non-zero features generate_batch produces at a given sparsity.",
)
