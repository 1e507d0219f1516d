"""Concatenate tensors of different ranks with ``einops.pack(..., 'b * d')``."""
from __future__ import annotations

import math

from exercises.base import Family
from exercises.einops._common import FORMS_WITHOUT_WRITE, Problem, Slip, einops_maker, operand, wrong_pattern
from exercises.einops._packing import packing_scenario, moved_star


def _pack(tensors, pattern):
    import einops

    return einops.pack(tensors, pattern)[0]


def problem(rng, form):
    sc = packing_scenario(rng, form)
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
        mistakes=[
            *(wrong_pattern("the packed axis in the wrong place", w) for w in wrong if w != "*"),
            Slip("the pieces concatenated in the reverse order", lambda p, xs, out: _pack(list(xs)[::-1], p.pattern)),
        ],
    )


FAMILY = Family(
    id="einops.pack",
    title="Pack tensors with einops.pack",
    forms=FORMS_WITHOUT_WRITE,  # the write form retired (issue 18): see _common.FORMS_WITHOUT_WRITE
    difficulty=2,
    summary="Concatenate pieces of different ranks along *: pack([cls, patches], 'b * d').",
    make=einops_maker(problem),
)
