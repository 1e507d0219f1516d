"""Split one axis into two with a given length: ``b (h w) -> b h w`` (rearrange)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS_WITHOUT_WRITE, Problem, einops_maker, operand, pick_names, shape_text,
                                      small_sizes, wrong_pattern)

# (role of the kept axis, roles of the two axes packed in one, what the packed axis holds, tensor names)
_LAYOUTS = [
    ("batch", ("height", "width"), "a grid of {a} rows by {b} columns, flattened row by row", ("x", "flat_imgs")),
    ("channel", ("height", "width"), "a {a}×{b} feature map, flattened row by row", ("x", "fmap")),
    ("batch", ("seq", "model"), "{a} positions of {b} features each, flattened position-major", ("x", "flat")),
    ("batch", ("heads", "head_dim"), "{a} heads of {b} features each, head-major", ("x", "z")),
]


def problem(rng, form):
    keep_role, (ra, rb), words, tensor_names = rng.choice(_LAYOUTS)
    k, a, b = pick_names(rng, keep_role, ra, rb)
    sizes = small_sizes(rng, 3) if form == "value" else distinct_sizes(rng, 3)
    sizes = dict(zip((k, a, b), sizes))
    given = rng.choice([a, b])
    first = rng.random() < 0.5  # the packed axis comes first: (a b) k
    lhs = f"({a} {b}) {k}" if first else f"{k} ({a} {b})"
    rhs = f"{a} {b} {k}" if first else f"{k} {a} {b}"
    swapped = lhs.replace(f"({a} {b})", f"({b} {a})")
    x = rng.choice(tensor_names)
    where = "first" if first else "second"
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={k: keep_role, a: ra, b: rb},
        lengths=(given,),
        what=f"The {where} axis of `{x}` holds {words.format(a=f'{a}={sizes[a]}', b=f'{b}={sizes[b]}')}; "
        f"split it into separate `{a}` and `{b}` axes.",
        in_desc=f"`{x}` has shape {shape_text(operand(x, lhs, sizes).shape)}, and `{k}`={sizes[k]}.",
        idea="A parenthesized group on the LEFT splits one input axis; einops needs all but one of its lengths.",
        write_hints=[
            f"Write the {where} input axis as a group of two axes; the slow one ({a}) comes first in the group.",
            f"The left side is `{lhs}`; the length `{given}={sizes[given]}` is passed as a keyword so `{[a, b][given == a]}` can be inferred.",
        ],
        explanation=f"`({a} {b})` on the left reads the axis as {a} blocks of {b} consecutive entries, the inverse of "
        f"flattening; one length is enough because einops infers the other from the axis size.",
        wrong=[f"{swapped} -> {rhs}", f"{lhs} -> {rhs.replace(f'{a} {b}', f'{b} {a}')}"],
        mistakes=[wrong_pattern(f"the packed axis read the wrong way round: ({b} {a}) instead of ({a} {b})",
                                f"{swapped} -> {rhs}")],
    )


_TASK = 'One axis of `{t0}` holds several axes stored one after another (the first varying slowest); split it into separate axes.'

FAMILY = Family(
    id="einops.unflatten",
    title="Unflatten an axis with rearrange",
    forms=(*FORMS_WITHOUT_WRITE, "task"),  # the write form retired (issue 18): see _common.FORMS_WITHOUT_WRITE
    difficulty=2,
    summary="Split an axis into two with a group on the left and one keyword length: b (h w) -> b h w, h=4.",
    make=einops_maker(problem, task=_TASK),
)
