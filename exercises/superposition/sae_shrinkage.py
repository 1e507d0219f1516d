"""Shrinkage: why an L1 penalty under-reports feature magnitudes, and why L0 thresholds do not.

ARENA 1.3.1's motivation for Gated and JumpReLU SAEs. Take one latent whose unit decoder row is
exactly a feature's direction ``d`` and an input ``h = m d`` (``b_dec = 0``). In this package's
loss (reconstruction averaged over ``d_in``) the latent's activation ``a`` costs::

    L1:  (a - m)^2 / d_in + l1_coeff * a    minimised at a* = max(m - l1_coeff * d_in / 2, 0)
    L0:  (a - m)^2 / d_in + l0_coeff * 1[a > 0]
         minimised at a* = m if m^2 / d_in > l0_coeff, else 0

The L1 optimum is shrunk by a constant for every magnitude (a biased reconstruction), the L0
optimum is not: small activations are cut to zero, large ones kept whole -- what a threshold
(JumpReLU) or a gate (Gated SAE) implements. ``superpos_core.sae_variants.optimal_activation``
gives both (checked in the tests against a brute-force minimisation of ``superpos_core.sae_loss``).
The code exercise asks for the L1 optimum as a function of the magnitudes; the value form asks
for the L1 optimum (shrunk) or for the least loss under L0 (``min(l0_coeff, m^2 / d_in)``: fire
with ``a = m`` or not at all).
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import give, number_mistakes, number_spellings, variant

ID = "superposition.sae_shrinkage"


# ------------------------------------------------------------------ reference & mistakes


def reference(m, l1_coeff, d_in):
    """``superpos_core.sae_variants.optimal_activation(m, l1_coeff, d_in, "l1")`` in ``m``'s dtype."""
    from superpos_core.sae_variants import optimal_activation

    return optimal_activation(m, l1_coeff, d_in, "l1").to(m.dtype)


def no_clamp(m, l1_coeff, d_in):
    return m - l1_coeff * d_in / 2


def no_half(m, l1_coeff, d_in):
    return (m - l1_coeff * d_in).clamp_min(0)


def no_d_in(m, l1_coeff, d_in):
    return (m - l1_coeff / 2).clamp_min(0)


def coeff_only(m, l1_coeff, d_in):
    return (m - l1_coeff).clamp_min(0)


def no_shrinkage(m, l1_coeff, d_in):
    return m.clamp_min(0)


def divided(m, l1_coeff, d_in):
    return m / (1 + l1_coeff * d_in / 2)


SLIPS = (
    (no_clamp, "Activations are ReLU outputs: clamp at 0 (a magnitude below the shrinkage is cut to 0)."),
    (no_half, "d/da of (a - m)^2 / d_in is 2 (a - m) / d_in: the shrinkage is l1_coeff * d_in / 2."),
    (no_d_in, "The reconstruction is averaged over d_in, so the L1 weighs d_in times more: l1_coeff * d_in / 2."),
    (coeff_only, "Set the derivative of (a - m)^2 / d_in + l1_coeff * a to zero: a = m - l1_coeff * d_in / 2."),
    (no_shrinkage, "An L1 penalty shrinks every active latent by a constant: a* = m - l1_coeff * d_in / 2."),
    (divided, "The L1's derivative is a constant, l1_coeff: it subtracts, it does not rescale."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    n = rng.randint(3, 12)
    return {"m": 2 * torch.rand(n, generator=g), "l1_coeff": rng.choice((0.05, 0.1, 0.2, 0.3)),
            "d_in": rng.choice((2, 3, 5))}


CODE = CodeSpec(
    function="l1_optimal_activation",
    signature="def l1_optimal_activation(m: torch.Tensor, l1_coeff: float, d_in: int) -> torch.Tensor:",
    doc=wrapped(
        "The activation a >= 0 that minimises an SAE's loss for one latent whose unit-norm decoder\n"
        "row is exactly the input's direction d, for inputs h = m * d (b_dec = 0, no other latent):\n"
        "loss(a) = mean over d_in of (a d - m d)^2 + l1_coeff * a.\n\n"
        "m: [n], the input magnitudes; d_in: the dimension of h. Returns a* for each magnitude, [n]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

MAGNITUDES = (0.2, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.5)
COEFFS = (0.05, 0.1, 0.2, 0.3)
D_INS = (2, 3, 4)
PENALTIES = ("l1", "l0")


def make(rng: random.Random, form: str, seed: int) -> Variant:
    from superpos_core.sae_variants import optimal_activation

    precision = Precision.decimals(4)  # m²/d_in may need 4 (0.0625)
    penalty = PENALTIES[seed % 2]

    def draw():
        m, c, d_in = rng.choice(MAGNITUDES), rng.choice(COEFFS), rng.choice(D_INS)
        if penalty == "l1":  # the activation, shrunk (never clamped to 0 here: the code exercise has that)
            value = float(optimal_activation(m, c, d_in, "l1"))
            if value <= 0:
                return None
            slips = [("no shrinkage (a = m)", m), ("shrunk by l1_coeff", m - c),
                     ("shrunk by l1_coeff × d_in", m - c * d_in), ("shrunk by l1_coeff / 2", m - c / 2)]
        else:  # the loss at the best activation: min(l0_coeff, m² / d_in), whichever choice is cheaper
            a = float(optimal_activation(m, c, d_in, "l0"))
            value = (a - m) ** 2 / d_in + c * (a > 0)
            shrunk = max(m - c * d_in / 2, 0)
            slips = [("always firing", c), ("never firing", m * m / d_in),
                     ("as if the penalty were an L1", (shrunk - m) ** 2 / d_in + c * shrunk),
                     ("m² not divided by d_in", min(c, m * m))]
        check = NumberCheck(value, precision=precision)
        slips = [(w, v) for w, v in slips if abs(v - value) > 1e-12]
        mistakes = number_mistakes(check, precision, slips)
        return None if not mistakes else (m, c, d_in, value, check, mistakes)

    m, c, d_in, value, check, mistakes = redraw(draw, 3000, family=ID, form=form, seed=seed)
    name = "l1_coeff" if penalty == "l1" else "l0_coeff"
    term = f"{name} × a" if penalty == "l1" else f"{name} × 1[a > 0]"
    code = (f"d_in = {d_in}; {name} = {c:g}\n"
            f"h = {m:g} * d          # one input: magnitude {m:g} along the unit direction d\n"
            "W_dec[0] = d            # the latent's decoder row is exactly d; b_dec = 0\n"
            f"# loss(a) = mean over d_in of (a*d - h)^2 + {term}")
    if penalty == "l1":
        expl = (f"(a - {m:g})² / {d_in} + {c:g} a has its minimum where 2 (a - {m:g}) / {d_in} + {c:g} = 0: "
                f"a = {m:g} - {c:g} × {d_in} / 2 = {precision.format(value)}. The L1 shrinks every active latent by "
                "the same amount: the SAE under-reports magnitudes. That is shrinkage, and why JumpReLU and Gated "
                "SAEs exist.")
        ask = "Which activation a >= 0 minimises the loss below?"
    else:
        expl = (f"An L0 penalty costs {c:g} whatever a is, so a firing latent takes a = m exactly (no shrinkage, "
                f"no reconstruction error) and the loss is {c:g}; not firing costs the reconstruction, m² / d_in = "
                f"{m * m / d_in:g}. The best is the smaller: {precision.format(value)}. Small magnitudes are cut, "
                "large ones kept whole, which is what JumpReLU's threshold implements.")
        ask = "What is the smallest loss any activation a >= 0 achieves?"
    return variant(
        ID, form, seed,
        params={"penalty": penalty, "m": m, "coeff": c, "d_in": d_in},
        prompt=(f"An SAE with an {'L1' if penalty == 'l1' else 'L0'} sparsity penalty reconstructs one input with "
                "one latent. " + ask + give(precision)),
        answer=value,
        check=check,
        answer_text=precision.format(value),
        code=code,
        explanation=expl,
        hints=("Write the loss as a function of a alone: (a - m)² / d_in plus the penalty.",
               "L1: set the derivative to zero. L0: compare firing with a = m against not firing at all."),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Shrinkage: L1 versus L0",
    make=make,
    forms=("value",),
    difficulty=3,
    summary="The loss-optimal activation under L1 (shrunk by l1_coeff·d_in/2) and under L0 (kept or cut): why thresholds exist.",
    code_spec=CODE,
)
