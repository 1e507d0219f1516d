"""Setting an SAE up: Kaiming-uniform weights, tied or untied decoder, decoder normalisation.

ARENA 1.3.1's "__init__" and "W_dec_normalized" exercises. The decoder's rows are kept at unit
norm, ``W_dec / (||row|| + eps)`` over ``d_in``: otherwise the L1 penalty is dodged by rescaling
-- multiply a latent's decoder row by ``c`` and divide its encoder column and bias by ``c``, and
``h_hat`` is unchanged while that latent's L1 falls by ``c``. A tied SAE uses the encoder's
transpose (normalised the same way) as its decoder. ``torch.nn.init.kaiming_uniform_`` draws from
``U(-b, b)`` with ``b = sqrt(6 / fan_in)``, where torch takes ``fan_in = shape[1] *
prod(shape[2:])``: for a batched ``[instances, d_in, d_sae]`` encoder that is ``d_in * d_sae``.

The code exercise asks for ``superpos_core.sae_variants.normalize_decoder``; the value form asks
either for that Kaiming bound (computed by ``kaiming_uniform_bound`` and checked against torch's
own fan computation) or for what the L1 term becomes when the decoder is rescaled without being
renormalised (computed by running ``superpos_core.sae_forward`` and ``sae_loss_terms``).
"""
from __future__ import annotations

import math
import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, Precision, distinct_sizes
from exercises.fixes import with_fix
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import give, number_mistakes, number_spellings, variant

ID = "superposition.sae_setup"


# ------------------------------------------------------------------ reference & mistakes


def reference(W_dec, eps):
    """``superpos_core.sae_variants.normalize_decoder``."""
    from superpos_core.sae_variants import normalize_decoder

    return normalize_decoder(W_dec, eps)


def over_latents(W_dec, eps):
    return W_dec / (W_dec.norm(dim=-2, keepdim=True) + eps)


def whole_matrix(W_dec, eps):
    return W_dec / (W_dec.norm(dim=(-2, -1), keepdim=True) + eps)


def no_eps(W_dec, eps):
    return W_dec / W_dec.norm(dim=-1, keepdim=True)


def eps_inside_the_root(W_dec, eps):
    return W_dec / (W_dec.square().sum(-1, keepdim=True) + eps).sqrt()


def squared_norm(W_dec, eps):
    return W_dec / (W_dec.square().sum(-1, keepdim=True) + eps)


def l1_norm(W_dec, eps):
    return W_dec / (W_dec.abs().sum(-1, keepdim=True) + eps)


SLIPS = (
    (over_latents, "Each latent's decoder row is normalised over d_in (the last axis), not over the latents."),
    (whole_matrix, "Normalise each row (each latent's direction) separately, not the whole matrix."),
    (no_eps, "Add eps to the norm: W_dec / (||row|| + eps) (a dead zero row would give NaN)."),
    (eps_inside_the_root, "eps is added to the norm, not to the squared norm under the root."),
    (squared_norm, "Divide by the norm, not the squared norm."),
    (l1_norm, "The norm is the Euclidean (L2) norm of the row, not the sum of |entries|."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """``[instances, d_sae, d_in]`` decoders (rows of varied norms, some tiny) and an ``eps`` large
    enough that where it goes shows."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    if case % 3 == 0:
        I = 1
        D, H = distinct_sizes(rng, 2, 2, 7)
    else:
        I, D, H = distinct_sizes(rng, 3, 2, 8)
    W = torch.randn(I, D, H, generator=g) * (0.2 + 3 * torch.rand(I, D, 1, generator=g))
    return {"W_dec": W, "eps": rng.choice((0.01, 0.1, 0.3))}


CODE = CodeSpec(
    function="normalize_decoder",
    signature="def normalize_decoder(W_dec: torch.Tensor, eps: float) -> torch.Tensor:",
    doc=wrapped(
        "An SAE's decoder with every latent's row at (about) unit norm, as the SAE uses it.\n\n"
        "W_dec: [instances, d_sae, d_in]; row W_dec[i, j] is latent j's direction in the model's\n"
        "hidden space. Returns W_dec / (||row|| + eps), the Euclidean norm of each row, without\n"
        "changing W_dec."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

KINDS = ("kaiming", "rescale")
LAYOUTS = ("rows", "columns", "single", "tied")  # the fix form's decoder layouts


def _torch_bound(shape) -> float:
    """torch's own fan computation (the private helper kaiming_uniform_ calls), as a cross-check."""
    import torch

    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    return math.sqrt(6.0 / fan_in)


def _kaiming(rng: random.Random, precision: Precision):
    from superpos_core.sae_variants import kaiming_uniform_bound

    I, d_in, d_sae = rng.choice((2, 4, 8, 16)), rng.choice((2, 3, 4)), rng.choice((5, 6, 8, 10, 12))
    shape = (I, d_in, d_sae)
    value = kaiming_uniform_bound(shape)
    if abs(value - _torch_bound(shape)) > 1e-12:
        raise AssertionError("kaiming_uniform_bound disagrees with torch")
    check = NumberCheck(value, precision=precision)
    mistakes = number_mistakes(check, precision, [
        ("fan_in = d_in", math.sqrt(6 / d_in)), ("fan_in = d_sae", math.sqrt(6 / d_sae)),
        ("sqrt(3 / fan_in) (no ReLU gain)", math.sqrt(3 / (d_in * d_sae))),
        ("fan_in = instances * d_in", math.sqrt(6 / (I * d_in))), ("1 / sqrt(fan_in)", 1 / math.sqrt(d_in * d_sae)),
    ])
    if mistakes is None:
        return None
    code = (f"W_enc = torch.empty({I}, {d_in}, {d_sae})  # [instances, d_in, d_sae]\n"
            "torch.nn.init.kaiming_uniform_(W_enc)  # a=0: gain sqrt(2), fan_in mode")
    prompt = ("ARENA's SAE initialises its batched encoder with `torch.nn.init.kaiming_uniform_`, which draws "
              "from U(-bound, bound) with bound = gain · sqrt(3 / fan_in) and takes fan_in from the tensor's "
              "shape as it does for a convolution's weight. What is `bound` here?" + give(precision))
    expl = (f"For a tensor of 3 or more dimensions torch takes fan_in = shape[1] × prod(shape[2:]) = {d_in} × "
            f"{d_sae} = {d_in * d_sae} (dim 0 counts as the output), and gain = sqrt(2) for a=0: bound = "
            f"sqrt(6 / {d_in * d_sae}) = {precision.format(value)}. Not sqrt(6 / d_in): the batched layout "
            "makes d_sae part of the 'receptive field'.")
    hints = ("gain · sqrt(3 / fan_in) with gain = sqrt(2) is sqrt(6 / fan_in).",
             "torch reads dim 0 as fan_out and dim 1 times every later dim as fan_in.")
    return {"shape": list(shape)}, value, check, mistakes, code, prompt, expl, hints


def _rescale(rng: random.Random, precision: Precision):
    import torch

    from superpos_core import sae_forward, sae_loss_terms

    c = rng.choice((2.0, 4.0, 5.0, 10.0))
    g = torch.Generator().manual_seed(rng.getrandbits(62))
    I, B, H, D = 1, 64, 2, rng.choice((3, 4, 5))
    W_dec = torch.randn(I, D, H, generator=g, dtype=torch.float64)
    W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True)
    W_enc = W_dec.transpose(1, 2).clone()
    b_enc = torch.zeros(I, D, dtype=torch.float64)
    b_dec = torch.zeros(I, H, dtype=torch.float64)
    h = torch.randn(B, I, H, generator=g, dtype=torch.float64)
    acts, h_hat = sae_forward(W_enc, b_enc, W_dec, b_dec, h)
    _, l1 = sae_loss_terms(h, h_hat, acts)
    acts2, h_hat2 = sae_forward(W_enc / c, b_enc / c, W_dec * c, b_dec, h)
    rec2, l1_2 = sae_loss_terms(h, h_hat2, acts2)
    if not torch.allclose(h_hat, h_hat2):
        raise AssertionError("rescaling changed the reconstruction")
    before = round(float(l1[0]), 2)
    value = before * float(l1_2[0] / l1[0])
    check = NumberCheck(value, precision=precision)
    mistakes = number_mistakes(check, precision, [("unchanged", before), ("times c", before * c),
                                                  ("divided by c²", before / c ** 2)])
    if mistakes is None:
        return None
    code = (f"# before: unit-norm decoder rows, L1 term = {before:g}\n"
            f"W_dec = W_dec * {c:g}  # every decoder row {c:g}x longer, no renormalisation\n"
            f"W_enc = W_enc / {c:g}; b_enc = b_enc / {c:g}\n"
            "acts, h_hat = sae_forward(W_enc, b_enc, W_dec, b_dec, h)  # h_hat: exactly as before")
    prompt = ("An SAE's loss is reconstruction + l1_coeff × L1, the L1 being the mean over the batch of the sum "
              "of |acts|. Without renormalising the decoder, the weights are rescaled as below: the "
              "reconstruction does not change at all. What is the L1 term now?" + give(precision))
    expl = (f"acts = ReLU((h - b_dec) W_enc + b_enc) shrink by {c:g}, W_dec grows by {c:g}: h_hat is unchanged and "
            f"the L1 falls to {before:g} / {c:g} = {precision.format(value)}. Gradient descent would keep doing "
            "this forever, so the L1 would stop meaning sparsity; keeping the decoder rows at unit norm "
            "removes the escape.")
    hints = ("How do the activations change when W_enc and b_enc are divided by c?",
             "The L1 is linear in |acts|.")
    return {"c": c, "l1_before": before}, value, check, mistakes, code, prompt, expl, hints


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(4)
    kind = KINDS[seed % 2]
    params, value, check, mistakes, code, prompt, expl, hints = redraw(
        lambda: (_kaiming if kind == "kaiming" else _rescale)(rng, precision), 500, family=ID, form=form, seed=seed)
    return variant(
        ID, form, seed,
        params={"kind": kind, **params},
        prompt=prompt,
        answer=value,
        check=check,
        answer_text=precision.format(value),
        code=code,
        explanation=expl,
        hints=hints,
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


# ------------------------------------------------------------------ the fix form


def fix(rng: random.Random, seed: int) -> Variant:
    """The decoder-normalisation line with one classic bug, for a decoder stored by rows or by
    columns, one SAE or one per instance, or tied (the encoder's transpose): the axis to normalise
    over is read off the stated layout, so no one memorised line answers."""
    from exercises.fixes import Bug, fix_variant

    layout = LAYOUTS[seed % len(LAYOUTS)]  # every layout equally often: no one normalisation answers
    eps = rng.choice(("eps", "1e-8"))
    name = rng.choice(("W_enc", "enc", "W_e", "encoder") if layout == "tied" else ("W_dec", "dec", "W_d", "decoder"))

    def normed(x: str, dim: str) -> str:
        return f"{x} / ({x}.norm(dim={dim}, keepdim=True) + {eps})"

    if layout == "tied":
        src = f"{name}.transpose(1, 2)"
        ref = normed(src, "-1")
        bugs = [Bug("normalised over the latents instead of d_in", normed(src, "1"), "wrong_axis"),
                Bug("not transposed: the encoder itself normalised", normed(name, "-1"), "transposed"),
                Bug("divided by the squared norm", ref.replace("keepdim=True)", "keepdim=True) ** 2"), "wrong_op")]
        alternatives = [normed(src, "2"), f"({normed(name, '1')}).transpose(1, 2)"]
        setup = [f"{name} = sae.W_enc  # [instances, d_in, d_sae]"]
        what = ("A tied SAE decodes with its encoder's transpose, [instances, d_sae, d_in], each latent's row "
                "normalised to unit length (plus eps).")
    else:
        row = {"rows": "-1", "columns": "1", "single": "0"}[layout]
        wrong = {"rows": "1", "columns": "-1", "single": "1"}[layout]
        ref = normed(name, row)
        bugs = [Bug("normalised over the latents instead of d_in", normed(name, wrong), "wrong_axis"),
                Bug("the whole matrix normalised, not each latent's direction",
                    f"{name} / ({name}.norm() + {eps})" if layout == "single" else
                    f"{name} / ({name}.norm(dim=(1, 2), keepdim=True) + {eps})", "wrong_axis"),
                Bug("divided by the squared norm", ref.replace("keepdim=True)", "keepdim=True) ** 2"), "wrong_op")]
        alternatives = [normed(name, {"rows": "2", "columns": "-2", "single": "-2"}[layout])]
        shape = {"rows": "[instances, d_sae, d_in]: one row per latent",
                 "columns": "[instances, d_in, d_sae]: one column per latent",
                 "single": "[d_in, d_sae] (one SAE): one column per latent"}[layout]
        setup = [f"{name} = sae.decoder_weight  # {shape}"]
        what = ("An SAE keeps each latent's decoder direction at unit length (plus eps) so that the L1 penalty "
                "cannot be dodged by rescaling.")
    if eps == "eps":
        setup = [*setup, "eps = 1e-8"]

    def inputs(r: random.Random) -> dict:
        import torch

        I, H, D = distinct_sizes(r, 3, 2, 8)
        g = torch.Generator().manual_seed(r.getrandbits(62))
        scale = 0.2 + 3 * torch.rand(I, 1, D, generator=g)  # latents of varied norms
        by_column = torch.randn(I, H, D, generator=g) * scale  # [instances, d_in, d_sae]
        if layout in ("tied", "columns"):
            return {name: by_column}
        if layout == "single":
            return {name: by_column[0]}
        return {name: by_column.transpose(1, 2).contiguous()}

    return fix_variant(
        ID, seed, rng, what=what, setup=["import torch", *setup], target="W_dec_normalized", reference=ref,
        bugs=bugs, inputs=inputs, alternatives=alternatives,
        explanation="A latent's direction lies along d_in (a row or a column, by the layout); each latent gets its own norm.",
        hints=("Which axis holds one latent's direction in the hidden space?",
               "keepdim=True keeps the norm broadcastable against the matrix."),
        params={"layout": layout},
    )


FAMILY = Family(
    id=ID,
    title="Setting an SAE up: init, tied decoder, decoder normalisation",
    make=with_fix(make, fix),
    forms=("value", "fix"),
    difficulty=2,
    summary="Kaiming-uniform bound of a batched encoder (fan_in = d_in·d_sae), and why unit-norm decoder rows stop the L1 being dodged.",
    code_spec=CODE,
)
