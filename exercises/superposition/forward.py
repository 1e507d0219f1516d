"""The TMS forward pass by hand: ReLU(W^T W x + b_final) on a tiny model.

The value form sets a real ``superpos_core.Model``'s ``W`` and ``b_final`` to small round
numbers and runs ``model(x)``; it only keeps variants where both the ReLU and the bias
change the result, so the classic slips (no ReLU, no bias, bias after the ReLU) are
caught. The code exercise asks for ``forward(W, b_final, features)`` itself.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, NumberCheck, distinct_sizes, format_array
from exercises.superposition._common import build_model, clean, fmt, indent_rows, literal, number_spellings, variant

ID = "superposition.forward"
W_VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0)
B_VALUES = (-1.0, -0.5, 0.5, 1.0)
X_VALUES = (0.0, 0.5, 1.0)


# ------------------------------------------------------------------ reference & mistakes


def reference(W, b_final, features):
    """The real model's forward pass with its parameters set to ``W`` and ``b_final``."""
    import torch

    model = build_model(W.detach(), b_final.detach())
    with torch.no_grad():
        return model(features.to(model.W.dtype)).to(features.dtype)


def _gram_x(W, features):
    import torch

    hidden = torch.einsum("...if,ifh->...ih", features, W)
    return torch.einsum("...ih,ifh->...if", hidden, W)


def no_relu(W, b_final, features):
    return _gram_x(W, features) + b_final


def no_bias(W, b_final, features):
    import torch

    return torch.relu(_gram_x(W, features))


def bias_after_relu(W, b_final, features):
    import torch

    return torch.relu(_gram_x(W, features)) + b_final


def w_not_transposed(W, b_final, features):
    """Uses W^T W where W W^T belongs: only possible when n_features == n_hidden."""
    import torch

    if W.shape[-1] != W.shape[-2]:
        raise ValueError("this mistake needs n_features == n_hidden")
    return torch.relu(_gram_x(W.transpose(-1, -2), features) + b_final)


def mixed_instances(W, b_final, features):
    """Contracts the instance axis too, so every instance reads every instance's features."""
    import torch

    hidden = torch.einsum("...jf,ifh->...ih", features, W)
    return torch.relu(torch.einsum("...ih,ifh->...if", hidden, W) + b_final)


MISTAKES = (
    Mistake("no_relu", no_relu, "Did you forget the ReLU?"),
    Mistake("no_bias", no_bias, "Did you forget b_final?"),
    Mistake("bias_after_relu", bias_after_relu, "b_final goes inside the ReLU: ReLU(W^T W x + b_final)."),
    Mistake(
        "w_not_transposed",
        w_not_transposed,
        "W is [instances, features, hidden]: go features -> hidden with W, then back with its transpose.",
    ),
    Mistake(
        "mixed_instances",
        mixed_instances,
        "Each instance is a separate model: keep the instance index in both contractions.",
    ),
)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Varied shapes (size-1 instance/batch, n_features == n_hidden, distinct sizes) and values
    for which the ReLU and the bias both matter."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    kind = case % 4
    if kind == 0:
        B, I = 1, 1
        H, F = sorted(distinct_sizes(rng, 2, 1, 6))
    elif kind == 1:
        B, I = rng.randint(2, 5), rng.randint(2, 4)
        F = H = rng.randint(2, 5)
    else:
        B, I, H, F = distinct_sizes(rng, 4, 2, 9)
        H, F = min(H, F), max(H, F)
    for _ in range(50):
        W = torch.randn(I, F, H, generator=g) * 0.8
        b = torch.randn(I, F, generator=g) * 0.5
        keep = torch.rand(B, I, F, generator=g) < 0.6
        x = torch.rand(B, I, F, generator=g) * keep
        pre = _gram_x(W, x) + b
        if (pre < 0).any() and (pre > 0).any() and x.any():
            break
    else:  # pragma: no cover - vanishingly rare; force a negative pre-activation
        b[..., 0] = -(pre[..., 0].abs().max() + 1.0)
        x[0, 0, 0] = 0.5
    b = torch.where(b == 0, torch.full_like(b, 0.25), b)
    return {"W": W, "b_final": b, "features": x}


CODE = CodeSpec(
    function="forward",
    signature="def forward(W: torch.Tensor, b_final: torch.Tensor, features: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The TMS model's forward pass, for every instance separately.\n\n"
        "W: [instances, features, hidden]; b_final: [instances, features];\n"
        "features: [batch, instances, features]. Map the features to the hidden space with W,\n"
        "back with W's transpose, add b_final and apply a ReLU: ReLU(W^T W x + b).\n"
        "Returns [batch, instances, features]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form


def _draw(rng: random.Random):
    """Small round W, b and x where ReLU and bias both change the output."""
    import torch

    for _ in range(500):
        F = rng.choice([2, 3, 3])
        H = rng.choice([1, 2]) if F == 3 else 1
        W = [[[rng.choice(W_VALUES) for _ in range(H)] for _ in range(F)]]
        if not any(any(v != 0 for v in row) for row in W[0]):
            continue
        b = [[rng.choice(B_VALUES) for _ in range(F)]]
        x = [[[rng.choice(X_VALUES) for _ in range(F)]]]
        if not any(x[0][0]):
            continue
        args = (torch.tensor(W), torch.tensor(b), torch.tensor(x))
        out = reference(*args)
        if (torch.equal(out, no_relu(*args)) or torch.equal(out, no_bias(*args))
                or torch.equal(out, bias_after_relu(*args))):
            continue
        return F, H, W, b, x, out, args
    raise AssertionError("no forward variant found")  # pragma: no cover


def make(rng: random.Random, form: str, seed: int) -> Variant:
    F, H, W, b, x, out, args = _draw(rng)
    vec = [clean(v, 6) for v in out[0, 0].tolist()]
    mistaken = {m.name: [clean(v, 6) for v in m.fn(*args)[0, 0].tolist()] for m in MISTAKES[:3]}
    code = (
        indent_rows("W", [W[0]], f"[instances=1, features={F}, hidden={H}]") + "\n"
        + f"b_final = torch.tensor({literal(b)})  # [instances, features]\n"
        + f"x = torch.tensor({literal(x)})  # [batch=1, instances, features]\n"
        + "model.W.data, model.b_final.data = W, b_final\n"
        + "out = model(x)  # ReLU(W^T W x + b_final), W^T W taken per instance"
    )
    whole = rng.random() < 0.5
    if whole:
        check = ArrayCheck(vec, atol=1e-3)
        answer, question = vec, "What is `out[0, 0]` (all its entries, as a list)?"
        wrong = [format_array(v) for v in mistaken.values()] + [format_array(list(reversed(vec)))]
        right = [format_array(vec).replace(" ", ""),
                 "[" + ", ".join(f"{v:.3f}" for v in vec) + "]"]
        target = "all"
    else:
        # an entry where a classic slip shows; a non-zero one when there is one, so that
        # "0" (everything clipped) is not the usual answer
        shows = [k for k in range(F) if any(abs(m[k] - vec[k]) > 1e-6 for m in mistaken.values())]
        nonzero = [k for k in shows if vec[k] != 0]
        f = rng.choice(nonzero if nonzero and rng.random() < 0.7 else shows)
        check = NumberCheck(vec[f], atol=1e-3, rtol=0)
        answer, question = vec[f], f"What is `out[0, 0, {f}]`?"
        wrong = [fmt(m[f]) for m in mistaken.values()] + [fmt(-vec[f]) if vec[f] else "1"]
        right = number_spellings(vec[f]) + [f"{vec[f]:.3f}"]
        target = f
    return variant(
        ID, form, seed,
        params={"W": W, "b_final": b, "x": x, "target": target},
        prompt=f"A TMS model with one instance has the parameters and input below. {question}",
        answer=answer,
        check=check,
        code=code,
        explanation=(
            f"Compute the hidden vector h = x W ({H} number{'s' if H > 1 else ''}), map it back with W^T, add "
            f"b_final and clip negatives at 0: `out[0, 0]` = {format_array(vec)}."
        ),
        hints=(
            "The model compresses x into the hidden space and decompresses it with the same W, then adds a bias and a ReLU.",
            "First h[k] = Σ_f x[f]·W[f, k]; then out[f] = ReLU(Σ_k W[f, k]·h[k] + b_final[f]).",
            f"Before the ReLU the values are {format_array([clean(v, 6) for v in mistaken['no_relu']])}.",
        ),
        wrong=wrong,
        right=right,
    )


FAMILY = Family(
    id=ID,
    title="The TMS forward pass",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Run ReLU(W^T W x + b_final) by hand on a one-instance model with 2-3 features.",
    code_spec=CODE,
    tags=("tms", "forward"),
)
