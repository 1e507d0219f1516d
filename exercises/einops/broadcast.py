"""Add a new axis by repetition: ``h w -> b h w`` with ``b=4`` (einops.repeat)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, pick_names, small_sizes, wrong_pattern

# (roles of the input, role of the new axis, where it goes, what is done (the convention decides the
#  place of the new axis; the card never lists the result's axes), tensor names, weight)
_CASES = [
    (("height", "width"), "batch", 0, "Turn the image `{x}` into a batch of {n} identical images, "
     "batch-first as PyTorch models expect.", ("img", "mask"), 1.0),
    (("channel", "height", "width"), "batch", 0, "Turn the image `{x}` into a batch of {n} identical images "
     "for a conv layer (batch-first).", ("img", "x"), 1.0),
    (("batch", "model"), "seq", 1, "Copy each example's vector in `{x}` to all {n} positions of its sequence, "
     "in the usual layout of transformer activations (batch-first, features last).", ("x", "pooled"), 1.0),
    (("batch", "seq", "model"), "heads", 1, "Give every attention head its own copy of `{x}` ({n} heads), "
     "head-major: the head axis right after the batch axis, as for queries in multi-head attention.",
     ("x", "resid"), 1.0),
    (("height", "width"), "channel", 2, "Turn the grayscale image `{x}` into {n} identical channels, "
     "channels-last (the layout PIL and TensorFlow use).", ("gray", "img"), 0.7),
    (("batch", "height", "width"), "channel", 3, "Turn the grayscale images `{x}` into {n}-channel images, "
     "channels-last (NHWC).", ("gray", "masks"), 0.7),
    (("model",), "seq", 0, "Copy the vector `{x}` into {n} identical rows, one per position, so it can be "
     "added to every row of a matrix with one row per position.", ("bias", "cls"), 1.0),
]


def problem(rng, form):
    roles, new_role, pos, words, tensor_names, _ = rng.choices(_CASES, weights=[c[-1] for c in _CASES])[0]
    names = pick_names(rng, *roles, new_role, avoid=words)
    old, new = names[:-1], names[-1]
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    if form == "value" and len(names) == 4:  # no axis of 1: next to it, a misplaced new axis would go unseen
        sizes = [2, *rng.sample([2, 3], 2), 2]
    sizes = dict(zip(names, sizes))
    out = old[:pos] + [new] + old[pos:]
    lhs, rhs = " ".join(old), " ".join(out)
    x = rng.choice(tensor_names)
    elsewhere = [q for q in range(len(old) + 1) if q != pos]
    wrong = [f"{lhs} -> {' '.join(old[:q] + [new] + old[q:])}" for q in elsewhere]
    return Problem(
        op="repeat",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, (*roles, new_role))),
        lengths=(new,),
        what=words.format(x=x, n=sizes[new]) + " The keyword in the call names the new axis.",
        idea="In einops.repeat, an axis that appears only on the right is new; its length comes from a keyword.",
        write_hints=[
            f"The left side names the axes `{x}` already has; the right side adds `{new}` where the convention puts it.",
            f"The left side is `{lhs}`; the keyword `{new}={sizes[new]}` gives the new axis its length.",
        ],
        explanation=f"`{new}` appears only on the right, so repeat copies `{x}` {sizes[new]} times along a new axis "
        f"at that position (like `unsqueeze` + `expand`, but materialized).",
        wrong=wrong,
        mistakes=[wrong_pattern("the new axis in the wrong place", w) for w in wrong],
    )


_TASK = "Give `{t0}` a new axis of identical copies (a grayscale image made multi-channel, one vector placed at every position...), placed where the example's result shows."

FAMILY = Family(
    id="einops.broadcast",
    title="Add an axis with einops.repeat",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="A name only on the right is a new, repeated axis: repeat(x, 'h w -> b h w', b=4).",
    make=einops_maker(problem, task=_TASK),
)
