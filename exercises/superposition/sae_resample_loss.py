"""Anthropic's loss-weighted resampling of dead latents, as a function to write.

ARENA 1.3.1's "resample_advanced" exercise ("Towards Monosemanticity", Bricken et al., 2023), as
``superpos_core.sae_variants.resample_loss_weighted``. Per instance: each input's reconstruction
loss ``L[b] = mean over d_in of (h_hat - h)^2``; probabilities ``p = L^2 / sum L^2``; each dead
latent ``j`` draws one input by inverse CDF from the uniform number ``u[i, j]`` (the first ``b``
with ``cumsum(p)[b] > u``, so the test is deterministic); that input, centred (``- b_dec``) and
normalised, becomes the latent's decoder row ``v``; its encoder column is ``v`` times
``resample_scale`` times the mean encoder-column norm of the live latents (1 if none lives); its
encoder bias 0. The grader names the slips: weights ∝ L instead of L², the input not centred, the
encoder at ``resample_scale`` alone, the mean norm over every latent, b_enc kept. The value form
asks which input a given ``u`` picks.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, distinct_sizes
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import literal, variant

ID = "superposition.sae_resample_loss"


# ------------------------------------------------------------------ reference & mistakes


def reference(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    """``superpos_core.sae_variants.resample_loss_weighted``: new ``(W_enc, b_enc, W_dec)``."""
    from superpos_core.sae_variants import resample_loss_weighted

    return resample_loss_weighted(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale)


def _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale, *, power=2, centre=True,
              scale_by_live=True, live_only=True, zero_bias=True):
    """The reference written out with switches, one per classic slip."""
    import torch

    w = (h_hat - h).square().mean(-1).pow(power).T  # [I, B]
    cdf = torch.cumsum(w / w.sum(-1, keepdim=True), -1)
    idx = torch.searchsorted(cdf.contiguous(), u.contiguous(), right=True).clamp_max(w.shape[-1] - 1)
    I = h.shape[1]
    src = h - b_dec if centre else h
    v = src[idx, torch.arange(I)[:, None]]
    v = v / (v.norm(dim=-1, keepdim=True) + 1e-8)
    dead = dead.bool()
    norms = W_enc.norm(dim=-2)
    pool = ~dead if live_only else torch.ones_like(dead)
    mean = (norms * pool).sum(-1) / pool.sum(-1).clamp_min(1)
    mean = torch.where(pool.sum(-1) > 0, mean, torch.ones_like(mean))
    scale = resample_scale * (mean if scale_by_live else torch.ones_like(mean))
    W_dec = torch.where(dead[..., None], v, W_dec)
    W_enc = torch.where(dead[..., None, :], scale[:, None, None] * v.transpose(-1, -2), W_enc)
    b_enc = torch.where(dead, torch.zeros_like(b_enc), b_enc) if zero_bias else b_enc.clone()
    return W_enc, b_enc, W_dec


def weights_proportional_to_loss(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    return _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale, power=1)


def not_centred(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    return _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale, centre=False)


def encoder_scale_alone(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    return _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale, scale_by_live=False)


def mean_norm_over_every_latent(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    return _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale, live_only=False)


def b_enc_kept(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    return _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale, zero_bias=False)


def uniform_draw(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    """Every input equally likely (as if every loss were the same)."""
    import torch

    return _resample(W_enc, b_enc, W_dec, b_dec, dead, h, h + torch.ones_like(h), u, resample_scale)


SLIPS = (
    (weights_proportional_to_loss, "Draw inputs with probability ∝ loss², not ∝ loss: squaring favours the inputs "
                                   "reconstructed worst."),
    (not_centred, "Centre the drawn input first: its direction is h - b_dec (the SAE reads h - b_dec)."),
    (encoder_scale_alone, "The encoder column is v × resample_scale × the mean encoder norm of the live latents."),
    (mean_norm_over_every_latent, "Average the encoder norms over the live latents only; dead ones are about to change."),
    (b_enc_kept, "Set the resampled latents' encoder bias to 0."),
    (uniform_draw, "The draw is weighted by the squared reconstruction loss, not uniform over the batch."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """An SAE with dead and live latents, a batch whose reconstruction errors differ a lot between
    inputs (so weights ∝ L and ∝ L² pick differently) and uniform numbers ``u``."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    if case % 3 == 0:
        I = 1
        B, D, H = distinct_sizes(rng, 3, 3, 9)
    else:
        I, B, D, H = distinct_sizes(rng, 4, 2, 9)
        B = max(B, 4)
    dead = torch.rand(I, D, generator=g) < 0.5
    dead[..., 0], dead[..., -1] = True, False
    h = torch.randn(B, I, H, generator=g)
    err = torch.randn(B, I, H, generator=g) * torch.rand(B, I, 1, generator=g) ** 2
    return {"W_enc": torch.randn(I, H, D, generator=g), "b_enc": -torch.rand(I, D, generator=g) - 0.1,
            "W_dec": torch.randn(I, D, H, generator=g), "b_dec": 0.5 * torch.randn(I, H, generator=g), "dead": dead,
            "h": h, "h_hat": h + err, "u": torch.rand(I, D, generator=g), "resample_scale": rng.choice((0.2, 0.5))}


CODE = CodeSpec(
    function="resample_advanced",
    signature=("def resample_advanced(W_enc: torch.Tensor, b_enc: torch.Tensor, W_dec: torch.Tensor, "
               "b_dec: torch.Tensor, dead: torch.Tensor, h: torch.Tensor, h_hat: torch.Tensor, u: torch.Tensor, "
               "resample_scale: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:"),
    doc=wrapped(
        "Resample an SAE's dead latents the way Anthropic does (ARENA's resample_advanced).\n\n"
        "W_enc: [instances, d_in, d_sae]; b_enc, dead (bool), u: [instances, d_sae];\n"
        "W_dec: [instances, d_sae, d_in]; b_dec: [instances, d_in];\n"
        "h, h_hat: [batch, instances, d_in], a batch and the SAE's reconstruction of it.\n"
        "Per instance: each input's loss is the mean over d_in of (h_hat - h)^2; input b is drawn\n"
        "with probability proportional to its loss squared. Dead latent (i, j) takes the input\n"
        "picked by u[i, j] (in [0, 1)) through the inverse CDF: the first b whose cumulative\n"
        "probability exceeds u[i, j]. Its direction v = (h[b, i] - b_dec[i]) / (norm + 1e-8)\n"
        "becomes the decoder row; the encoder column is v * resample_scale * (the mean norm of\n"
        "the live latents' encoder columns, or 1 if none lives); the encoder bias is 0.\n"
        "Live latents are unchanged. Returns new (W_enc, b_enc, W_dec); the inputs stay unchanged."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

LOSSES = (0.1, 0.2, 0.3, 0.4, 0.5)
U_VALUES = (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95)
B = 5


def _pick(losses, u, power=2):
    """The inverse-CDF pick in plain Python (fast enough to redraw with); the card's answer is then
    taken from ``superpos_core.sae_variants.loss_weighted_indices`` and must agree."""
    w = [x ** power for x in losses]
    acc = 0.0
    for b, x in enumerate(w):
        acc += x / sum(w)
        if acc > u:
            return b
    return len(w) - 1


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import torch

    from superpos_core.sae_variants import loss_weighted_indices

    target = seed % B  # every index equally often

    def draw():
        losses = [rng.choice(LOSSES) for _ in range(B)]
        u = rng.choice(U_VALUES)
        w = [x * x for x in losses]
        if any(abs(sum(w[: b + 1]) / sum(w) - u) < 1e-6 for b in range(B)):
            return None  # a cumulative probability equal to u: "exceeds" would hang on rounding
        answer = _pick(losses, u)
        slips = [("weights ∝ loss, not loss²", _pick(losses, u, power=1)),
                 ("uniform draw", min(int(u * B), B - 1)),
                 ("the input with the largest loss", max(range(B), key=lambda b: losses[b]))]
        if answer != target or any(s == answer for _, s in slips):
            return None
        return losses, u, answer, slips

    losses, u, answer, slips = redraw(draw, 3000, family=ID, form=form, seed=seed)
    h = torch.tensor(losses, dtype=torch.float64).sqrt()[:, None, None]  # per-input loss = h^2 (d_in 1)
    ran = int(loss_weighted_indices(h, torch.zeros_like(h), torch.tensor([[u]], dtype=torch.float64))[0, 0])
    if ran != answer:
        raise AssertionError(f"{ID}/{form}/{seed}: superpos_core picks {ran}, the plain draw {answer}")
    w = [x * x for x in losses]
    cdf, acc = [], 0.0
    for x in w:
        acc += x / sum(w)
        cdf.append(round(acc, 3))
    code = (f"losses = torch.tensor({literal(losses)})  # per-input reconstruction loss, batch of {B}\n"
            f"u = {u:g}  # the uniform number drawn for one dead latent\n"
            "b = pick(losses, u)  # Anthropic's loss-weighted draw, by inverse CDF")
    check = NumberCheck(answer)
    return variant(
        ID, form, seed,
        params={"losses": losses, "u": u},
        prompt=("Anthropic's resampling gives a dead latent the direction of one input of the batch, drawn with "
                "the weighting of \"Towards Monosemanticity\". `pick` draws it by inverse CDF: the first index "
                "whose cumulative probability exceeds u. Which input index (counting from 0) does it return?"),
        answer=answer,
        check=check,
        answer_text=str(answer),
        code=code,
        explanation=(f"Weights ∝ loss²: {literal(w)}; cumulative probabilities {cdf}; the first above {u:g} is at "
                     f"index {answer}."),
        hints=("The weights are the squared losses, normalised to sum to 1.",
               "Add them up from index 0 until the running sum exceeds u."),
        wrong=[str(s) for _, s in slips],
        mistakes=[(w_, str(s)) for w_, s in slips],
    )


FAMILY = Family(
    id=ID,
    title="Resampling dead latents, loss-weighted",
    make=make,
    forms=("value",),
    difficulty=3,
    summary="Anthropic's resampling: draw an input ∝ loss² (inverse CDF), centre and normalise it, scale the encoder by the live mean norm.",
    code_spec=CODE,
)
