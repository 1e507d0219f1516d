"""Add a new axis by repetition: ``h w -> b h w`` with ``b=4`` (einops.repeat)."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names, small_sizes
from exercises.checking import distinct_sizes

# (roles of the input, role of the new axis, where it goes, what is being copied, tensor names)
_CASES = [
    (("height", "width"), "batch", 0, "the image `{x}` into a batch of {n} identical images", ("img", "mask")),
    (("seq", "model"), "batch", 0, "the positional embeddings `{x}` across a batch of {n}", ("pos_emb", "W_pos")),
    (("model",), "seq", 0, "the vector `{x}` into {n} identical rows, one per position", ("bias", "cls")),
    (("batch", "model"), "seq", 1, "each example's vector in `{x}` to all {n} positions of its sequence", ("x", "pooled")),
    (("height", "width"), "channel", 2, "the grayscale image `{x}` into {n} identical channels, channels last", ("gray", "img")),
]


def draw(rng, form):
    roles, new_role, pos, words, tensor_names = rng.choice(_CASES)
    names = pick_names(rng, *roles, new_role)
    old, new = names[:-1], names[-1]
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    sizes = dict(zip(names, sizes))
    out = old[:pos] + [new] + old[pos:]
    lhs, rhs = " ".join(old), " ".join(out)
    x = rng.choice(tensor_names)
    elsewhere = rng.choice([q for q in range(len(old) + 1) if q != pos])
    wrong = [f"{lhs} -> {' '.join(old[:elsewhere] + [new] + old[elsewhere:])}"]
    if len(old) > 1:
        flipped = old[::-1]
        wrong.append(f"{lhs} -> {' '.join(flipped[:pos] + [new] + flipped[pos:])}")
    return Problem(
        op="repeat",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, (*roles, new_role))),
        lengths=(new,),
        what=f"Copy {words.format(x=x, n=sizes[new])}, as a new axis `{new}`.",
        idea="In einops.repeat, an axis that appears only on the right is new; its length comes from a keyword.",
        write_hints=[
            f"The left side names the axes `{x}` already has; the right side adds `{new}` where it should go.",
            f"The left side is `{lhs}`; the keyword `{new}={sizes[new]}` gives the new axis its length.",
        ],
        explanation=f"`{new}` appears only on the right, so repeat copies `{x}` {sizes[new]} times along a new axis "
        f"at that position (like `unsqueeze` + `expand`, but materialized).",
        wrong=wrong,
    )


FAMILY = einops_family(
    "einops.broadcast",
    "Add an axis with einops.repeat",
    draw,
    difficulty=1,
    summary="A name only on the right is a new, repeated axis: repeat(x, 'h w -> b h w', b=4).",
    tags=("repeat",),
)
