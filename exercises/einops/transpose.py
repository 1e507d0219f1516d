"""Reorder axes: ``b c h w -> b h w c`` (rearrange as a readable permute)."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names, small_sizes
from exercises.checking import distinct_sizes

_LAYOUTS = [
    (("batch", "channel", "height", "width"), ("x", "imgs")),
    (("batch", "seq", "model"), ("x", "resid")),
    (("batch", "heads", "seq", "head_dim"), ("q", "k", "v")),
    (("time", "batch", "feature"), ("x", "series")),
    (("height", "width", "channel"), ("img", "x")),
]


def draw(rng, form):
    roles, tensor_names = rng.choice(_LAYOUTS)
    if form == "value" and len(roles) == 4 and rng.random() < 0.7:
        roles = roles[1:]  # keep the value form small enough to read
    names = pick_names(rng, *roles)
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    sizes = dict(zip(names, sizes))
    perm = list(names)
    while perm == names:
        perm = rng.sample(names, len(names))
    inverse = [names[perm.index(n)] for n in names]  # reading the permutation backwards
    swaps = [perm[:i] + [perm[i + 1], perm[i]] + perm[i + 2:] for i in range(len(names) - 1)]
    swapped = rng.choice([s for s in swaps if s != names])
    lhs, rhs = " ".join(names), " ".join(perm)
    x = rng.choice(tensor_names)
    wrong = [f"{lhs} -> {' '.join(swapped)}"]
    if inverse != perm:
        wrong.insert(0, f"{lhs} -> {' '.join(inverse)}")
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, roles)),
        what=f"Permute the axes of `{x}` from ({', '.join(names)}) to ({', '.join(perm)}).",
        idea="Name every axis on the left in its current order, and again on the right in the new order.",
        write_hints=[
            "No parentheses are needed: nothing is merged or split, only reordered.",
            f"The left side is `{lhs}`.",
        ],
        explanation="A rearrange with the same axes on both sides is a permute; the names say where each "
        "axis goes, so unlike `permute(...)` there are no indices to get backwards.",
        wrong=wrong,
    )


FAMILY = einops_family(
    "einops.transpose",
    "Permute axes with rearrange",
    draw,
    difficulty=1,
    summary="Reorder axes by naming them in the new order: b c h w -> b h w c.",
    tags=("rearrange",),
)
