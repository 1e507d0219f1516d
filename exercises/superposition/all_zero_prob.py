"""The chance that a generated row carries no feature at all: why sparse batches are mostly empty.

A row of one instance is all zero when every one of its features is absent; features are
absent independently with probability ``1 - feature_probability``. The variant multiplies
those probabilities with torch, taken from the real model's ``feature_probability``
broadcast to the shape of a real ``generate_batch`` result, for the instance asked about.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck
from exercises.superposition._common import clean, fmt, literal, number_spellings, variant

ID = "superposition.all_zero_prob"
PROBS = (0.5, 0.25, 0.2, 0.1, 0.05, 0.75, 0.4)


def all_zero_probability(n_features: int, probs: list[float], instance: int) -> float:
    """P(batch[b, instance, :] is all zero) for a model with per-instance ``probs``."""
    import torch

    from exercises.superposition._common import build_model

    W = torch.zeros(len(probs), n_features, 2)
    model = build_model(W, feature_probability=torch.tensor(probs, dtype=torch.float64)[:, None])
    with torch.no_grad():
        batch = model.generate_batch(1)
        p = torch.broadcast_to(model.feature_probability.to(torch.float64), batch.shape)[0, instance]
        absent = 1 - p
        return clean(float(absent.prod()), 9)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    F = rng.randint(2, 5)
    I = rng.choice([1, 1, 2, 3])
    probs = [rng.choice(PROBS) for _ in range(I)]
    i = rng.randrange(I)
    value = all_zero_probability(F, probs, i)
    p = probs[i]
    # relative tolerance: 0.25^5 is about 0.00098, so an absolute 1e-3 would accept "0"
    check = NumberCheck(value, atol=1e-6, rtol=1e-2)
    if I == 1:
        setup = f"`Model(Config(n_features={F}, n_hidden=2, n_instances=1), feature_probability=torch.tensor({p:g}))`"
        which = "a row of `batch = model.generate_batch(1000)`"
        where = ""
    else:
        setup = (
            f"`Model(Config(n_features={F}, n_hidden=2, n_instances={I}), "
            f"feature_probability=torch.tensor({literal([[q] for q in probs])}))`"
        )
        which = f"`batch[b, {i}, :]` (instance {i} of one row of `batch = model.generate_batch(1000)`)"
        where = f" (instance {i} has feature probability {p:g})"
    prompt = (
        f"For {setup}, what is the probability that {which} is all zero, i.e. no feature is present{where}?"
    )
    wrong = [
        fmt(1 - value),  # at least one present
        fmt(p**F),  # all present
        fmt(1 - p),  # one feature only
        fmt((1 - p) ** (F - 1)),  # one feature too few
        fmt(max(0.0, 1 - F * p)),  # union bound
    ]
    return variant(
        ID, form, seed,
        params={"n_features": F, "feature_probability": probs, "instance": i},
        prompt=prompt,
        answer=value,
        check=check,
        explanation=(
            f"Each of the {F} features is absent independently with probability {fmt(1 - p)}, "
            f"so the row is empty with probability \\({fmt(1 - p)}^{{{F}}} \\approx {fmt(value)}\\)."
        ),
        hints=(
            "`generate_batch` decides for every entry independently whether the feature is present.",
            f"A single feature is absent with probability \\(1 - {p:g}\\).",
            f"All {F} features must be absent: multiply their probabilities, \\((1-p)^{{n}}\\) with n = {F}.",
        ),
        wrong=wrong,
        right=number_spellings(value) + [f"{clean(value):.5f}"],
    )


FAMILY = Family(
    id=ID,
    title="Probability of an all-zero row",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="How likely a generated row of one instance is to contain no feature at all.",
    tags=("tms", "sparsity"),
)
