"""A sparse autoencoder's forward pass by hand: encode, ReLU, decode.

The SAE of ``superpos_core.sae`` (the convention of "Towards Monosemanticity"): the decoder
bias is subtracted from the hidden vector before encoding and added back after decoding::

    acts  = ReLU((h - b_dec) @ W_enc + b_enc)
    h_hat = acts @ W_dec + b_dec

The value form draws small round weights (unit-norm decoder rows such as (0.6, 0.8)) and asks
for the latent activations or the reconstruction of one hidden vector, computed by
``superpos_core.sae_forward``; it keeps only variants where every classic slip (b_dec not
subtracted, no ReLU, no b_enc, b_dec not added back, W_enc used to decode) gives another
answer at the stated precision. The code exercise asks for ``sae_forward`` itself, batched
over instances like the notebook, returning ``(acts, h_hat)`` (the grader compares tuples item
by item).
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, Precision, distinct_sizes, format_array
from exercises.redraw import redraw
from exercises.fixes import with_fix
from exercises.superposition._tasks import decode_tasks, encode_tasks, with_task
from exercises.superposition._common import clean, give, literal, variant

ID = "superposition.sae_forward"


# ------------------------------------------------------------------ reference & mistakes


def reference(W_enc, b_enc, W_dec, b_dec, h):
    """``superpos_core.sae_forward``: ``(acts, h_hat)``."""
    from superpos_core import sae_forward

    return sae_forward(W_enc, b_enc, W_dec, b_dec, h)


def _enc(h, W_enc):
    import torch

    return torch.einsum("...ih,ihd->...id", h, W_enc) if W_enc.ndim == 3 else h @ W_enc


def _dec(acts, W_dec):
    import torch

    return torch.einsum("...id,idh->...ih", acts, W_dec) if W_dec.ndim == 3 else acts @ W_dec


def no_b_dec_subtracted(W_enc, b_enc, W_dec, b_dec, h):
    import torch

    acts = torch.relu(_enc(h, W_enc) + b_enc)
    return acts, _dec(acts, W_dec) + b_dec


def no_relu(W_enc, b_enc, W_dec, b_dec, h):
    acts = _enc(h - b_dec, W_enc) + b_enc
    return acts, _dec(acts, W_dec) + b_dec


def no_b_enc(W_enc, b_enc, W_dec, b_dec, h):
    import torch

    acts = torch.relu(_enc(h - b_dec, W_enc))
    return acts, _dec(acts, W_dec) + b_dec


def no_b_dec_added(W_enc, b_enc, W_dec, b_dec, h):
    import torch

    acts = torch.relu(_enc(h - b_dec, W_enc) + b_enc)
    return acts, _dec(acts, W_dec)


def w_enc_decodes(W_enc, b_enc, W_dec, b_dec, h):
    """Decodes with the encoder's transpose (tied weights) instead of W_dec."""
    import torch

    acts = torch.relu(_enc(h - b_dec, W_enc) + b_enc)
    return acts, _dec(acts, W_enc.transpose(-1, -2)) + b_dec


def b_dec_added_before(W_enc, b_enc, W_dec, b_dec, h):
    import torch

    acts = torch.relu(_enc(h + b_dec, W_enc) + b_enc)
    return acts, _dec(acts, W_dec) + b_dec


def mixed_instances(W_enc, b_enc, W_dec, b_dec, h):
    """Sums over the instance axis too: every instance's SAE reads every instance's h."""
    import torch

    acts = torch.relu(torch.einsum("...jh,ihd->...id", h - b_dec, W_enc) + b_enc)
    return acts, torch.einsum("...jd,idh->...ih", acts, W_dec) + b_dec


#: (what, diagnosis key, function, the message the grader shows); "acts" says whether the slip
#: changes the latent activations (the others only change the reconstruction).
SLIPS = (
    ("forgot to subtract b_dec before encoding", "missing_bias", no_b_dec_subtracted,
     "Did you forget to subtract b_dec from h before encoding? acts = ReLU((h - b_dec) W_enc + b_enc).", True),
    ("forgot the ReLU", "missing_relu", no_relu, "Did you forget the ReLU on the latent activations?", True),
    ("forgot b_enc", "missing_bias", no_b_enc, "Did you forget b_enc inside the ReLU?", True),
    ("added b_dec before encoding instead of subtracting it", "sign", b_dec_added_before,
     "b_dec is subtracted before encoding (h - b_dec), and added back after decoding.", True),
    ("decoded without adding b_dec back", "missing_bias", no_b_dec_added,
     "Did you forget to add b_dec back after decoding? h_hat = acts W_dec + b_dec.", False),
    ("decoded with W_enc (transposed) instead of W_dec", "transposed", w_enc_decodes,
     "Decode with W_dec ([d_sae, d_in]); W_enc is only for encoding.", False),
)

MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for _, _, fn, msg, _ in SLIPS) + (
    Mistake("mixed_instances", mixed_instances,
            "Each instance has its own SAE: keep the instance index in both einsums."),
)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Instance-batched inputs of varied shapes (one instance, one batch row, distinct sizes) for
    which the ReLU clips some latents and leaves others on."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    kind = case % 3
    if kind == 0:
        B, I = 1, 1
        H, D = distinct_sizes(rng, 2, 2, 7)
    else:
        B, I, H, D = distinct_sizes(rng, 4, 2, 9)
    dt = torch.float32
    W_dec = torch.randn(I, D, H, generator=g, dtype=dt)
    W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True)
    W_enc = W_dec.transpose(1, 2) + 0.5 * torch.randn(I, H, D, generator=g, dtype=dt)
    b_enc = 0.3 * torch.randn(I, D, generator=g, dtype=dt)
    b_dec = 0.3 * torch.randn(I, H, generator=g, dtype=dt)
    h = torch.randn(B, I, H, generator=g, dtype=dt)
    pre = _enc(h - b_dec, W_enc) + b_enc
    if not (pre < 0).any():
        b_enc[..., 0] = -(pre[..., 0].abs().max() + 1.0)
    if not (pre > 0).any():
        b_enc[..., -1] = pre[..., -1].abs().max() + 1.0
    return {"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "h": h}


def case_hints(W_enc, b_enc, W_dec, b_dec, h) -> list[str]:
    I, H, D = W_enc.shape
    B = h.shape[0]
    acts, _ = reference(W_enc, b_enc, W_dec, b_dec, h)
    pre = _enc(h - b_dec, W_enc) + b_enc
    return [
        f"Here h is [{B}, {I}, {H}] (batch, instances, d_in), W_enc [{I}, {H}, {D}] and W_dec [{I}, {D}, {H}]: "
        f"acts is [{B}, {I}, {D}] and h_hat has h's shape; keep the instance axis in both einsums.",
        "Before the ReLU, latent values of batch 0, instance 0 are "
        f"{format_array([clean(v, 4) for v in pre[0, 0].tolist()])}: (h - b_dec) @ W_enc + b_enc.",
        f"After the ReLU they are {format_array([clean(v, 4) for v in acts[0, 0].tolist()])}; decode them with "
        "W_dec and add b_dec back.",
    ]


CODE = CodeSpec(
    function="sae_forward",
    signature=("def sae_forward(W_enc: torch.Tensor, b_enc: torch.Tensor, W_dec: torch.Tensor, "
               "b_dec: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:"),
    doc=(
        "A sparse autoencoder's forward pass, one SAE per instance (Towards Monosemanticity).\n\n"
        "W_enc: [instances, d_in, d_sae]; b_enc: [instances, d_sae];\n"
        "W_dec: [instances, d_sae, d_in] (unit-norm rows); b_dec: [instances, d_in];\n"
        "h: [batch, instances, d_in], the model's hidden activations.\n"
        "Subtract b_dec from h, encode with W_enc, add b_enc and apply a ReLU:\n"
        "the latent activations acts [batch, instances, d_sae].\n"
        "Decode them with W_dec and add b_dec back:\n"
        "the reconstruction h_hat [batch, instances, d_in]. Returns (acts, h_hat)."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
    hints=lambda inputs: case_hints(**inputs),
)


# ------------------------------------------------------------------ the value form

W_ENC_VALUES = (-1.0, -0.5, 0.5, 1.0)
B_ENC_VALUES = (-0.5, -0.25, 0.25, 0.5)
B_DEC_VALUES = (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0)
H_VALUES = (-1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
UNIT_ROWS = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (0.6, 0.8), (0.8, 0.6), (-0.6, 0.8),
             (0.8, -0.6), (-0.8, -0.6), (0.6, -0.8), (-0.8, 0.6), (-0.6, -0.8))
D_IN, D_SAE = 2, 3
TARGETS = ("acts", "h_hat")


def _run(fn, W_enc, b_enc, W_dec, b_dec, h, target):
    import torch

    t = [torch.tensor(x, dtype=torch.float64) for x in (W_enc, b_enc, W_dec, b_dec, h)]
    acts, h_hat = fn(*t)
    out = acts if target == "acts" else h_hat
    return [clean(v, 9) for v in out.tolist()]


def _draw(rng: random.Random, target: str, precision: Precision):
    """One draw of weights and h, or None unless W_enc, both biases, the ReLU and (for h_hat)
    W_dec all matter: every slip gives another vector at the stated precision, at least one
    latent is clipped and one is on."""
    import torch

    W_enc = [[rng.choice(W_ENC_VALUES) for _ in range(D_SAE)] for _ in range(D_IN)]
    b_enc = [rng.choice(B_ENC_VALUES) for _ in range(D_SAE)]
    W_dec = [list(r) for r in rng.sample(UNIT_ROWS, D_SAE)]
    b_dec = [rng.choice(B_DEC_VALUES) for _ in range(D_IN)]
    h = [rng.choice(H_VALUES) for _ in range(D_IN)]
    args = (W_enc, b_enc, W_dec, b_dec, h)
    pre = (torch.tensor(h) - torch.tensor(b_dec)) @ torch.tensor(W_enc) + torch.tensor(b_enc)
    if not ((pre < 0).any() and (pre > 0).any()):
        return None
    answer = _run(reference, *args, target)
    check = ArrayCheck(answer, precision=precision)
    mistaken = [(what, key, _run(fn, *args, target)) for what, key, fn, _, on_acts in SLIPS
                if target == "h_hat" or on_acts]
    if any(check.check(format_array(m, precision)).correct or check.check(format_array(m)).correct
           for _, _, m in mistaken):
        return None
    return args, answer, check, mistaken, [clean(v, 9) for v in pre.tolist()]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(3)  # every entry is a multiple of 1/40: 3 decimals are exact
    target = TARGETS[seed % 2]  # alternate, so a note holds both
    (W_enc, b_enc, W_dec, b_dec, h), answer, check, mistaken, pre = redraw(
        lambda: _draw(rng, target, precision), 3000, family=ID, form=form, seed=seed)
    acts = _run(reference, W_enc, b_enc, W_dec, b_dec, h, "acts")
    code = (
        f"W_enc = torch.tensor({literal(W_enc)})  # [d_in={D_IN}, d_sae={D_SAE}]\n"
        f"b_enc = torch.tensor({literal(b_enc)})  # [d_sae]\n"
        f"W_dec = torch.tensor({literal(W_dec)})  # [d_sae, d_in], unit-norm rows\n"
        f"b_dec = torch.tensor({literal(b_dec)})  # [d_in]\n"
        f"h = torch.tensor({literal(h)})  # one hidden vector of the TMS model\n"
        "acts, h_hat = sae_forward(W_enc, b_enc, W_dec, b_dec, h)"
    )
    n = D_SAE if target == "acts" else D_IN
    what = ("`acts`, the latent activations" if target == "acts" else "`h_hat`, the reconstruction of h")
    mistakes = [(w, format_array(m, precision)) for w, _, m in mistaken]
    fmt3 = lambda xs: "[" + ", ".join(f"{v:.3f}" for v in xs) + "]"
    return variant(
        ID, form, seed,
        params={"W_enc": W_enc, "b_enc": b_enc, "W_dec": W_dec, "b_dec": b_dec, "h": h, "target": target},
        prompt=(
            "A sparse autoencoder (the convention of Towards Monosemanticity and superpos_core: b_dec is "
            "subtracted from h before encoding, the encoder has a bias and a ReLU, and b_dec is added back "
            f"after decoding) has the weights below. What is {what} ({'both' if n == 2 else f'all {n}'} entries, as a list)?"
            + give(precision).replace("Give it", "Give each entry")
        ),
        answer=answer,
        check=check,
        answer_text=format_array(answer, precision),
        code=code,
        explanation=(
            f"acts = ReLU((h - b_dec) W_enc + b_enc): before the ReLU the latents are {format_array(pre)}, "
            f"after it {format_array(acts)}."
            + ("" if target == "acts" else
               f" Then h_hat = acts W_dec + b_dec = {format_array(answer, precision)}.")
        ),
        hints=(
            "Centre first: h - b_dec. Then multiply by W_enc ([d_in, d_sae]) and add b_enc.",
            "The ReLU sets negative latent values to 0; only the latents left on are decoded.",
            "Decoding: a weighted sum of W_dec's rows (weights = acts), plus b_dec.",
        ),
        wrong=[r for _, r in mistakes] + [format_array(list(reversed(answer)), precision)],
        right=[format_array(answer, precision).replace(" ", ""), fmt3(answer)],
        mistakes=mistakes,
    )


# ------------------------------------------------------------------ the fix form


def fix(rng: random.Random, seed: int) -> Variant:
    """The encoder line (``acts = ReLU((h - b_dec) W_enc + b_enc)``) or the decoder line
    (``h_hat = acts W_dec + b_dec``) of an SAE with one classic bug, for one SAE (matmul) or one
    per instance (einsum); names and spellings vary so that no answer text dominates."""
    from exercises.fixes import Bug, fix_variant

    style = rng.choice(("single", "instances"))
    line = rng.choice(("encode", "decode"))
    h = rng.choice(("h", "hidden", "x"))
    a = rng.choice(("acts", "latents", "f"))
    relu = rng.choice(("torch.relu({})", "F.relu({})"))
    if style == "single":
        enc = lambda v: f"{v} @ W_enc"
        dec = lambda w: f"{a} @ {w}"
        layouts = ("W_enc = sae.W_enc  # [d_in, d_sae]", "b_enc = sae.b_enc  # [d_sae]",
                   "W_dec = sae.W_dec  # [d_sae, d_in], unit-norm rows", "b_dec = sae.b_dec  # [d_in]",
                   f"{h} = model_hidden  # [batch, d_in]")
        w_enc_t = "W_enc.T"
    else:
        enc = lambda v: f"torch.einsum('bih,ihd->bid', {v}, W_enc)"
        dec = lambda w: f"torch.einsum('bid,idh->bih', {a}, {w})"
        layouts = ("W_enc = sae.W_enc  # [instances, d_in, d_sae]", "b_enc = sae.b_enc  # [instances, d_sae]",
                   "W_dec = sae.W_dec  # [instances, d_sae, d_in], unit-norm rows",
                   "b_dec = sae.b_dec  # [instances, d_in]", f"{h} = model_hidden  # [batch, instances, d_in]")
        w_enc_t = "W_enc.transpose(1, 2)"
    encoded = relu.format(f"{enc(f'({h} - b_dec)' if style == 'single' else f'{h} - b_dec')} + b_enc")
    if line == "encode":
        target, after = a, [f"{rng.choice(('h_hat', 'recon'))} = {dec('W_dec')} + b_dec"]
        reference = encoded
        centred = f"({h} - b_dec)" if style == "single" else f"{h} - b_dec"
        added = f"({h} + b_dec)" if style == "single" else f"{h} + b_dec"
        bugs = [
            Bug("the ReLU left out", f"{enc(centred)} + b_enc", "missing_relu"),
            Bug("b_enc left out", relu.format(enc(centred)), "missing_bias"),
            Bug("b_dec not subtracted from the input before encoding", relu.format(f"{enc(h)} + b_enc"),
                "missing_bias"),
            Bug("b_dec added to the input instead of subtracted", relu.format(f"{enc(added)} + b_enc"), "sign"),
        ]
        setup_extra: list[str] = []
    else:
        target, after = rng.choice(("h_hat", "recon")), []
        reference = f"{dec('W_dec')} + b_dec"
        bugs = [
            Bug("b_dec not added back after decoding", dec("W_dec"), "missing_bias"),
            Bug("decoded with the encoder's transpose instead of W_dec", f"{dec(w_enc_t)} + b_dec", "transposed"),
            Bug("b_dec subtracted after decoding instead of added", f"{dec('W_dec')} - b_dec", "sign"),
        ]
        setup_extra = [f"{a} = {encoded}"]

    def inputs(r: random.Random) -> dict:
        """Distinct sizes, unit-norm decoder rows, an encoder near the decoder's transpose and
        biases large enough that the ReLU clips some latents and keeps others."""
        import torch

        B, I, H, D = distinct_sizes(r, 4, 2, 9)
        g = torch.Generator().manual_seed(r.getrandbits(62))
        lead = () if style == "single" else (I,)
        W_dec = torch.randn(*lead, D, H, generator=g)
        W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True)
        W_enc = W_dec.transpose(-1, -2) + 0.5 * torch.randn(*lead, H, D, generator=g)
        return {"W_enc": W_enc, "b_enc": 0.5 * torch.randn(*lead, D, generator=g), "W_dec": W_dec,
                "b_dec": 0.5 * torch.randn(*lead, H, generator=g),
                h: torch.randn(B, *lead, H, generator=g)}

    alternatives = [f"({reference[len(relu.split('{')[0]):-1]}).relu()"] if line == "encode" else []
    return fix_variant(
        ID, seed, rng,
        what=("A sparse autoencoder (Towards Monosemanticity) encodes the model's hidden activations as "
              "acts = ReLU((h - b_dec) W_enc + b_enc) and reconstructs them as h_hat = acts W_dec + b_dec"
              + (", one SAE per instance." if style == "instances" else ".")),
        setup=["import torch", "import torch.nn.functional as F", *layouts, *setup_extra],
        target=target,
        reference=reference,
        bugs=bugs,
        inputs=inputs,
        after=after,
        alternatives=alternatives,
        explanation=("b_dec is subtracted before encoding and added back after decoding; b_enc goes inside the "
                     "ReLU; W_dec, not W_enc, maps the latents back."),
        hints=("Go through the formula term by term and compare with the marked line.",
               "Where does b_dec enter, with which sign, and which matrix maps latents back to d_in?"),
        params={"style": style, "line": line},
    )


FAMILY = Family(
    id=ID,
    title="An SAE's forward pass",
    make=with_task(with_fix(make, fix), encode_tasks, decode_tasks, family=ID),
    forms=("value", "fix", "task"),
    difficulty=2,
    summary="Encode a hidden vector with an SAE (h - b_dec, W_enc, b_enc, ReLU) and decode it (W_dec, + b_dec).",
    code_spec=CODE,
)
