"""The TMS forward pass by hand: ReLU(W^T W x + b_final) on a tiny model.

The value form sets a real ``superpos_core.Model``'s ``W`` and ``b_final`` to small round
numbers, runs ``model(x)`` and asks for the whole output vector; it only keeps variants
where W, the ReLU and the bias all matter, so every classic slip (no ReLU, no bias, bias
after the ReLU, W not transposed, no interference, W skipped) gives another answer. The
code exercise asks for ``forward(W, b_final, features)`` itself.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, Precision, distinct_sizes, format_array
from exercises.redraw import redraw
from exercises.fixes import with_fix
from exercises.superposition._tasks import forward_tasks, with_task
from exercises.superposition._common import build_model, clean, give, indent_rows, literal, variant
from exercises.superposition._forward_fix import fix

ID = "superposition.forward"
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


def case_hints(W, b_final, features) -> list[str]:
    """Hints about one graded case: its shapes, then the hidden vector, then the pre-ReLU values."""
    import torch

    I, F, H = W.shape
    B = features.shape[0]
    hidden = torch.einsum("bif,ifh->bih", features, W)
    pre = torch.einsum("bih,ifh->bif", hidden, W) + b_final
    return [
        f"Here W is [{I}, {F}, {H}] (instances, features, hidden) and features is [{B}, {I}, {F}]: "
        f"contract the features axis with W to get a hidden tensor of shape [{B}, {I}, {H}], keeping "
        "the instance axis in both einsums.",
        f"For this case the hidden vector of batch 0, instance 0 is {format_array([clean(v, 4) for v in hidden[0, 0].tolist()])}; "
        "map it back with the same W (contract the hidden axis), then add b_final.",
        f"Before the ReLU, out[0, 0] is {format_array([clean(v, 4) for v in pre[0, 0].tolist()])}; "
        "the ReLU then sets its negative entries to 0.",
    ]


CODE = CodeSpec(
    function="forward",
    signature="def forward(W: torch.Tensor, b_final: torch.Tensor, features: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The TMS model's forward pass, for every instance separately.\n\n"
        "W: [instances, features, hidden] (row f of W[i] is feature f's direction);\n"
        "b_final: [instances, features]; features: [batch, instances, features].\n"
        "With x one instance's row of features: h = x W (contract the features axis), then\n"
        "back with W's transpose and a ReLU: out = ReLU(x W W^T + b_final) = ReLU(h W^T + b_final).\n"
        "(The paper writes ReLU(W^T W x + b) for a W stored as [hidden, features].)\n"
        "Returns [batch, instances, features]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
    hints=lambda inputs: case_hints(**inputs),
)


# ------------------------------------------------------------------ the value form

#: The slips a learner makes computing ReLU(W^T W x + b_final) by hand, each run on the
#: variant's [1, features, hidden] W, [1, features] b_final and [1, 1, features] x.
#: ``w_not_transposed`` needs a square W, so it is listed only there.


def no_interference(W, b_final, features):
    """Keeps only the diagonal of W W^T: each feature reads back only itself."""
    import torch

    return torch.relu((W**2).sum(-1) * features + b_final)


def skipped_w(W, b_final, features):
    """Leaves out the round trip through the hidden space: ReLU(x + b_final)."""
    import torch

    return torch.relu(features + b_final)


def ignored_input(W, b_final, features):
    """ReLU(b_final): what a hidden vector of zeros gives."""
    import torch

    return torch.relu(b_final.expand_as(features))


VALUE_MISTAKES = (
    ("forgot the ReLU", "missing_relu", no_relu),
    ("forgot b_final", "missing_bias", no_bias),
    ("added b_final after the ReLU", "bias_after_relu", bias_after_relu),
    ("used W W^T the wrong way round (W not transposed)", "transposed", w_not_transposed),
    ("kept only each feature's own term (no interference)", "no_interference", no_interference),
    ("skipped W: ReLU(x + b_final)", "skipped_w", skipped_w),
    ("ignored the input: ReLU(b_final)", "ignored_input", ignored_input),
)
W_CHOICES = (-1.0, -0.5, 0.5, 1.0, 0.0)
SHAPES = ((2, 1), (3, 1), (3, 2), (2, 2))  # (features, hidden); (2, 2) lets W^T W show


def _mistaken(args) -> list[tuple[str, str, list[float]]]:
    out = []
    for what, key, fn in VALUE_MISTAKES:
        try:
            out.append((what, key, [clean(v, 6) for v in fn(*args)[0, 0].tolist()]))
        except ValueError:  # W not transposed on a non-square W: not a mistake one can make
            continue
    return out


def _draw(rng: random.Random, precision):
    """One draw of small round W, b and x, or None unless W, the ReLU and the bias all matter:
    every slip in VALUE_MISTAKES gives another vector at the stated precision, the hidden vector
    is not zero, at least one entry is clipped and at least one is positive."""
    import torch

    F, H = rng.choice(SHAPES)
    W = [[[rng.choice(W_CHOICES) for _ in range(H)] for _ in range(F)]]
    if sum(v != 0 for row in W[0] for v in row) < F:
        return None
    b = [[rng.choice(B_VALUES) for _ in range(F)]]
    x = [[[rng.choice(X_VALUES) for _ in range(F)]]]
    args = (torch.tensor(W), torch.tensor(b), torch.tensor(x))
    hidden = torch.einsum("bif,ifh->bih", args[2], args[0])
    if not hidden.abs().sum() > 0:
        return None
    out = reference(*args)
    pre = no_relu(*args)
    if not ((pre < 0).any() and (out > 0).any()):
        return None
    vec = [clean(v, 6) for v in out[0, 0].tolist()]
    check = ArrayCheck(vec, precision=precision)
    mistaken = _mistaken(args)
    if any(check.check(format_array(m)).correct for _, _, m in mistaken):
        return None
    return F, H, W, b, x, vec, check, mistaken


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(3)  # entries are multiples of 1/8, so 3 decimals are exact
    F, H, W, b, x, vec, check, mistaken = redraw(lambda: _draw(rng, precision), 2000, family=ID, form=form, seed=seed)
    code = (
        indent_rows("W", [W[0]], f"[instances=1, features={F}, hidden={H}]") + "\n"
        + f"b_final = torch.tensor({literal(b)})  # [instances, features]\n"
        + f"x = torch.tensor({literal(x)})  # [batch=1, instances, features]\n"
        + "model.W.data, model.b_final.data = W, b_final\n"
        + "out = model(x)  # ReLU(W^T W x + b_final), W^T W taken per instance"
    )
    pre = next(m for _, key, m in mistaken if key == "missing_relu")
    mistakes = [(what, format_array(m)) for what, _, m in mistaken]
    return variant(
        ID, form, seed,
        params={"W": W, "b_final": b, "x": x, "target": "all"},
        prompt=(
            "A TMS model with one instance has the parameters and input below. What is `out[0, 0]` "
            f"(all {F} entries, as a list)?" + give(precision).replace("Give it", "Give each entry")
        ),
        answer=vec,
        check=check,
        code=code,
        explanation=(
            f"Compute the hidden vector h = x W ({H} number{'s' if H > 1 else ''}), map it back with W^T, add "
            f"b_final (before the ReLU: {format_array(pre)}) and clip negatives at 0: "
            f"`out[0, 0]` = {format_array(vec)}."
        ),
        hints=(
            "The model compresses x into the hidden space and decompresses it with the same W, then adds a bias and a ReLU.",
            "First h[k] = Σ_f x[f]·W[f, k]; then out[f] = ReLU(Σ_k W[f, k]·h[k] + b_final[f]).",
            "Every feature reads back its own term and the other features' overlap with it (interference).",
        ),
        wrong=[r for _, r in mistakes] + [format_array(list(reversed(vec)))],
        right=[format_array(vec).replace(" ", ""), "[" + ", ".join(f"{v:.3f}" for v in vec) + "]"],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="The TMS forward pass",
    make=with_task(with_fix(make, fix), forward_tasks, family=ID),
    forms=("value", "fix", "task"),
    difficulty=2,
    summary="Run ReLU(W^T W x + b_final) by hand on a one-instance model with 2-3 features.",
    code_spec=CODE,
)
