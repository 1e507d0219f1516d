"""k×k pooling with anonymous axes: ``b c (h 2) (w 2) -> b c h w``."""
from __future__ import annotations

from exercises.base import CodeSpec, Mistake
from exercises.einops._common import Problem, einops_family, operand, pick_names, shape_text, torch_randn
from exercises.checking import distinct_sizes


def draw(rng, form):
    b, c, h, w = pick_names(rng, "batch", "channel", "height", "width")
    if form == "value":
        k = 2
        sizes = [1, rng.choice([1, 2]), *rng.sample([1, 2], 2)]
    else:
        k = rng.choice([2, 2, 3])
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, c, h, w), sizes))
    red = rng.choice(["max", "max", "mean"])
    lhs = f"{b} {c} ({h} {k}) ({w} {k})"
    rhs = f"{b} {c} {h} {w}"
    x = rng.choice(["x", "fmap", "img"])
    kind = "max" if red == "max" else "average"
    shp = shape_text(operand(x, lhs, sizes).shape)
    return Problem(
        op="reduce",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", c: "channel", h: "height", w: "width"},
        reduction=red,
        what=f"{k}×{k} {kind} pooling with stride {k}: each output pixel of `{x}` is the {red} of one "
        f"non-overlapping {k}×{k} block of neighbouring pixels.",
        in_desc=f"`{x}` has shape {shp} = ({b}, {c}, height, width).",
        out_desc=f"`y` should have shape {shape_text((sizes[b], sizes[c], sizes[h], sizes[w]))}: "
        f"height and width divided by {k}.",
        idea="Split each spatial axis into (block index, offset in block) and reduce the offsets.",
        write_hints=[
            f"A number inside a group is an anonymous axis: `({h} {k})` splits height into {h} blocks of {k}.",
            f"Neighbouring pixels share a block, so the offset is the fast part: `({h} {k})`, not `({k} {h})`; "
            f"the right side is `{rhs}`.",
        ],
        explanation=f"`({h} {k})` reads height as {h} blocks of {k} neighbouring rows; the anonymous {k}s are missing "
        f"on the right, so '{red}' reduces each {k}×{k} block. `({k} {h})` would pool pixels {h} apart.",
        wrong=[f"{b} {c} ({k} {h}) ({k} {w}) -> {rhs}", f"{b} {c} {h} {w} -> {b} {c}", f"{b} {c} ({h} {k}) {w} -> {rhs}"],
        value_hint=f"Each entry is the {red} of one {k}×{k} block: `y[.., i, j]` covers rows {k}i…{k}i+{k - 1} "
        f"and columns {k}j…{k}j+{k - 1} of `{x}`.",
    )


def max_pool2x2(x):
    import einops

    return einops.reduce(x, "b c (h 2) (w 2) -> b c h w", "max")


def _strided(x):
    import einops

    return einops.reduce(x, "b c (2 h) (2 w) -> b c h w", "max")


def _average(x):
    import einops

    return einops.reduce(x, "b c (h 2) (w 2) -> b c h w", "mean")


def _rows_only(x):
    import einops

    return einops.reduce(x, "b c (h 2) w -> b c h w", "max")


def _inputs(rng, case):
    b, c, h, w = [1 if case % 5 == i else v for i, v in enumerate(rng.sample(range(2, 7), 4))]
    return {"x": torch_randn(rng, b, c, 2 * h, 2 * w)}


CODE = CodeSpec(
    function="max_pool2x2",
    signature="def max_pool2x2(x: torch.Tensor) -> torch.Tensor:",
    doc="2×2 max pooling with stride 2.\n\n"
    "x: [batch, channels, 2*h, 2*w]. Returns [batch, channels, h, w], each entry the max of one\n"
    "non-overlapping 2×2 block of neighbouring pixels.",
    reference=max_pool2x2,
    make_inputs=_inputs,
    mistakes=(
        Mistake("strided", _strided, "(2 h) instead of (h 2): each 'block' takes pixels h apart, not neighbours."),
        Mistake("average", _average, "This averages each block; max pooling takes the maximum."),
        Mistake("rows_only", _rows_only, "Only the rows are pooled; split and reduce the width axis too."),
    ),
    rules=("no_loops",),
)

FAMILY = einops_family(
    "einops.pool",
    "Pooling with anonymous axes",
    draw,
    difficulty=2,
    summary="k×k pooling in one reduce: reduce(x, 'b c (h 2) (w 2) -> b c h w', 'max').",
    code_spec=CODE,
    tags=("reduce", "vision"),
)
