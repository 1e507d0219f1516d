"""Reduce named axes away: ``b s d -> b d`` with 'mean', 'max', 'min' or 'sum'."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names, small_sizes
from exercises.checking import distinct_sizes

_LAYOUTS = [
    (("batch", "seq", "model"), ("resid", "x", "emb")),
    (("batch", "channel", "height", "width"), ("imgs", "x")),
    (("time", "batch", "feature"), ("series", "x")),
    (("batch", "heads", "q_pos", "k_pos"), ("scores", "attn")),
]
_WORDS = {"mean": "average", "max": "maximum", "min": "minimum", "sum": "sum"}


def draw(rng, form):
    roles, tensor_names = rng.choice(_LAYOUTS)
    if form == "value" and len(roles) == 4:
        roles = roles[:1] + roles[2:]  # three axes are plenty by hand
    names = pick_names(rng, *roles)
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    sizes = dict(zip(names, sizes))
    n_gone = 1 if len(names) == 3 or form == "value" else rng.choice([1, 2])
    gone = sorted(rng.sample(names, n_gone), key=names.index)
    kept = [n for n in names if n not in gone]
    red = rng.choice(["mean", "max", "min", "sum"])
    lhs, rhs = " ".join(names), " ".join(kept)
    x = rng.choice(tensor_names)
    other = rng.choice(kept)
    wrong = [f"{lhs} -> {' '.join(n for n in names if n != other)}"]
    if len(kept) > 1:
        wrong.append(f"{lhs} -> {' '.join(kept[::-1])}")
    over = " and ".join(f"`{g}`" for g in gone)
    return Problem(
        op="reduce",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, roles)),
        reduction=red,
        what=f"Take the {_WORDS[red]} of `{x}` over {over}, keeping the other axes in their order.",
        idea="In einops.reduce, an axis that is on the left but missing on the right is reduced.",
        write_hints=[
            f"The reduction ('{red}') is already in the call; the pattern only says which axes survive.",
            f"The left side is `{lhs}`; drop {over} on the right.",
        ],
        explanation=f"Every axis named on the left but not on the right ({', '.join(gone)}) is reduced with "
        f"'{red}'; the others keep their order.",
        wrong=wrong,
    )


FAMILY = einops_family(
    "einops.reduce_axes",
    "Reduce axes with einops.reduce",
    draw,
    difficulty=1,
    summary="Axes missing on the right are reduced: reduce(x, 'b s d -> b d', 'mean').",
    tags=("reduce",),
)
