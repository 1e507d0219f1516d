"""The paper's sparsity S against the notebook's ``feature_probability`` p: S = 1 − p.

The paper labels its instances by S and plots dimensions per feature against 1/(1 − S); the
notebook sets ``feature_probability = base ** -torch.linspace(0, 1, n_instances)``. This family
asks only the conversions between the two: instance k's S, its x coordinate 1/(1 − S) in the
paper's dimensions-per-feature plot, or the p that reproduces an instance the paper labels by S
or by 1/(1 − S). The chance of an all-zero row, the expected number of
present features and D* itself each have their own family (``all_zero_prob``,
``expected_present``, ``dims_per_feature``), so no question is asked twice. The answers run the
notebook's expression through a real ``superpos_core.Model``.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import (
    clean,
    fmt,
    give,
    number_mistakes,
    number_spellings,
    variant,
)

ID = "superposition.sparsity"
BASES = (10, 20, 30, 50, 100)
N_INSTANCES = (4, 5, 6, 8, 10)
KINDS = ("S", "x", "p")
PAPER_S = (0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999)
PAPER_X = (3, 4, 5, 8, 10, 20, 25, 40, 50, 100, 200, 1000)


def instance_probabilities(base: int, n_instances: int) -> list[float]:
    """The notebook's per-instance ``feature_probability``, read back from a real model."""
    import torch

    from superpos_core import Config, Model

    p = base ** -torch.linspace(0, 1, n_instances, dtype=torch.float64)
    model = Model(Config(n_features=5, n_hidden=2, n_instances=n_instances),
                  feature_probability=p[:, None], device="cpu", seed=0)
    return [float(v) for v in model.feature_probability[:, 0]]


def _value(kind: str, p: float) -> float:
    S = 1 - p
    return S if kind == "S" else 1 / (1 - S)


def _mistakes(kind: str, base: int, I: int, k: int, probs: list[float]) -> list[tuple[str, float]]:
    p = probs[k]
    by_I = base ** -(k / I)  # linspace read as steps of 1/n_instances
    shifted = probs[k - 1]  # instances counted from 1
    if kind == "S":
        return [
            ("gave p, not S = 1 - p", p),
            ("linspace in steps of 1/n_instances", 1 - by_I),
            ("counted the instances from 1", 1 - shifted),
            ("1/(1 - S) instead of S", 1 / p),
        ]
    return [
        ("1/S instead of 1/(1 - S)", 1 / (1 - p)),
        ("S itself", 1 - p),
        ("linspace in steps of 1/n_instances", 1 / by_I),
        ("counted the instances from 1", 1 / shifted),
    ]


def _make_p(rng: random.Random, form: str, seed: int) -> Variant:
    """The other way round: from a label in the paper (S, or x = 1/(1 - S)) to the notebook's p."""
    import torch

    precision = Precision.sig(3)
    if rng.random() < 0.5:
        S = rng.choice(PAPER_S)
        label, shown = "S", f"sparsity S = {S:g}"
        value = clean(float(1 - torch.tensor(S, dtype=torch.float64)), 9)
        found = [("passed S itself", S), ("passed 1/(1 - S)", 1 / (1 - S)), ("passed 1/S", 1 / S)]
    else:
        X = rng.choice(PAPER_X)
        label, shown = "x", f"x = 1/(1 − S) = {X:g} on the dimensions-per-feature plot"
        value = clean(float(1 / torch.tensor(X, dtype=torch.float64)), 9)
        found = [("passed S = 1 - 1/x", 1 - 1 / X), ("passed x itself", float(X))]
    check = NumberCheck(value, precision=precision)
    mistakes = number_mistakes(check, precision, found)
    assert mistakes is not None, (label, value)
    return variant(
        ID, form, seed,
        params={"kind": "p", "label": label, "paper": S if label == "S" else X},
        prompt=(
            f"A figure of the paper shows an instance at {shown}. Which `feature_probability` do you pass to the "
            "notebook's `Model` to train that instance?" + give(precision)
        ),
        answer=value,
        check=check,
        explanation=(
            "The notebook's `feature_probability` p is the chance a feature is present; the paper's S is the chance "
            f"it is absent, S = 1 − p, so p = {'1 − S' if label == 'S' else '1/x'} = {precision.format(value)}."
        ),
        hints=(
            "The paper's S is the probability that a feature is zero.",
            "p and S are complementary probabilities." if label == "S" else "1 − S is the notebook's p.",
            "p = 1 − S." if label == "S" else "p = 1/x.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


def make(rng: random.Random, form: str, seed: int) -> Variant:
    kind = KINDS[seed % len(KINDS)]
    if kind == "p":
        return _make_p(rng, form, seed)
    precision = Precision.decimals(3) if kind == "S" else Precision.sig(3)

    def draw():
        base = rng.choice(BASES)
        I = rng.choice(N_INSTANCES)
        k = rng.randint(1, I - 2)
        probs = instance_probabilities(base, I)
        value = clean(_value(kind, probs[k]), 9)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(kind, base, I, k, probs))
        return None if mistakes is None else (base, I, k, probs, value, check, mistakes)

    base, I, k, probs, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    p = probs[k]
    setup = (
        f"The notebook trains {I} instances with "
        f"`feature_probability = ({base} ** -torch.linspace(0, 1, {I}))[:, None]` "
        f"(instance k's features are each present with probability `feature_probability[k]`)."
    )
    if kind == "S":
        question = f" The paper labels instances by their sparsity S. What is S for instance {k}?"
        explanation = (
            f"Instance {k} has p = {base}^(-{k}/{I - 1}) ≈ {fmt(p)}; the paper's sparsity is the chance a feature is "
            f"absent, S = 1 − p ≈ {precision.format(value)}."
        )
        hints = (
            "The paper's S is the probability that a feature is zero; the notebook's p is the probability it is present.",
            f"`torch.linspace(0, 1, {I})` steps by 1/{I - 1}, so instance {k} has exponent {k}/{I - 1}.",
            f"p = {base}^(-{k}/{I - 1}) ≈ {fmt(p)}; S = 1 − p.",
        )
    else:
        question = (
            f" The paper plots dimensions per feature against 1/(1 − S). At which x = 1/(1 − S) does "
            f"instance {k} sit?"
        )
        explanation = (
            f"S = 1 − p, so 1/(1 − S) = 1/p = {base}^({k}/{I - 1}) ≈ {precision.format(value)}: on average one in "
            f"every {fmt(value, 3)} features is present."
        )
        hints = (
            "S = 1 − p, so 1 − S is simply the notebook's p.",
            f"`torch.linspace(0, 1, {I})` steps by 1/{I - 1}, so instance {k} has exponent {k}/{I - 1}.",
            f"p = {base}^(-{k}/{I - 1}); 1/(1 − S) = 1/p = {base}^({k}/{I - 1}).",
        )
    return variant(
        ID, form, seed,
        params={"kind": kind, "base": base, "n_instances": I, "instance": k},
        prompt=setup + question + give(precision),
        answer=value,
        check=check,
        explanation=explanation,
        hints=hints,
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Sparsity S and feature probability p",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Convert the notebook's feature_probability p into the paper's sparsity S = 1 − p and 1/(1 − S).",
)
