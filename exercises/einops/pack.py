"""Concatenate tensors of different ranks with ``einops.pack(..., 'b * d')``."""
from __future__ import annotations

import math

from exercises.einops._common import Problem, einops_family, operand, shape_text
from exercises.einops._packing import draw_scenario, moved_star


def draw(rng, form):
    sc = draw_scenario(rng, form)
    pattern, star, sizes = sc["pattern"], sc["star"], sc["sizes"]
    ops = [operand(name, layout, sizes) for name, layout in sc["layouts"]]
    names = [o.name for o in ops]
    contrib = ", ".join(f"`{o.name}` → {math.prod(s)}" for o, s in zip(ops, sc["star_shapes"]))
    axis = ["first", "second", "third"][star]
    wrong = moved_star(pattern)
    return Problem(
        op="pack",
        pattern=pattern,
        operands=ops,
        sizes=sizes,
        roles=sc["roles"],
        what=f"Pack {sc['words'][0]} {sc['words'][1]}: one call to `einops.pack` that concatenates {', '.join(f'`{n}`' for n in names)} "
        f"along the {axis} axis of the result, flattening any extra axes of each piece into it.",
        out_desc=f"`y` should have shape {shape_text(sc['packed_shape'])}.",
        idea="In a pack pattern, `*` marks the axis the pieces are concatenated along; the named axes must "
        "match in every piece.",
        write_hints=[
            "Name the axes all pieces share, in order, and put `*` where the packed axis goes.",
            f"The packed axis is the {axis} one, so `*` is in position {star + 1} of the pattern.",
        ],
        shape_hints=[
            "For each piece, `*` takes all the axes the names don't cover, flattened (1 if there are none).",
            f"Sizes along `*`: {contrib}; the packed axis is their sum.",
        ],
        explanation="pack flattens, in each piece, the axes that fall on `*` (a missing axis counts as 1) and "
        "concatenates the pieces there; `ps` remembers their shapes so unpack can undo it.",
        wrong=wrong,
    )


FAMILY = einops_family(
    "einops.pack",
    "Pack tensors with einops.pack",
    draw,
    difficulty=2,
    summary="Concatenate pieces of different ranks along *: pack([cls, patches], 'b * d').",
    tags=("pack",),
)
