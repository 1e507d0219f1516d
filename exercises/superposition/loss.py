"""The importance-weighted reconstruction loss of TMS, computed by hand on a tiny batch.

The loss is the one ``superpos_core.optimize`` minimises: the importance-weighted squared
error, averaged over batch and features for each instance, then summed over instances (so
every instance trains as if alone). The variant builds a real model
(axis-aligned W, so its output stays on a grid of halves), shows ``batch`` and
``out = model(batch)``, and takes the answer from superpos_core's own trainer loss.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, give, literal, number_mistakes, number_spellings, variant
from exercises.superposition._loss import tms_loss
from exercises.superposition._arena_code import LOSS_CODE as CODE  # issue 24: the function itself, graded

ID = "superposition.loss"
X_VALUES = (0.0, 0.5, 1.0)
ROWS = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (0.0, 0.0))
B_VALUES = (0.0, 0.0, 0.5, -0.5)
IMPORTANCES = ((1.0, 0.5), (2.0, 1.0), (1.0, 0.25), (2.0, 0.5), (0.5, 0.25))


def _mistakes(t_batch, t_out, imp) -> list[tuple[str, float]]:
    import torch

    t_imp = torch.tensor([imp], dtype=torch.float64)
    err = t_imp * (t_batch.abs() - t_out) ** 2
    return [
        ("summed instead of averaged", float(err.sum())),
        ("left out the importance", float(((t_batch - t_out) ** 2).mean(dim=(0, 2)).sum())),
        ("averaged over the instances too", float(err.mean())),
        ("did not square the error", float((t_imp * (t_batch - t_out).abs()).mean(dim=(0, 2)).sum())),
        ("averaged over the batch only (summed the features)", float(err.mean(dim=0).sum())),
        ("averaged over the features only (summed the batch)", float(err.mean(dim=2).sum())),
        ("squared the importance", float((t_imp * err).mean(dim=(0, 2)).sum())),
    ]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import torch

    from exercises.superposition._common import build_model

    precision = Precision.sig(3)
    B, I, F = 2, 2, 2  # two instances, so that averaging over them too is caught

    def draw():
        imp = list(rng.choice(IMPORTANCES))
        # axis-aligned rows keep the model's output on a grid of halves
        W = [[list(rng.choice(ROWS)) for _ in range(F)] for _ in range(I)]
        b = [[rng.choice(B_VALUES) for _ in range(F)] for _ in range(I)]
        batch = [[[rng.choice(X_VALUES) for _ in range(F)] for _ in range(I)] for _ in range(B)]
        model = build_model(W, b, importance=[imp]).double()  # float64: exact halves and quarters
        t_batch = torch.tensor(batch, dtype=torch.float64)
        with torch.no_grad():
            t_out = model(t_batch)
        if torch.equal(t_out, t_batch):
            return None
        value = clean(tms_loss(model, t_batch), 9)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(t_batch, t_out, imp))
        return None if mistakes is None else (imp, W, b, batch, t_out, value, check, mistakes)

    imp, W, b, batch, t_out, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    out = [[[clean(v, 6) for v in row] for row in inst] for inst in t_out.tolist()]
    code = (
        f"batch = torch.tensor({literal(batch)})  # [batch={B}, instances={I}, features={F}]\n"
        f"out = torch.tensor({literal(out)})    # = model(batch), same shape\n"
        f"importance = torch.tensor({literal([imp])})  # [1, features]\n"
        "error = importance * (batch.abs() - out) ** 2\n"
        "loss = einops.reduce(error, 'b i f -> i', 'mean').sum()"
    )
    return variant(
        ID, form, seed,
        params={"batch": batch, "out": out, "importance": imp, "W": W, "b_final": b},
        prompt=("This is the loss `optimize` minimises for a TMS model. What is `loss` (a single number)?"
                + give(precision)),
        answer=value,
        check=check,
        code=code,
        explanation=(
            f"Weight each squared error by its feature's importance, average over the {B}·{F} = {B * F} entries "
            f"of each instance, then add the {I} instance means: loss = {precision.format(value)}."
        ),
        hints=(
            "The reduction 'b i f -> i' with 'mean' averages over batch and features but keeps each instance.",
            "Square each difference batch - out, multiply by the feature's importance, then average.",
            f"Each instance's mean is over {B * F} entries; `.sum()` then adds the {I} instance values.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="The importance-weighted TMS loss",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Compute the per-instance mean of the importance-weighted squared error, summed over instances.",
    code_spec=CODE,
)
