"""Flatten trailing axes into one: ``b c h w -> b (c h w)`` (rearrange)."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names, small_sizes
from exercises.checking import distinct_sizes

# (roles of the input axes, how many leading axes stay, words for what is flattened)
_LAYOUTS = [
    (("batch", "channel", "height", "width"), 1, "each image (channels, then rows, then columns)", ("x", "imgs")),
    (("batch", "channel", "height", "width"), 2, "each channel's grid of pixels (rows, then columns)", ("x", "fmap")),
    (("batch", "seq", "model"), 1, "each sequence (positions, then features)", ("x", "resid", "emb")),
    (("batch", "time", "feature"), 1, "each example's time series (steps, then features)", ("x", "series")),
]


def draw(rng, form):
    roles, keep, words, tensor_names = rng.choice(_LAYOUTS)
    names = pick_names(rng, *roles)
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    sizes = dict(zip(names, sizes))
    x = rng.choice(tensor_names)
    kept, flat = names[:keep], names[keep:]
    lhs = " ".join(names)
    rhs = " ".join(kept) + f" ({' '.join(flat)})"
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, roles)),
        what=f"Flatten {words} of `{x}` into one axis, with `{flat[-1]}` varying fastest.",
        idea="Parentheses on the right merge axes into one whose size is their product.",
        write_hints=[
            f"The left side just names the {len(names)} input axes in order; the right side keeps "
            f"{', '.join(kept)} and merges the rest.",
            f"The left side is `{lhs}`; inside the parentheses, list the merged axes from slowest to fastest.",
        ],
        explanation=f"`({' '.join(flat)})` merges those axes row-major (the last one varies fastest), "
        f"exactly like a reshape, so the merged size is the product of their sizes.",
        wrong=[
            f"{lhs} -> {' '.join(kept)} ({' '.join(flat[::-1])})",
            f"{lhs} -> ({' '.join(names)})",
            f"{lhs} -> ({' '.join(flat)}) {' '.join(kept)}",
        ],
    )


FAMILY = einops_family(
    "einops.flatten",
    "Flatten axes with rearrange",
    draw,
    difficulty=1,
    summary="Merge trailing axes into one with parentheses: b c h w -> b (c h w).",
    tags=("rearrange",),
)
