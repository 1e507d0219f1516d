"""The TMS forward pass with W in ARENA 3.0's layout, ``[instances, hidden, features]`` (issue 24,
item 11).

``superposition.forward`` stores W as ``[instances, features, hidden]`` (the paper's notebook and
superpos_core); ARENA's chapter 1.3.1 stores it as ``[instances, hidden, features]``, where the
paper's ReLU(WᵀW x + b) reads literally. The layout is stated on every card. The value form draws
a tiny model as ``forward`` does and shows W transposed; reading W in the other layout is one of
the classic slips it rejects. The code exercise is ``forward_arena`` (ARENA calls it ``forward``) in ARENA's layout, graded against
superpos_core's Model with W transposed into it.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import Precision, format_array
from exercises.redraw import redraw
from exercises.superposition import forward as features_first
from exercises.superposition._common import give, indent_rows, literal, variant

ID = "superposition.forward_arena"


def _t(W):
    return W.transpose(-1, -2)


def reference(W, b_final, features):
    """superpos_core's Model with its W set to this W transposed into [instances, features, hidden]."""
    return features_first.reference(_t(W), b_final, features)


def features_first_layout(W, b_final, features):
    """W read as [instances, features, hidden]: only runs when hidden == features."""
    if W.shape[-1] != W.shape[-2]:
        raise ValueError("needs a square W")
    return features_first.reference(W, b_final, features)


def _on_t(fn):
    def wrapped(W, b_final, features):
        return fn(_t(W), b_final, features)
    wrapped.__name__ = fn.__name__
    return wrapped


def make_inputs(rng: random.Random, case: int) -> dict:
    """forward's cases, shifted so the first is square (hidden == features): reading W in the other
    layout runs there and gets its diagnosis instead of only a shape error."""
    inputs = features_first.make_inputs(rng, case + 1)
    return {**inputs, "W": _t(inputs["W"]).contiguous()}


CODE = CodeSpec(
    function="forward_arena",  # not `forward`: superposition.forward has that name (a header-less file is graded by it)
    signature="def forward_arena(W: torch.Tensor, b_final: torch.Tensor, features: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The TMS model's forward pass, every instance separately, with W in ARENA 3.0's layout:\n"
        "W: [instances, hidden, features] (column f of W[i] is feature f's direction);\n"
        "b_final: [instances, features]; features: [batch, instances, features].\n"
        "h = W x (contract W's features axis), out = ReLU(W^T h + b_final). Returns [batch, instances, features]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("features_first_layout", features_first_layout,
                "W is [instances, hidden, features] here: contract W's LAST axis with the features (h = W x), "
                "then go back with W^T."),
        Mistake("no_relu", _on_t(features_first.no_relu), "Did you forget the ReLU?"),
        Mistake("no_bias", _on_t(features_first.no_bias), "Did you forget b_final?"),
        Mistake("bias_after_relu", _on_t(features_first.bias_after_relu), "b_final goes inside the ReLU: ReLU(W^T W x + b_final)."),
        Mistake("mixed_instances", _on_t(features_first.mixed_instances),
                "Each instance is a separate model: keep the instance index in both contractions."),
    ),
    n_cases=24,
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(3)
    F, H, W, b, x, vec, check, mistaken = redraw(lambda: features_first._draw(rng, precision), 2000,
                                                 family=ID, form=form, seed=seed)
    W_arena = [[[W[0][f][h] for f in range(F)] for h in range(H)]]
    mistakes = [("read W as [instances, features, hidden]" if key == "transposed" else what, format_array(m))
                for what, key, m in mistaken]
    code = (
        indent_rows("W", [W_arena[0]], f"[instances=1, hidden={H}, features={F}]: ARENA 3.0's layout") + "\n"
        + f"b_final = torch.tensor({literal(b)})  # [instances, features]\n"
        + f"x = torch.tensor({literal(x)})  # [batch=1, instances, features]\n"
        + "out = torch.relu(W.mT @ W @ x[0, 0] + b_final)  # ReLU(W^T W x + b_final), one instance"
    )
    return variant(
        ID, form, seed,
        params={"W": W_arena, "b_final": b, "x": x, "layout": "instances, hidden, features"},
        prompt=(
            "ARENA 3.0 stores a TMS model's W as [instances, hidden, features]. For the one-instance model below, "
            f"what is `out` (all {F} entries, as a list)?" + give(precision).replace("Give it", "Give each entry")
        ),
        answer=vec,
        check=check,
        code=code,
        explanation=(
            f"With W as [hidden, features], h = W x has {H} entr{'ies' if H > 1 else 'y'}; W^T h maps it back to "
            f"the {F} features; add b_final and clip at 0: `out` = {format_array(vec)}."
        ),
        hints=(
            "Row k of W (hidden unit k) holds every feature's weight on it; column f is feature f's direction.",
            "h[k] = Σ_f W[k, f]·x[f]; then out[f] = ReLU(Σ_k W[k, f]·h[k] + b_final[f]).",
        ),
        wrong=[r for _, r in mistakes] + [format_array(list(reversed(vec)))],
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="The TMS forward pass, ARENA's W layout",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Run ReLU(W^T W x + b_final) with W stored as [instances, hidden, features] (ARENA 3.0); write forward in that layout.",
    code_spec=CODE,
)
