"""Move p×p pixel blocks into channels and back: ``b c (h p1) (w p2) -> b (c p1 p2) h w``."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.fixes import einops_fix, with_fix
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      reversed_group_slips, shape_text, wrong_pattern)


def problem(rng, form):
    b, c, h, w, p1, p2 = pick_names(rng, "batch", "channel", "height", "width", "block_h", "block_w")
    if form == "value":
        sizes = [1, rng.choice([1, 2]), *rng.sample([1, 2], 2), 2, 2]
    else:
        k = rng.choice([2, 3])
        sizes = [*distinct_sizes(rng, 4), k, k]
    sizes = dict(zip((b, c, h, w, p1, p2), sizes))
    k = sizes[p1]
    deep = f"{b} ({c} {p1} {p2}) {h} {w}"
    wide = f"{b} {c} ({h} {p1}) ({w} {p2})"
    to_depth = rng.random() < 0.6
    lhs, rhs = (wide, deep) if to_depth else (deep, wide)
    x = rng.choice(["x", "img", "fmap"])
    if to_depth:
        shp = shape_text(operand(x, wide, sizes).shape)
        what = (f"Space-to-depth: cut every channel of `{x}` into {k}×{k} blocks and stack each block's {k * k} "
                f"pixels as channels, so channel `{c}` becomes the {k * k} channels `{c}`·{k * k} + {k}·i + j for the "
                f"pixel at offset (i, j) in its block (blocks are not mixed across channels).")
        in_desc = f"`{x}` has shape {shp} = ({b}, {c}, {h}·{k}, {w}·{k})."
        wrong = [f"{b} {c} ({p1} {h}) ({p2} {w}) -> {deep}", f"{wide} -> {b} ({p1} {p2} {c}) {h} {w}"]
    else:
        shp = shape_text(operand(x, deep, sizes).shape)
        what = (f"Depth-to-space (pixel shuffle): every group of {k * k} consecutive channels of `{x}` becomes one "
                f"channel upsampled {k}× in both directions; channel `{c}`·{k * k} + {k}·i + j of a pixel goes to "
                f"offset (i, j) of its {k}×{k} output block.")
        in_desc = f"`{x}` has shape {shp} = ({b}, {c}·{k}·{k}, {h}, {w})."
        wrong = [f"{deep} -> {b} {c} ({p1} {h}) ({p2} {w})", f"{b} ({p1} {p2} {c}) {h} {w} -> {wide}"]
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", c: "channel", h: "height", w: "width", p1: "block_h", p2: "block_w"},
        lengths=(p1, p2),
        what=what,
        in_desc=in_desc,
        mistakes=[
            wrong_pattern("strided blocks: (p h) instead of (h p) groups pixels far apart, not neighbours", wrong[0]),
            wrong_pattern("channel-minor: the block offsets before the channel in the merged channel axis", wrong[1]),
            reshape_slip("a plain reshape to the result's shape, without moving the block offsets"),
            *reversed_group_slips(f"{lhs} -> {rhs}"),
        ],
        idea="Name the block offsets as their own axes: split the spatial axes, then merge the offsets with channels.",
        write_hints=[
            f"Neighbouring pixels belong to one block, so the offset is the FAST part of a spatial axis: "
            f"`({h} {p1})`, not `({p1} {h})`.",
            f"Channel-major means `{c}` is the slowest axis of the merged channel group: `({c} {p1} {p2})`; "
            f"the block sizes are passed as `{p1}={k}, {p2}={k}`.",
        ],
        explanation=f"`({h} {p1})` splits each spatial axis into block index and offset within the block; moving the "
        f"offsets {p1}, {p2} next to {c} turns each {k}×{k} block into {k * k} channels (the inverse swaps the sides).",
        wrong=wrong,
    )


_TASK = 'Move pixels between space and channels, block by block: a block of neighbouring pixels of one channel corresponds to consecutive channels (offset (i, j) in a k×k block is channel c·k² + k·i + j).'

FAMILY = Family(
    id="einops.space_to_depth",
    title="Space-to-depth and pixel shuffle",
    forms=(*FORMS, "fix", "task"),
    difficulty=3,
    summary="Trade spatial blocks for channels: b c (h p1) (w p2) <-> b (c p1 p2) h w.",
    make=with_fix(einops_maker(problem, task=_TASK), einops_fix(problem)),
)
