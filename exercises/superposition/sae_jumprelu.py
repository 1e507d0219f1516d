"""The JumpReLU SAE: a learned threshold per latent (stored as its log) and an L0 penalty.

ARENA 1.3.1's "JumpReLU SAE" exercise (Rajamanoharan et al., 2024, "Jumping Ahead"). As in
``superpos_core.sae_variants``, per instance::

    z     = relu((h - b_dec) W_enc + b_enc)
    θ     = exp(log_theta)                     (positive by construction)
    acts  = z * 1[z > θ]                       (JumpReLU: below θ nothing, above θ all of z)
    h_hat = acts W_dec + b_dec
    loss  = mean over batch and d_in of (h_hat - h)^2
            + l0_coeff * mean over batch of (number of latents with z > θ)

The L0 counts latents, it does not weigh them: no shrinkage (see superposition.sae_shrinkage).
The code exercise asks for ``superpos_core.sae_variants.jumprelu_sae_loss`` (values only: θ's
gradient is superposition.sae_ste's card); the grader names the slips: θ taken as log_theta,
acts as the step 1[z > θ] instead of z times it, the L1 of acts instead of the L0, the L0 summed
over the batch, the threshold before the bias. The value form asks for the L0 term of a tiny batch.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, Precision, distinct_sizes
from exercises.fixes import with_fix
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import give, literal, number_mistakes, number_spellings, variant

ID = "superposition.sae_jumprelu"


# ------------------------------------------------------------------ reference & mistakes


def reference(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    """``superpos_core.sae_variants.jumprelu_sae_loss``: ``(acts, h_hat, loss)``."""
    from superpos_core.sae_variants import jumprelu_sae_loss

    return jumprelu_sae_loss(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff)


def _z(W_enc, b_enc, b_dec, h):
    import torch

    return torch.relu(torch.einsum("...ih,ihd->...id", h - b_dec, W_enc) + b_enc)


def _finish(acts, W_dec, b_dec, h, sparsity, l0_coeff):
    import torch

    h_hat = torch.einsum("...id,idh->...ih", acts, W_dec) + b_dec
    return acts, h_hat, (h_hat - h).square().mean(-1).mean(0) + l0_coeff * sparsity


def theta_is_log_theta(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = _z(W_enc, b_enc, b_dec, h)
    on = (z > log_theta).to(z.dtype)
    return _finish(z * on, W_dec, b_dec, h, on.sum(-1).mean(0), l0_coeff)


def acts_are_the_step(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = _z(W_enc, b_enc, b_dec, h)
    on = (z > log_theta.exp()).to(z.dtype)
    return _finish(on, W_dec, b_dec, h, on.sum(-1).mean(0), l0_coeff)


def l1_instead_of_l0(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = _z(W_enc, b_enc, b_dec, h)
    acts = z * (z > log_theta.exp()).to(z.dtype)
    return _finish(acts, W_dec, b_dec, h, acts.abs().sum(-1).mean(0), l0_coeff)


def l0_summed_over_batch(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = _z(W_enc, b_enc, b_dec, h)
    on = (z > log_theta.exp()).to(z.dtype)
    return _finish(z * on, W_dec, b_dec, h, on.sum(-1).sum(0), l0_coeff)


def l0_of_the_relu(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = _z(W_enc, b_enc, b_dec, h)
    on = (z > log_theta.exp()).to(z.dtype)
    return _finish(z * on, W_dec, b_dec, h, (z > 0).to(z.dtype).sum(-1).mean(0), l0_coeff)


def theta_subtracted(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    """A shifted ReLU, relu(z - θ), instead of the jump."""
    import torch

    z = _z(W_enc, b_enc, b_dec, h)
    theta = log_theta.exp()
    on = (z > theta).to(z.dtype)
    return _finish(torch.relu(z - theta), W_dec, b_dec, h, on.sum(-1).mean(0), l0_coeff)


SLIPS = (
    (theta_is_log_theta, "The parameter is log θ: the threshold is θ = exp(log_theta)."),
    (acts_are_the_step, "JumpReLU keeps the whole value above the threshold: acts = z * 1[z > θ], not 1[z > θ]."),
    (l1_instead_of_l0, "The JumpReLU SAE penalises the L0 (how many latents fire, 1[z > θ] summed), not the L1 of acts."),
    (l0_summed_over_batch, "Average the L0 over the batch (after counting over the latents)."),
    (l0_of_the_relu, "Count the latents above θ, not every latent with z > 0: the L0 is of the JumpReLU's output."),
    (theta_subtracted, "JumpReLU jumps: acts = z * 1[z > θ]. relu(z - θ) shifts every activation down (shrinkage)."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Instance-batched weights with unit decoder rows, θ's between 0.05 and 1 so that some latents
    with z > 0 stay below their threshold and others pass it."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    if case % 3 == 0:
        B, I = rng.choice(((1, 1), (3, 1)))
        H, D = distinct_sizes(rng, 2, 2, 7)
    else:
        B, I, H, D = distinct_sizes(rng, 4, 2, 9)
    W_dec = torch.randn(I, D, H, generator=g)
    W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True)
    W_enc = W_dec.transpose(1, 2) + 0.3 * torch.randn(I, H, D, generator=g)
    b_enc = 0.2 * torch.randn(I, D, generator=g)
    b_dec = 0.2 * torch.randn(I, H, generator=g)
    h = torch.randn(B, I, H, generator=g)
    log_theta = torch.log(0.05 + 0.95 * torch.rand(I, D, generator=g))
    return {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "log_theta": log_theta, "h": h,
            "l0_coeff": rng.choice((0.01, 0.05, 0.1, 0.2))}


CODE = CodeSpec(
    function="jumprelu_sae_loss",
    signature=("def jumprelu_sae_loss(W_enc: torch.Tensor, b_enc: torch.Tensor, W_dec: torch.Tensor, "
               "b_dec: torch.Tensor, log_theta: torch.Tensor, h: torch.Tensor, l0_coeff: float"
               ") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:"),
    doc=wrapped(
        "A JumpReLU sparse autoencoder's forward pass and loss, one SAE per instance.\n\n"
        "W_enc: [instances, d_in, d_sae]; b_enc, log_theta: [instances, d_sae];\n"
        "W_dec: [instances, d_sae, d_in]; b_dec: [instances, d_in]; h: [batch, instances, d_in].\n"
        "z = relu((h - b_dec) @ W_enc + b_enc); the threshold of each latent is exp(log_theta);\n"
        "acts = JumpReLU(z) (z where it is above the threshold, else 0);\n"
        "h_hat = acts @ W_dec + b_dec;\n"
        "loss = mean over batch and d_in of (h_hat - h)^2\n"
        "       + l0_coeff * mean over batch of the number of latents above their threshold.\n"
        "Returns (acts, h_hat, loss); loss has shape [instances]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

Z_VALUES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
THETA_VALUES = (0.25, 0.5, 1.0, 2.0)
SIZES = ((4, 3), (5, 3), (4, 4), (5, 4))  # (batch rows, latents)


def _l0(z, theta, how):
    import torch

    zt, th = torch.tensor(z, dtype=torch.float64), torch.tensor(theta, dtype=torch.float64)
    if how == "ref":
        from superpos_core.ste import heaviside

        return float(heaviside(zt, th, 0.01).sum(-1).mean(0))
    if how == "log":
        return float((zt > th.log()).double().sum(-1).mean(0))
    if how == "relu":
        return float((zt > 0).double().sum(-1).mean(0))
    if how == "sum":
        return float((zt > th).double().sum())
    if how == "l1":
        return float((zt * (zt > th)).sum(-1).mean(0))
    if how == "geq":
        return float((zt >= th).double().sum(-1).mean(0))
    raise ValueError(how)


SLIP_VALUES = (("compared z with log θ instead of θ", "log"), ("counted every latent with z > 0", "relu"),
               ("summed over the batch instead of averaging", "sum"),
               ("took the L1 of the JumpReLU outputs", "l1"), ("counted z = θ as above the threshold", "geq"))


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(2)  # multiples of 1/4 or 1/5
    ROWS, D = SIZES[(seed // 2) % len(SIZES)]

    def draw():
        theta = [rng.choice(THETA_VALUES) for _ in range(D)]
        z = [[rng.choice(Z_VALUES) for _ in range(D)] for _ in range(ROWS)]
        if not any(zz == t for row in z for zz, t in zip(row, theta)):
            return None  # one z exactly at θ: is it "above"?
        value = _l0(z, theta, "ref")
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, [(w, _l0(z, theta, how)) for w, how in SLIP_VALUES])
        return None if mistakes is None else (theta, z, value, check, mistakes)

    theta, z, value, check, mistakes = redraw(draw, 3000, family=ID, form=form, seed=seed)
    counts = [sum(zz > t for zz, t in zip(row, theta)) for row in z]
    code = (
        f"z = torch.tensor({literal(z)})  # relu of the pre-activations, [batch={ROWS}, d_sae={D}]\n"
        f"log_theta = torch.log(torch.tensor({literal(theta)}))  # the learned parameter\n"
        "l0 = l0_term(z, log_theta)"
    )
    return variant(
        ID, form, seed,
        params={"z": z, "theta": theta},
        prompt=(
            "A JumpReLU SAE stores each latent's threshold as its log, `log_theta`; a latent fires when z exceeds "
            "its threshold. `l0_term` is the sparsity term of its loss: the mean over the batch of the number of "
            "latents that fire. What is `l0`?" + give(precision)
        ),
        answer=value,
        check=check,
        answer_text=precision.format(value),
        code=code,
        explanation=(
            f"θ = exp(log_theta) = {literal(theta)}. Latents above their θ per row: {counts} (z equal to θ does "
            f"not fire: 1[z > θ]). Their mean over the {ROWS} rows is {precision.format(value)}."
        ),
        hints=("The threshold is θ = exp(log_theta), not log_theta itself.",
               "Count, in each row, the entries strictly above their column's θ.",
               f"Average the {ROWS} counts."),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


def fix(rng: random.Random, seed: int) -> Variant:
    """One line of the snippet with a classic mistake (``_threshold_fix.jumprelu_fix``)."""
    from exercises.superposition._threshold_fix import jumprelu_fix

    return jumprelu_fix(ID, rng, seed)


FAMILY = Family(
    id=ID,
    title="A JumpReLU SAE: learned thresholds and an L0 penalty",
    make=with_fix(make, fix),
    forms=("value", "fix"),
    difficulty=3,
    summary="JumpReLU SAE: θ = exp(log_theta), acts = z·1[z > θ], loss = reconstruction + l0_coeff × mean L0.",
    code_spec=CODE,
)
