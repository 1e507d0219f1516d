"""Global pooling over the spatial axes: ``b c h w -> b c`` (or ``b c 1 1`` to keep dims)."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names
from exercises.checking import distinct_sizes


def draw(rng, form):
    b, c, h, w = pick_names(rng, "batch", "channel", "height", "width")
    if form == "value":
        sizes = [1, rng.choice([2, 3]), 2, rng.choice([2, 3])]
    else:
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, c, h, w), sizes))
    red = rng.choice(["mean", "max"])
    keep = rng.random() < 0.4
    lhs = f"{b} {c} {h} {w}"
    rhs = f"{b} {c} 1 1" if keep else f"{b} {c}"
    x = rng.choice(["fmap", "x", "feats"])
    kind = "average" if red == "mean" else "max"
    shape = f"({sizes[b]}, {sizes[c]}, 1, 1)" if keep else f"({sizes[b]}, {sizes[c]})"
    return Problem(
        op="reduce",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", c: "channel", h: "height", w: "width"},
        reduction=red,
        what=f"Global {kind} pooling: reduce each channel of each image in `{x}` to one number"
        + (", keeping the two spatial axes with size 1." if keep else ", dropping the spatial axes."),
        out_desc=f"`y` should have shape {shape}.",
        idea="Reduced axes are the ones missing on the right" + ("; a `1` on the right is an axis of length 1." if keep else "."),
        write_hints=[
            f"Both spatial axes `{h}` and `{w}` are reduced; `{b}` and `{c}` stay in order.",
            f"The left side is `{lhs}`" + ("; write `1` twice on the right to keep two unit axes." if keep else "."),
        ],
        explanation=f"`{h}` and `{w}` are missing on the right, so '{red}' runs over them"
        + ("; each `1` on the right adds a unit axis, like keepdim=True." if keep else "."),
        wrong=[f"{lhs} -> {b} {c}" if keep else f"{lhs} -> {b} {c} 1 1", f"{lhs} -> {b} {h} {w}", f"{lhs} -> {c}"],
    )


FAMILY = einops_family(
    "einops.global_pool",
    "Global pooling with einops.reduce",
    draw,
    difficulty=1,
    summary="Reduce away height and width: reduce(x, 'b c h w -> b c', 'mean'), or 'b c 1 1' to keep dims.",
    tags=("reduce", "vision"),
)
