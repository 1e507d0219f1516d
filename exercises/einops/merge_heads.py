"""Merge attention heads back into the model axis: ``b h s d -> b s (h d)``."""
from __future__ import annotations

from exercises.base import CodeSpec, Mistake
from exercises.einops._common import Problem, einops_family, operand, pick_names, torch_randn
from exercises.checking import distinct_sizes


def draw(rng, form):
    b, h, s, d = pick_names(rng, "batch", "heads", "seq", "head_dim")
    if form == "value":
        sizes = [1] + [rng.choice([2, 3]) for _ in range(3)]
        if sizes[1] * sizes[2] * sizes[3] <= 12:
            sizes[0] = 2
    else:
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, h, s, d), sizes))
    seq_first = rng.random() < 0.25  # some code keeps time-major activations
    lhs = f"{b} {h} {s} {d}"
    rhs = f"{s} {b} ({h} {d})" if seq_first else f"{b} {s} ({h} {d})"
    x = rng.choice(["z", "attn_out", "heads_out", "x"])
    layout = "(seq, batch, heads·d_head)" if seq_first else "(batch, seq, heads·d_head)"
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", s: "seq", h: "heads", d: "head_dim"},
        what=f"Concatenate the per-head outputs in `{x}` into one model axis, head-major (head 0's features "
        f"first), giving the layout {layout}.",
        idea="Merge two axes with parentheses on the right; their order inside decides which varies fastest.",
        write_hints=[
            f"Head-major means `{h}` is the slow axis inside the group, so `({h} {d})`.",
            f"The left side is `{lhs}`; `{s}` must move before the group.",
        ],
        explanation=f"`({h} {d})` lays each head's {d} features out contiguously, head after head — the inverse "
        f"of splitting with `({h} {d})`; `({d} {h})` would interleave the heads.",
        wrong=[f"{lhs} -> {rhs.replace(f'({h} {d})', f'({d} {h})')}", f"{lhs} -> {b} {h} ({s} {d})"],
    )


def merge_heads(x):
    import einops

    return einops.rearrange(x, "b h s d -> b s (h d)")


def _interleaved(x):
    import einops

    return einops.rearrange(x, "b h s d -> b s (d h)")


def _plain_reshape(x):
    b, h, s, d = x.shape
    return x.reshape(b, s, h * d)


def _merged_seq(x):
    import einops

    return einops.rearrange(x, "b h s d -> b h (s d)")


def _inputs(rng, case):
    b, h, s, d = [1 if case % 5 == i else v for i, v in enumerate(rng.sample(range(2, 8), 4))]
    return {"x": torch_randn(rng, b, h, s, d)}


CODE = CodeSpec(
    function="merge_heads",
    signature="def merge_heads(x: torch.Tensor) -> torch.Tensor:",
    doc="Concatenate attention heads into the model axis.\n\n"
    "x: [batch, n_heads, seq, d_head]. Returns [batch, seq, n_heads * d_head], head-major\n"
    "(head 0's d_head features first, then head 1's, ...).",
    reference=merge_heads,
    make_inputs=_inputs,
    mistakes=(
        Mistake("interleaved", _interleaved, "(d h) instead of (h d): the heads end up interleaved feature by feature."),
        Mistake("plain_reshape", _plain_reshape, "A plain reshape without moving heads after seq mixes positions "
                "and heads; permute to [b, s, h, d] first."),
        Mistake("merged_seq", _merged_seq, "You merged seq with d_head instead of heads with d_head."),
    ),
    rules=("no_loops",),
)

FAMILY = einops_family(
    "einops.merge_heads",
    "Merge attention heads",
    draw,
    difficulty=2,
    summary="Move heads after seq and merge them with the head dimension: b h s d -> b s (h d).",
    code_spec=CODE,
    tags=("rearrange", "attention"),
)
