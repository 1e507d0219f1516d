"""Split a packed tensor back into pieces with ``einops.unpack(x, ps, 'b * d')``."""
from __future__ import annotations

from exercises.base import Family
from exercises.einops._common import FORMS_WITHOUT_WRITE, Operand, Problem, Slip, einops_maker, shape_text, wrong_pattern
from exercises.einops._packing import packing_scenario, moved_star


def _from_the_end(p, xs, out):
    """Unpacking as if the pieces were stored last-first: each piece's slice is taken from the other end."""
    import einops

    return list(einops.unpack(xs[0], [tuple(s) for s in p.packed_shapes][::-1], p.pattern))[::-1]


def problem(rng, form):
    sc = packing_scenario(rng, form)
    pattern, star, sizes = sc["pattern"], sc["star"], sc["sizes"]
    pieces = tuple(name for name, _ in sc["layouts"])
    x = rng.choice(["x", "packed", "h"])
    axis = ["first", "second", "third"][star]
    wrong = moved_star(pattern)
    return Problem(
        op="unpack",
        pattern=pattern,
        operands=[Operand(x, pattern, sc["packed_shape"])],
        sizes=sizes,
        roles=sc["roles"],
        packed_shapes=sc["star_shapes"],
        pieces=pieces,
        what=f"`{x}` holds {sc['words'][0]}, packed {sc['words'][1]} (along its {axis} axis). Split it back with `einops.unpack`.",
        in_desc=f"`{x}` has shape {shape_text(sc['packed_shape'])}.",
        idea="unpack is the inverse of pack: the pattern marks the packed axis with `*`, and `ps` gives the "
        "shape each piece had there.",
        write_hints=[
            "Name the axes that every piece shares and put `*` where the packed axis is.",
            f"The packed axis is the {axis} axis of `{x}`, so `*` is in position {star + 1}.",
        ],
        shape_hints=[
            "unpack cuts the `*` axis into one slice per entry of `ps`, each as long as the product of that entry.",
            "Each slice is reshaped to its entry of `ps` (`()` means the axis disappears); the named axes stay.",
        ],
        explanation="unpack splits the axis at `*` into consecutive slices sized by `ps` and reshapes each slice "
        "to its entry of `ps` — `()` removes the axis — so pack followed by unpack gives the pieces back.",
        wrong=wrong,
        mistakes=[
            *(wrong_pattern("the packed axis in the wrong place", w) for w in wrong if w != "*"),
            Slip("the slices taken from the wrong end (the last piece read first)", _from_the_end),
        ],
    )


FAMILY = Family(
    id="einops.unpack",
    title="Unpack tensors with einops.unpack",
    forms=FORMS_WITHOUT_WRITE,  # the write form retired (issue 18): see _common.FORMS_WITHOUT_WRITE
    difficulty=2,
    summary="Undo a pack: unpack(x, ps, 'b * d') splits the * axis back into pieces shaped by ps.",
    make=einops_maker(problem),
)
