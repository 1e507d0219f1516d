"""Flatten axes into one: ``b c h w -> b (c h w)``, ``b c h w -> b (h w) c``, … (rearrange)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      reversed_group_slips, small_sizes, wrong_pattern)

# (roles of the input axes, the result's layout as role indices (a tuple is one merged axis),
#  what is computed, tensor names). The card states the operation, never the result's layout.
_CASES = [
    (("batch", "channel", "height", "width"), (0, (1, 2, 3)),
     "Flatten each image of `{x}` into one vector, in the order `{x}[i].flatten()` (a row-major reshape) gives.",
     ("x", "imgs")),
    (("batch", "channel", "height", "width"), (0, 1, (2, 3)),
     "Flatten each channel's grid of pixels in `{x}` into one vector, row by row (raster order).", ("x", "fmap")),
    (("batch", "channel", "height", "width"), (0, (2, 3, 1)),
     "Flatten each image of `{x}` into one vector pixel by pixel (row by row), each pixel's channel values "
     "kept together — the order a channels-last image is stored in.", ("x", "imgs")),
    (("batch", "channel", "height", "width"), (0, (2, 3), 1),
     "Turn each image of `{x}` into a sequence of pixel tokens, one token per pixel in raster order, whose "
     "features are that pixel's channel values (tokens before features, as a transformer expects).", ("x", "fmap")),
    (("batch", "height", "width", "channel"), (0, (1, 2), 3),
     "`{x}` is stored channels-last. Turn each image into a sequence of pixel tokens in raster order, each "
     "token's features being that pixel's channel values.", ("x", "imgs")),
    (("batch", "seq", "model"), (0, (1, 2)),
     "Flatten each sequence of `{x}` into one long vector, position after position.", ("x", "resid", "emb")),
    (("batch", "time", "feature"), ((0, 1), 2),
     "Stack the time steps of all series in `{x}` into one matrix with one row per (series, step), all steps of "
     "series 0 first, then series 1, …", ("x", "series")),
]


def _side(names, layout) -> str:
    return " ".join(f"({' '.join(names[i] for i in g)})" if isinstance(g, tuple) else names[g] for g in layout)


def problem(rng, form):
    roles, layout, words, tensor_names = rng.choice(_CASES)
    names = pick_names(rng, *roles, avoid=words)
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    if form == "value" and len(names) == 4:
        sizes = [1, *rng.sample([2, 3], 2), 2]
    sizes = dict(zip(names, sizes))
    x = rng.choice(tensor_names)
    lhs, rhs = " ".join(names), _side(names, layout)
    reversed_groups = tuple(g[::-1] if isinstance(g, tuple) else g for g in layout)
    column_major = f"{lhs} -> {_side(names, reversed_groups)}"
    mistakes = [wrong_pattern("the merged axes in reverse order (the first one varying fastest)", column_major)]
    order = [i for g in layout for i in (g if isinstance(g, tuple) else (g,))]
    if order != sorted(order):
        mistakes.append(reshape_slip("a plain reshape, without moving the axes the layout asks to move"))
    flat = [names[i] for g in layout if isinstance(g, tuple) for i in g]
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, roles)),
        what=words.format(x=x),
        idea="Parentheses on the right merge axes into one whose size is their product; the last one inside varies fastest.",
        write_hints=[
            "Decide which axes are merged, then their order inside the group: the one that should vary fastest comes last.",
            f"The left side is `{lhs}`.",
        ],
        explanation=f"`({' '.join(flat)})` merges those axes row-major (the last one varies fastest), "
        f"like a reshape after moving them next to each other; the merged size is the product of their sizes.",
        wrong=[column_major, f"{lhs} -> ({' '.join(names)})"],
        mistakes=[*mistakes, *reversed_group_slips(f"{lhs} -> {rhs}")],
    )


_TASK = "Merge the spatial axes of each image in `{t0}` into one axis, pixels in raster order (row by row), laid out as the example's result shows."

FAMILY = Family(
    id="einops.flatten",
    title="Flatten axes with rearrange",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="Merge axes into one with parentheses: b c h w -> b (c h w), or b (h w) c for pixel tokens.",
    make=einops_maker(problem, task=_TASK),
)
