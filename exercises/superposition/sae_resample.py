"""Resampling dead latents: ARENA's simple version and Anthropic's loss-weighted one.

ARENA 1.3.1's "resample_simple" and "resample_advanced" exercises ("Towards Monosemanticity",
Bricken et al., 2023). A latent that fired on no input for a while gets no gradient from the
reconstruction any more and will never come back by itself; resampling gives it a new direction.

* Simple: a random direction ``u`` (normalised) as its decoder row, ``resample_scale * u`` as its
  encoder column, encoder bias 0 (``superpos_core.sae_variants.resample_simple``).
* Loss-weighted: the direction of an input drawn with probability ``∝ loss^2`` (per-input
  reconstruction loss), centred by ``b_dec``; the encoder column at ``resample_scale`` times the
  mean encoder norm of the live latents (``resample_loss_weighted``; ``superpos_core.optimize_sae``
  does the same inside its trainer). Inputs reconstructed worst are the features no latent covers
  yet, so the latent starts where it is needed.

The code exercise asks for the simple version (random directions given, so it is deterministic):
the grader names the slips (directions not normalised, the encoder not scaled, b_enc kept, live
latents overwritten, encoder and decoder scales swapped). The value form asks for the probability
that the loss-weighted draw picks a given input (``loss_weighted_probs``).
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, Precision, distinct_sizes
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import give, literal, number_mistakes, number_spellings, variant

ID = "superposition.sae_resample"


# ------------------------------------------------------------------ reference & mistakes


def reference(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    """``superpos_core.sae_variants.resample_simple``: new ``(W_enc, b_enc, W_dec)``."""
    from superpos_core.sae_variants import resample_simple

    return resample_simple(W_enc, b_enc, W_dec, dead, directions, resample_scale)


def _apply(W_enc, b_enc, W_dec, dead, dec_rows, enc_cols, zero_bias=True):
    import torch

    dead = dead.bool()
    W_dec = torch.where(dead[..., None], dec_rows, W_dec)
    W_enc = torch.where(dead[..., None, :], enc_cols.transpose(-1, -2), W_enc)
    if zero_bias:
        b_enc = torch.where(dead, torch.zeros_like(b_enc), b_enc)
    return W_enc, b_enc.clone(), W_dec


def _unit(v):
    return v / (v.norm(dim=-1, keepdim=True) + 1e-8)


def not_normalised(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    return _apply(W_enc, b_enc, W_dec, dead, directions, resample_scale * directions)


def encoder_not_scaled(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    u = _unit(directions)
    return _apply(W_enc, b_enc, W_dec, dead, u, u)


def b_enc_kept(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    u = _unit(directions)
    return _apply(W_enc, b_enc, W_dec, dead, u, resample_scale * u, zero_bias=False)


def every_latent(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    import torch

    u = _unit(directions)
    return _apply(W_enc, b_enc, W_dec, torch.ones_like(dead), u, resample_scale * u)


def scales_swapped(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    u = _unit(directions)
    return _apply(W_enc, b_enc, W_dec, dead, resample_scale * u, u)


def only_decoder(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    import torch

    u = _unit(directions)
    d = dead.bool()
    return W_enc.clone(), torch.where(d, torch.zeros_like(b_enc), b_enc), torch.where(d[..., None], u, W_dec)


SLIPS = (
    (not_normalised, "Normalise the random directions first: the decoder rows must have unit norm."),
    (encoder_not_scaled, "The encoder column is resample_scale * u (small, so the latent starts gently), "
                         "the decoder row u."),
    (b_enc_kept, "Set the dead latents' encoder bias to 0: a very negative bias is what killed them."),
    (every_latent, "Only the dead latents are resampled; live ones keep their weights."),
    (scales_swapped, "resample_scale goes on the encoder column; the decoder row stays at unit norm."),
    (only_decoder, "Resample the encoder column too (resample_scale * u), not only the decoder row."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Weights of an SAE with some dead latents (at least one dead and one live per case) and
    random directions of varied norms."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    if case % 3 == 0:
        I = 1
        D, H = distinct_sizes(rng, 2, 3, 7)
    else:
        I, D, H = distinct_sizes(rng, 3, 2, 8)
    dead = torch.rand(I, D, generator=g) < 0.4
    dead[..., 0], dead[..., -1] = True, False
    return {
        "W_enc": torch.randn(I, H, D, generator=g), "b_enc": -torch.rand(I, D, generator=g) - 0.1,
        "W_dec": torch.randn(I, D, H, generator=g), "dead": dead,
        "directions": 3 * torch.randn(I, D, H, generator=g), "resample_scale": rng.choice((0.2, 0.5)),
    }


CODE = CodeSpec(
    function="resample_simple",
    signature=("def resample_simple(W_enc: torch.Tensor, b_enc: torch.Tensor, W_dec: torch.Tensor, "
               "dead: torch.Tensor, directions: torch.Tensor, resample_scale: float"
               ") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:"),
    doc=wrapped(
        "Resample an SAE's dead latents the simple way (ARENA's resample_simple).\n\n"
        "W_enc: [instances, d_in, d_sae]; b_enc: [instances, d_sae]; W_dec: [instances, d_sae, d_in];\n"
        "dead: [instances, d_sae] bool, the latents to resample;\n"
        "directions: [instances, d_sae, d_in], a random vector for each latent (use directions[i, j]\n"
        "for dead latent (i, j); normalise it to u = v / (||v|| + 1e-8)).\n"
        "For each dead latent: decoder row u, encoder column resample_scale * u, encoder bias 0.\n"
        "Live latents are unchanged. Returns new (W_enc, b_enc, W_dec); the inputs stay unchanged."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

LOSSES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
B = 4


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import torch

    from superpos_core.sae_variants import loss_weighted_probs

    precision = Precision.decimals(3)

    def draw():
        losses = [rng.choice(LOSSES) for _ in range(B)]
        k = rng.randrange(B)
        if losses[k] == 0 or len(set(losses)) < 3:
            return None
        # inputs whose per-input reconstruction loss (mean over d_in = 1) is exactly `losses`
        h = torch.tensor(losses, dtype=torch.float64).sqrt()[:, None, None]
        p = float(loss_weighted_probs(h, torch.zeros_like(h))[0, k])
        check = NumberCheck(p, precision=precision)
        s1 = sum(losses)
        mistakes = number_mistakes(check, precision, [("∝ loss, not loss²", losses[k] / s1),
                                                      ("uniform", 1 / B), ("loss² / Σ loss", losses[k] ** 2 / s1)])
        return None if mistakes is None else (losses, k, p, check, mistakes)

    losses, k, p, check, mistakes = redraw(draw, 3000, family=ID, form=form, seed=seed)
    code = (f"losses = torch.tensor({literal(losses)})  # reconstruction loss of each input of the batch\n"
            "dead_latent_gets = h[pick(losses)] - b_dec  # Anthropic's resampling: one input per dead latent")
    s2 = sum(x * x for x in losses)
    return variant(
        ID, form, seed,
        params={"losses": losses, "k": k},
        prompt=(f"To resample a dead latent, Anthropic's method (and ARENA's resample_advanced) draws one input of "
                f"the batch, weighting each by its reconstruction loss as the paper prescribes. What is the "
                f"probability that input {k} (counting from 0) is drawn?" + give(precision)),
        answer=p,
        check=check,
        answer_text=precision.format(p),
        code=code,
        explanation=(f"The weights are the squared losses: p = {losses[k]:g}² / Σ loss² = {losses[k] ** 2:g} / "
                     f"{s2:g} = {precision.format(p)}. Squaring favours the inputs reconstructed worst: in the toy "
                     "model those are the features no latent covers yet."),
        hints=("Not proportional to the loss itself: to its square.", "Normalise by the sum over the batch."),
        wrong=[r for _, r in mistakes],
        right=number_spellings(p),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Resampling dead latents",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Resample dead SAE latents: random unit directions with b_enc = 0 (simple), or inputs drawn ∝ loss² (Anthropic).",
    code_spec=CODE,
)
