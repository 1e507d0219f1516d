"""The Gated SAE: a gate path decides which latents fire, a magnitude path how much.

ARENA 1.3.1's "Gated SAE" exercise (Rajamanoharan et al., 2024, "Improving Dictionary Learning
with Gated Sparse Autoencoders"). As in ``superpos_core.sae_variants``, per instance, with
``hc = h - b_dec`` and ``W_mag = exp(r_mag) * W_gate`` (each latent's column rescaled)::

    pi_gate = hc W_gate + b_gate            pi_mag = hc W_mag + b_mag
    acts    = 1[pi_gate > 0] * relu(pi_mag) h_hat  = acts W_dec + b_dec
    loss    = mean over batch and d_in of (h_hat - h)^2                      (reconstruction)
            + l1_coeff * mean over batch of sum over latents of relu(pi_gate)  (sparsity, on the gate)
            + mean over batch and d_in of (relu(pi_gate) W_dec + b_dec - h)^2  (auxiliary; decoder frozen)

The step passes no gradient to the gate, so the L1 and the auxiliary reconstruction through
``relu(pi_gate)`` are what train it; the magnitudes feel no L1, hence no shrinkage. The code
exercise asks for ``superpos_core.sae_variants.gated_sae_loss`` (values; the frozen decoder of
the auxiliary term is a gradient matter, said in its doc); the grader names the slips. The value
form gives the two pre-activations of one input and asks for ``acts`` or the sparsity term.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, NumberCheck, Precision, distinct_sizes, format_array
from exercises.fixes import with_fix
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import clean, give, literal, number_mistakes, number_spellings, variant

ID = "superposition.sae_gated"


# ------------------------------------------------------------------ reference & mistakes


def reference(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    """``superpos_core.sae_variants.gated_sae_loss``: ``(acts, h_hat, loss)``."""
    from superpos_core.sae_variants import gated_sae_loss

    return gated_sae_loss(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff)


def _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h, scale="exp"):
    import torch

    hc = h - b_dec
    pi_gate = torch.einsum("...ih,ihd->...id", hc, W_gate) + b_gate
    s = r_mag.exp() if scale == "exp" else r_mag
    pi_mag = torch.einsum("...ih,ihd->...id", hc, s.unsqueeze(-2) * W_gate) + b_mag
    return pi_gate, pi_mag


def _dec(a, W_dec, b_dec):
    import torch

    return torch.einsum("...id,idh->...ih", a, W_dec) + b_dec


def _mse(x, h):
    return (x - h).square().mean(-1).mean(0)


def _loss(acts, gate_relu, W_dec, b_dec, h, l1_coeff, sparsity=None, aux=None):
    h_hat = _dec(acts, W_dec, b_dec)
    sparsity = gate_relu.sum(-1).mean(0) if sparsity is None else sparsity
    aux = _mse(_dec(gate_relu, W_dec, b_dec), h) if aux is None else aux
    return acts, h_hat, _mse(h_hat, h) + l1_coeff * sparsity + aux


def magnitude_without_exp(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h, scale="raw")
    return _loss((g > 0).to(h.dtype) * torch.relu(m), torch.relu(g), W_dec, b_dec, h, l1_coeff)


def relu_gate_in_acts(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    """acts = relu(pi_gate) * relu(pi_mag): the gate's value leaks into the magnitude."""
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    return _loss(torch.relu(g) * torch.relu(m), torch.relu(g), W_dec, b_dec, h, l1_coeff)


def paths_swapped(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    return _loss((m > 0).to(h.dtype) * torch.relu(g), torch.relu(g), W_dec, b_dec, h, l1_coeff)


def l1_on_acts(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    acts = (g > 0).to(h.dtype) * torch.relu(m)
    return _loss(acts, torch.relu(g), W_dec, b_dec, h, l1_coeff, sparsity=acts.sum(-1).mean(0))


def no_aux(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    acts = (g > 0).to(h.dtype) * torch.relu(m)
    return _loss(acts, torch.relu(g), W_dec, b_dec, h, l1_coeff, aux=0 * h.sum((0, -1)))


def aux_without_b_dec(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    acts = (g > 0).to(h.dtype) * torch.relu(m)
    aux = _mse(torch.einsum("...id,idh->...ih", torch.relu(g), W_dec), h)
    return _loss(acts, torch.relu(g), W_dec, b_dec, h, l1_coeff, aux=aux)


def aux_through_the_gate_step(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    """Auxiliary reconstruction from the gated acts (acts W_dec) instead of relu(pi_gate) W_dec."""
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    acts = (g > 0).to(h.dtype) * torch.relu(m)
    return _loss(acts, torch.relu(g), W_dec, b_dec, h, l1_coeff, aux=_mse(_dec(acts, W_dec, b_dec), h))


def aux_summed_over_d_in(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, b_dec, h)
    acts = (g > 0).to(h.dtype) * torch.relu(m)
    aux = (_dec(torch.relu(g), W_dec, b_dec) - h).square().sum(-1).mean(0)
    return _loss(acts, torch.relu(g), W_dec, b_dec, h, l1_coeff, aux=aux)


def b_dec_not_subtracted(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    import torch

    g, m = _parts(W_gate, b_gate, r_mag, b_mag, torch.zeros_like(b_dec), h)
    return _loss((g > 0).to(h.dtype) * torch.relu(m), torch.relu(g), W_dec, b_dec, h, l1_coeff)


SLIPS = (
    (magnitude_without_exp, "W_mag = exp(r_mag) * W_gate: r_mag is a log scale (so the scale stays positive)."),
    (relu_gate_in_acts, "The gate only decides whether a latent fires: acts = 1[pi_gate > 0] * relu(pi_mag), "
                        "not relu(pi_gate) * relu(pi_mag)."),
    (paths_swapped, "The gate path decides whether (1[pi_gate > 0]), the magnitude path how much (relu(pi_mag))."),
    (l1_on_acts, "The L1 is on the gate, relu(pi_gate), not on acts: the magnitudes are not shrunk."),
    (no_aux, "Did you forget the auxiliary loss? The gate gets no gradient through the step; the auxiliary "
             "reconstruction from relu(pi_gate) (decoder frozen) trains it."),
    (aux_without_b_dec, "The auxiliary reconstruction adds b_dec back too: relu(pi_gate) W_dec + b_dec."),
    (aux_through_the_gate_step, "The auxiliary loss reconstructs from relu(pi_gate), the gate path alone, not from acts."),
    (aux_summed_over_d_in, "Here the auxiliary term is normalised like the reconstruction: mean over batch and d_in."),
    (b_dec_not_subtracted, "Both paths encode h - b_dec: subtract b_dec first."),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Instance-batched weights where the two paths disagree often (b_mag and b_gate of different
    signs, r_mag away from 0) so that every slip shows."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    if case % 3 == 0:
        B, I = rng.choice(((1, 1), (3, 1)))
        H, D = distinct_sizes(rng, 2, 2, 7)
    else:
        B, I, H, D = distinct_sizes(rng, 4, 2, 9)
    W_dec = torch.randn(I, D, H, generator=g)
    W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True)
    W_gate = W_dec.transpose(1, 2) + 0.3 * torch.randn(I, H, D, generator=g)
    return {
        "W_gate": W_gate, "b_gate": 0.3 * torch.randn(I, D, generator=g),
        "r_mag": 0.5 * torch.randn(I, D, generator=g), "b_mag": 0.5 * torch.randn(I, D, generator=g),
        "W_dec": W_dec, "b_dec": 0.3 * torch.randn(I, H, generator=g), "h": torch.randn(B, I, H, generator=g),
        "l1_coeff": rng.choice((0.05, 0.1, 0.2, 0.5)),
    }


CODE = CodeSpec(
    function="gated_sae_loss",
    signature=("def gated_sae_loss(W_gate: torch.Tensor, b_gate: torch.Tensor, r_mag: torch.Tensor, "
               "b_mag: torch.Tensor, W_dec: torch.Tensor, b_dec: torch.Tensor, h: torch.Tensor, "
               "l1_coeff: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:"),
    doc=wrapped(
        "A Gated sparse autoencoder's forward pass and loss, one SAE per instance.\n\n"
        "W_gate: [instances, d_in, d_sae]; b_gate, r_mag, b_mag: [instances, d_sae];\n"
        "W_dec: [instances, d_sae, d_in]; b_dec: [instances, d_in]; h: [batch, instances, d_in].\n"
        "Both paths encode h - b_dec. Gate: pi_gate = (h - b_dec) @ W_gate + b_gate.\n"
        "Magnitude: W_mag = exp(r_mag) * W_gate (column j scaled by exp(r_mag[j])),\n"
        "pi_mag = (h - b_dec) @ W_mag + b_mag.\n"
        "acts = 1[pi_gate > 0] * relu(pi_mag); h_hat = acts @ W_dec + b_dec.\n"
        "loss = reconstruction + l1_coeff * sparsity + aux, where\n"
        "  reconstruction = mean over batch and d_in of (h_hat - h)^2,\n"
        "  sparsity = mean over batch of the sum over latents of relu(pi_gate),\n"
        "  aux = mean over batch and d_in of (relu(pi_gate) @ W_dec + b_dec - h)^2\n"
        "  (in training W_dec and b_dec are detached there; the values are the same).\n"
        "Returns (acts, h_hat, loss); loss has shape [instances]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

PRE_VALUES = (-1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
D = 4
TARGETS = ("acts", "sparsity")


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(2)
    target = TARGETS[seed % 2]

    def draw():
        gate = [rng.choice(PRE_VALUES) for _ in range(D)]
        mag = [rng.choice(PRE_VALUES) for _ in range(D)]
        on = [g > 0 for g in gate]
        if not (any(on) and not all(on) and any(g > 0 and m < 0 for g, m in zip(gate, mag))
                and any(g < 0 and m > 0 for g, m in zip(gate, mag))):
            return None
        acts = [clean(float(g > 0) * max(m, 0.0)) for g, m in zip(gate, mag)]
        relu_g = [max(g, 0.0) for g in gate]
        if target == "acts":
            slips = [("relu(pi_gate) * relu(pi_mag)", [clean(a * b) for a, b in zip(relu_g, [max(m, 0) for m in mag])]),
                     ("the paths swapped", [clean(float(m > 0) * max(g, 0.0)) for g, m in zip(gate, mag)]),
                     ("relu(pi_mag) without the gate", [max(m, 0.0) for m in mag])]
            check = ArrayCheck(acts, precision=precision)
            if any(check.check(format_array(s, precision)).correct for _, s in slips):
                return None
            return gate, mag, acts, check, [(w, format_array(s, precision)) for w, s in slips]
        value = clean(sum(relu_g))
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, [("the L1 of acts", sum(acts)),
                                                      ("the L1 of relu(pi_mag)", sum(max(m, 0) for m in mag)),
                                                      ("|pi_gate| summed", sum(abs(g) for g in gate))])
        return None if mistakes is None else (gate, mag, value, check, mistakes)

    gate, mag, answer, check, mistakes = redraw(draw, 3000, family=ID, form=form, seed=seed)
    code = (
        f"pi_gate = torch.tensor({literal(gate)})  # gate path, one input, d_sae={D}\n"
        f"pi_mag  = torch.tensor({literal(mag)})  # magnitude path, same input\n"
        + ("acts = gated_acts(pi_gate, pi_mag)" if target == "acts" else
           "sparsity = gated_sparsity(pi_gate, pi_mag)  # this input's L1 term")
    )
    if target == "acts":
        ask = "What is `acts`, the latent activations (all entries, as a list)?"
        answer_text = format_array(answer, precision)
        expl = "acts = 1[pi_gate > 0] * relu(pi_mag): the gate decides which latents fire, the magnitude path how much."
        right = [answer_text.replace(" ", "")]
    else:
        ask = "What is `sparsity`, this input's L1 penalty term (before l1_coeff)?"
        answer_text = precision.format(answer)
        expl = ("The Gated SAE's L1 is on the gate path: the sum of relu(pi_gate). The magnitudes are not "
                "penalised, so they are not shrunk.")
        right = number_spellings(answer)
    return variant(
        ID, form, seed,
        params={"pi_gate": gate, "pi_mag": mag, "target": target},
        prompt=("A Gated SAE (Rajamanoharan et al., 2024, as in superpos_core and ARENA) has computed the gate "
                "path's and the magnitude path's pre-activations for one input. " + ask + give(precision)
                .replace("Give it", "Give each entry" if target == "acts" else "Give it")),
        answer=answer,
        check=check,
        answer_text=answer_text,
        code=code,
        explanation=expl + f" Here: {answer_text}.",
        hints=("The gate path answers 'does this latent fire?' with a step, 1[pi_gate > 0].",
               "The magnitude path answers 'how much?' with relu(pi_mag).",
               "The sparsity penalty is on the gate: relu(pi_gate) summed over the latents."),
        wrong=[r for _, r in mistakes],
        right=right,
        mistakes=mistakes,
    )


def fix(rng: random.Random, seed: int) -> Variant:
    """One line of the snippet with a classic mistake (``_threshold_fix.gated_fix``)."""
    from exercises.superposition._threshold_fix import gated_fix

    return gated_fix(ID, rng, seed)


FAMILY = Family(
    id=ID,
    title="A Gated SAE: gate, magnitude and the auxiliary loss",
    make=with_fix(make, fix),
    forms=("value", "fix"),
    difficulty=3,
    summary="Gated SAE: acts = 1[π_gate > 0]·relu(π_mag), W_mag = exp(r_mag)·W_gate, L1 on relu(π_gate) + auxiliary loss.",
    code_spec=CODE,
)
