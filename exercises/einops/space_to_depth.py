"""Move p×p pixel blocks into channels and back: ``b c (h p1) (w p2) -> b (c p1 p2) h w``."""
from __future__ import annotations

import random

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.fixes import einops_fix, with_fix
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      reversed_group_slips, shape_text, wrong_pattern)
from exercises.einops._task_cases import task_case


def problem(rng, form):
    b, c, h, w, p1, p2 = pick_names(rng, "batch", "channel", "height", "width", "block_h", "block_w")
    if form == "value":
        sizes = [1, rng.choice([1, 2]), *rng.sample([1, 2], 2), 2, 2]
    else:
        k = rng.choice([2, 3])
        sizes = [*distinct_sizes(rng, 4), k, k]
    sizes = dict(zip((b, c, h, w, p1, p2), sizes))
    k = sizes[p1]
    # Drawn from its own generator (the rest of the card stays as the seed drew it): the channels
    # first or last, and the merged channel axis channel-major (c·k² + k·i + j) or offset-major
    # ((k·i + j)·C + c). Stated as the index formula, never as a layout.
    style = random.Random(repr((sorted(sizes.items()), form))).randrange(4)
    last, offset_major = bool(style & 1), bool(style & 2)
    merged = f"({p1} {p2} {c})" if offset_major else f"({c} {p1} {p2})"
    deep = f"{b} {h} {w} {merged}" if last else f"{b} {merged} {h} {w}"
    wide = f"{b} ({h} {p1}) ({w} {p2}) {c}" if last else f"{b} {c} ({h} {p1}) ({w} {p2})"
    strided = wide.replace(f"({h} {p1})", f"({p1} {h})").replace(f"({w} {p2})", f"({p2} {w})")
    other_merge = deep.replace(merged, f"({c} {p1} {p2})" if offset_major else f"({p1} {p2} {c})")
    n_c = sizes[c]
    formula = (f"({k}·i + j)·{n_c} + `{c}`" if offset_major else f"`{c}`·{k * k} + {k}·i + j")
    where = "last" if last else "right after the batch axis"
    to_depth = rng.random() < 0.6
    lhs, rhs = (wide, deep) if to_depth else (deep, wide)
    x = rng.choice(["x", "img", "fmap"])
    if to_depth:
        shp = shape_text(operand(x, wide, sizes).shape)
        what = (f"Space-to-depth: cut every channel of `{x}` into {k}×{k} blocks and stack each block's {k * k} "
                f"pixels as channels: the pixel at offset (i, j) of a block of channel `{c}` goes to channel "
                f"{formula} (blocks are not mixed across channels), with the channel axis {where} as in `{x}`.")
        dims = (f"({b}, {h}·{k}, {w}·{k}, {c})" if last else f"({b}, {c}, {h}·{k}, {w}·{k})")
        in_desc = f"`{x}` has shape {shp} = {dims}."
        wrong = [f"{strided} -> {deep}", f"{wide} -> {other_merge}"]
    else:
        shp = shape_text(operand(x, deep, sizes).shape)
        what = (f"Depth-to-space (pixel shuffle): the {k * k} channels of `{x}` that hold one output channel's "
                f"{k}×{k} block become that channel upsampled {k}× in both directions: channel {formula} of a pixel "
                f"goes to offset (i, j) of its {k}×{k} output block of channel `{c}`, with the channel axis {where} "
                f"as in `{x}`.")
        dims = (f"({b}, {h}, {w}, {k * k}·{c})" if last else f"({b}, {k * k}·{c}, {h}, {w})")
        in_desc = f"`{x}` has shape {shp} = {dims}."
        wrong = [f"{deep} -> {strided}", f"{other_merge} -> {wide}"]
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
            wrong_pattern("the merged channel axis in the other order: the block offsets and the channel swapped "
                          "(channel-major for offset-major, or back)", wrong[1]),
            reshape_slip("a plain reshape to the result's shape, without moving the block offsets"),
            *reversed_group_slips(f"{lhs} -> {rhs}"),
        ],
        idea="Name the block offsets as their own axes: split the spatial axes, then merge the offsets with channels.",
        write_hints=[
            f"Neighbouring pixels belong to one block, so the offset is the FAST part of a spatial axis: "
            f"`({h} {p1})`, not `({p1} {h})`.",
            f"The slowest term of the channel formula is the first axis of the merged group: `{merged}`; "
            f"the block sizes are passed as `{p1}={k}, {p2}={k}`.",
        ],
        explanation=f"`({h} {p1})` splits each spatial axis into block index and offset within the block; merging the "
        f"offsets {p1}, {p2} with {c} as `{merged}` turns each {k}×{k} block into {k * k} channels, numbered by "
        f"{formula.replace('`', '')} (the inverse swaps the sides).",
        wrong=wrong,
    )


def task_problem(rng):
    """Space-to-depth or back, channels first or last, a batch or one image, the channels numbered
    channel-major or offset-major, 2×2 or 3×3 blocks: the card states the numbering as a formula."""
    k = rng.choice([2, 3])
    last, offset_major, to_depth, batch = (rng.random() < 0.5 for _ in range(4))
    merged = "(block_h block_w channel)" if offset_major else "(channel block_h block_w)"
    other = "(channel block_h block_w)" if offset_major else "(block_h block_w channel)"
    lead = "batch " if batch else ""
    wide = f"{lead}(height block_h) (width block_w) channel" if last else f"{lead}channel (height block_h) (width block_w)"
    deep = f"{lead}height width {merged}" if last else f"{lead}{merged} height width"
    formula = f"({k}·i + j)·C + c" if offset_major else f"c·{k * k} + {k}·i + j"
    where = "last" if last else ("right after the batch axis" if batch else "first")
    what = "the batch of images {t0}" if batch else "the image {t0}"
    if to_depth:
        story = (f"Space-to-depth on {what.replace('{t0}', '`{t0}`')}: cut every channel into {k}×{k} blocks of "
                 f"neighbouring pixels and stack each block's {k * k} pixels as channels: the pixel at offset (i, j) "
                 f"of a block of channel c goes to channel {formula}, where C is the number of input channels. The "
                 f"channel axis stays {where}.")
        lhs, rhs = wide, deep
    else:
        story = (f"Depth-to-space (pixel shuffle) on {what.replace('{t0}', '`{t0}`')}: channel {formula} of a "
                 f"pixel holds offset (i, j) of that pixel's {k}×{k} block of output channel c, where C is the "
                 f"number of output channels; each pixel becomes such a block. The channel axis stays {where}.")
        lhs, rhs = deep, wide
    swap = (f"{lhs} -> {rhs}".replace(merged, other), "the merged channel axis in the other order: the block "
            "offsets and the channel swapped")
    return task_case(rng, "rearrange", f"{lhs} -> {rhs}", story, tensors=("x", "img", "fmap"),
                     lengths={"block_h": k, "block_w": k}, wrong=[swap[::-1]])


FAMILY = Family(
    id="einops.space_to_depth",
    title="Space-to-depth and pixel shuffle",
    forms=(*FORMS, "fix", "task"),
    difficulty=3,
    summary="Trade spatial blocks for channels: b c (h p1) (w p2) <-> b (c p1 p2) h w.",
    make=with_fix(einops_maker(problem, task_problem=task_problem), einops_fix(problem)),
)
