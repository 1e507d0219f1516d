"""A sparse autoencoder's loss by hand: reconstruction MSE plus ``l1_coeff`` times the L1 norm.

The convention of ``superpos_core.sae_loss`` (that of the common TMS-SAE exercises), per
instance::

    reconstruction = mean over batch and d_in of (h_hat - h)^2
    l1             = mean over batch of (sum over latents of |acts|)
    loss           = reconstruction + l1_coeff * l1

The value form shows a tiny batch (``h``, ``h_hat``, ``acts``) and ``l1_coeff`` and takes the
answer from ``superpos_core.sae_loss``. ``acts`` holds a negative entry (hand-made test values,
as an SAE without a ReLU would give) so that the absolute value matters; every classic slip
(sums for means, no abs, no ``l1_coeff``, the L1 averaged over latents, ...) gives another
number at the stated precision. The code exercise asks for ``sae_loss`` itself, per instance.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, Precision, distinct_sizes
from exercises.redraw import redraw
from exercises.superposition._common import (
    give,
    literal,
    number_mistakes,
    number_spellings,
    variant,
)

ID = "superposition.sae_loss"


# ------------------------------------------------------------------ reference & mistakes


def reference(h, h_hat, acts, l1_coeff):
    """``superpos_core.sae_loss``: the per-instance loss ``[instances]``."""
    from superpos_core import sae_loss

    return sae_loss(h, h_hat, acts, l1_coeff)


def _sq(h, h_hat):
    return (h_hat - h) ** 2


def summed_mse(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).sum(dim=(0, -1)) + l1_coeff * acts.abs().sum(-1).mean(0)


def mse_over_batch_only(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).sum(-1).mean(0) + l1_coeff * acts.abs().sum(-1).mean(0)


def l1_without_abs(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).mean(dim=(0, -1)) + l1_coeff * acts.sum(-1).mean(0)


def no_l1_coeff(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).mean(dim=(0, -1)) + acts.abs().sum(-1).mean(0)


def l1_mean_over_latents(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).mean(dim=(0, -1)) + l1_coeff * acts.abs().mean(dim=(0, -1))


def l1_summed_over_batch(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).mean(dim=(0, -1)) + l1_coeff * acts.abs().sum(dim=(0, -1))


def no_l1_term(h, h_hat, acts, l1_coeff):
    return _sq(h, h_hat).mean(dim=(0, -1)) + 0 * acts.sum(dim=(0, -1))


#: (what, function, the grader's message)
SLIPS = (
    ("summed the squared error instead of averaging it", summed_mse,
     "The reconstruction term is a mean over batch and d_in, not a sum."),
    ("averaged the squared error over the batch only (summed over d_in)", mse_over_batch_only,
     "Average the squared error over d_in too: mean over batch and d_in."),
    ("took the L1 norm without the absolute value", l1_without_abs,
     "The L1 norm sums |acts|, the absolute values."),
    ("forgot l1_coeff", no_l1_coeff, "Did you forget to multiply the L1 term by l1_coeff?"),
    ("averaged the L1 over the latents too", l1_mean_over_latents,
     "The L1 term sums over the latents (then averages over the batch)."),
    ("summed the L1 over the batch too", l1_summed_over_batch,
     "The L1 term is averaged over the batch (after summing over the latents)."),
    ("left out the L1 term", no_l1_term, "Did you forget the sparsity term, l1_coeff * L1?"),
)

MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for _, fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Notebook-layout batches of varied shapes (one instance or one row included); ``acts``
    holds negative entries so that a missing abs shows."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    if case % 3 == 0:
        B, I = rng.choice(((1, 1), (2, 1), (1, 3)))
        H, D = distinct_sizes(rng, 2, 2, 7)
    else:
        B, I, H, D = distinct_sizes(rng, 4, 2, 9)
    h = torch.randn(B, I, H, generator=g)
    h_hat = h + 0.5 * torch.randn(B, I, H, generator=g)
    acts = torch.randn(B, I, D, generator=g)
    acts[0, :, 0] = -acts[0, :, 0].abs() - 0.1
    return {"h": h, "h_hat": h_hat, "acts": acts, "l1_coeff": rng.choice((0.05, 0.1, 0.2, 0.3, 0.5))}


CODE = CodeSpec(
    function="sae_loss",
    signature=("def sae_loss(h: torch.Tensor, h_hat: torch.Tensor, acts: torch.Tensor, "
               "l1_coeff: float) -> torch.Tensor:"),
    doc=(
        "A sparse autoencoder's loss, per instance.\n\n"
        "h, h_hat: [batch, instances, d_in] (hidden activations and their reconstruction);\n"
        "acts: [batch, instances, d_sae] (latent activations); l1_coeff: a number.\n"
        "reconstruction = mean over batch and d_in of (h_hat - h)^2;\n"
        "l1 = mean over batch of the sum over latents of |acts|.\n"
        "Returns reconstruction + l1_coeff * l1, shape [instances]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

H_VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5)
ACT_VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)
L1_VALUES = (0.1, 0.2, 0.25, 0.5, 0.05)
B, D_IN, D_SAE = 2, 2, 3


def _value(fn, h, h_hat, acts, l1):
    import torch

    t = lambda x: torch.tensor(x, dtype=torch.float64)[:, None, :]
    return float(fn(t(h), t(h_hat), t(acts), l1)[0])


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(4)  # values are multiples of 1/80 or 1/16: 4 decimals hold them exactly

    def draw():
        h = [[rng.choice(H_VALUES) for _ in range(D_IN)] for _ in range(B)]
        h_hat = [[rng.choice(H_VALUES) for _ in range(D_IN)] for _ in range(B)]
        acts = [[rng.choice(ACT_VALUES) for _ in range(D_SAE)] for _ in range(B)]
        l1 = rng.choice(L1_VALUES)
        if h == h_hat or not any(a < 0 for row in acts for a in row):
            return None
        value = _value(reference, h, h_hat, acts, l1)
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, [(w, _value(fn, h, h_hat, acts, l1)) for w, fn, _ in SLIPS])
        return None if mistakes is None else (h, h_hat, acts, l1, value, check, mistakes)

    h, h_hat, acts, l1, value, check, mistakes = redraw(draw, 2000, family=ID, form=form, seed=seed)
    rec = _value(lambda *a: reference(a[0], a[1], a[2], 0.0), h, h_hat, acts, l1)
    l1_term = (value - rec) / l1
    code = (
        f"h     = torch.tensor({literal(h)})  # [batch={B}, d_in={D_IN}]\n"
        f"h_hat = torch.tensor({literal(h_hat)})  # the SAE's reconstruction, same shape\n"
        f"acts  = torch.tensor({literal(acts)})  # [batch, d_sae={D_SAE}]\n"
        f"l1_coeff = {l1:g}\n"
        "loss = sae_loss(h, h_hat, acts, l1_coeff)"
    )
    return variant(
        ID, form, seed,
        params={"h": h, "h_hat": h_hat, "acts": acts, "l1_coeff": l1},
        prompt=(
            "`sae_loss` is the sparse-autoencoder loss of superpos_core: the reconstruction error, the mean over "
            "batch and d_in of (h_hat - h)², plus `l1_coeff` times the L1 term, the mean over the batch of the "
            "sum over latents of |acts|. It is tested here on hand-made values (one `acts` entry is negative, as "
            "an SAE without a ReLU could give). What is `loss`?" + give(precision)
        ),
        answer=value,
        check=check,
        answer_text=precision.format(value),
        code=code,
        explanation=(
            f"Reconstruction: the mean of the {B * D_IN} squared differences = {rec:g}. L1: sum |acts| per row, "
            f"then average the {B} rows = {l1_term:g}. Loss = {rec:g} + {l1:g} × {l1_term:g} = "
            f"{precision.format(value)}."
        ),
        hints=(
            f"Square the {B * D_IN} differences h_hat - h and average them all.",
            "For the L1 term take absolute values, add them up within each row, then average over the rows.",
            "Multiply the L1 term by l1_coeff before adding it.",
        ),
        wrong=[r for _, r in mistakes] + [precision.format(rec)],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="An SAE's loss",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Compute an SAE's loss: reconstruction MSE (mean over batch and d_in) + l1_coeff × mean L1 of the latents.",
    code_spec=CODE,
)
