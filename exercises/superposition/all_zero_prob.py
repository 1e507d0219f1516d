"""The chance that a generated row carries no feature at all: why sparse batches are mostly empty.

A row of one instance is all zero when every one of its features is absent; features are
absent independently with probability ``1 - feature_probability``. The variant multiplies
those probabilities with torch, taken from the real model's ``feature_probability``
broadcast to the shape of a real ``generate_batch`` result, for the instance asked about.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, literal, number_mistakes, number_spellings, variant

ID = "superposition.all_zero_prob"
PROBS = (0.5, 0.25, 0.2, 0.1, 0.05, 0.75, 0.4, 0.3, 0.15, 0.6, 0.02)


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


def _mistakes(F: int, probs: list[float], i: int, value: float) -> list[tuple[str, float]]:
    p = probs[i]
    out = [
        ("at least one feature present", 1 - value),
        ("every feature present", p**F),
        ("one feature only", 1 - p),
        ("one feature too few", (1 - p) ** (F - 1)),
        ("union bound 1 - n·p", 1 - F * p),
        ("multiplied by n instead of raising to the power", (1 - p) * F),
    ]
    out += [(f"used instance {j}'s probability", (1 - q) ** F) for j, q in enumerate(probs) if j != i]
    return out


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.sig(3)

    def draw():
        F = rng.randint(2, 6)
        I = rng.choice([1, 2, 3])
        probs = [rng.choice(PROBS) for _ in range(I)]
        i = rng.randrange(I)
        value = all_zero_probability(F, probs, i)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(F, probs, i, value))
        return None if mistakes is None else (F, I, probs, i, value, check, mistakes)

    F, I, probs, i, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    p = probs[i]
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
        + give(precision)
    )
    return variant(
        ID, form, seed,
        params={"n_features": F, "feature_probability": probs, "instance": i},
        prompt=prompt,
        answer=value,
        check=check,
        explanation=(
            f"Each of the {F} features is absent independently with probability {fmt(1 - p)}, "
            f"so the row is empty with probability \\({fmt(1 - p)}^{{{F}}} \\approx {precision.format(value)}\\)."
        ),
        hints=(
            "`generate_batch` decides for every entry independently whether the feature is present.",
            f"A single feature is absent with probability \\(1 - {p:g}\\).",
            f"All {F} features must be absent: multiply their probabilities, \\((1-p)^{{n}}\\) with n = {F}.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value) + [f"{clean(value):.5f}", f"{fmt(1 - p)}^{F}"],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Probability of an all-zero row",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="How likely a generated row of one instance is to contain no feature at all.",
)
