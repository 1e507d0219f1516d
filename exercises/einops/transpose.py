"""Reorder axes: ``b c h w -> b h w c`` (rearrange as a readable permute)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.fixes import einops_fix, with_fix
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      same_index_slip, small_sizes, wrong_pattern)

# (input roles, the result's order as indices into them, the convention asked for, tensor names).
# The card names the convention; the learner works out the order.
_CASES = [
    (("batch", "channel", "height", "width"), (0, 2, 3, 1),
     "Convert the batch of images `{x}` from channels-first to channels-last (NCHW to NHWC).", ("x", "imgs")),
    (("batch", "height", "width", "channel"), (0, 3, 1, 2),
     "Convert the batch of channels-last images `{x}` to the channels-first layout PyTorch convolutions expect "
     "(NHWC to NCHW).", ("x", "imgs")),
    (("height", "width", "channel"), (2, 0, 1),
     "`{x}` is one image as PIL / numpy store it (channels last). Put the channels first, as `ToTensor` does.",
     ("img", "x")),
    (("batch", "seq", "model"), (1, 0, 2),
     "Convert `{x}` from batch-first to time-major, the layout `nn.RNN` expects with `batch_first=False`.",
     ("x", "resid")),
    (("time", "batch", "feature"), (1, 2, 0),
     "`{x}` is time-major. Put it in the layout `nn.Conv1d` expects: examples first, then features as channels, "
     "then time as the length.", ("x", "series")),
    (("batch", "heads", "seq", "head_dim"), (0, 2, 1, 3),
     "Move the heads of `{x}` after the positions, into the positions-first layout flash-attention kernels take.",
     ("q", "k", "v")),
    (("batch", "heads", "seq", "head_dim"), (0, 1, 3, 2),
     "Transpose every head's key matrix in `{x}` (as needed for `q @ kᵀ`): per example and head, rows and "
     "columns swap.", ("k", "keys")),
    (("batch", "seq", "model"), (0, 2, 1),
     "Make the features of `{x}` the channels of a 1-D convolution over the sequence: per example, features "
     "before positions, as `nn.Conv1d` expects.", ("x", "emb")),
]


def problem(rng, form):
    roles, order, words, tensor_names = rng.choice(_CASES)
    names = pick_names(rng, *roles, avoid=words)
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    if form == "value" and len(names) == 4:
        sizes = [1, *rng.sample([2, 3], 2), 2] if order[0] == 0 else [2, 1, 3, 2]
    sizes = dict(zip(names, sizes))
    perm = [names[i] for i in order]
    inverse = [names[perm.index(n)] for n in names]  # reading the permutation backwards
    lhs, rhs = " ".join(names), " ".join(perm)
    x = rng.choice(tensor_names)
    mistakes = [same_index_slip(), reshape_slip("a plain reshape to the new shape, as if it were a permute")]
    wrong = []
    if inverse != perm:
        wrong.append(f"{lhs} -> {' '.join(inverse)}")
        mistakes.append(wrong_pattern("the permutation read backwards (the inverse permutation)", wrong[-1]))
    swaps = [perm[:i] + [perm[i + 1], perm[i]] + perm[i + 2:] for i in range(len(names) - 1)]
    wrong.append(f"{lhs} -> {' '.join(rng.choice([s for s in swaps if s != names]))}")
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, roles)),
        what=words.format(x=x),
        idea="Name every axis on the left in its current order, and again on the right in the new order.",
        write_hints=[
            "No parentheses are needed: nothing is merged or split, only reordered.",
            f"The left side is `{lhs}`.",
        ],
        explanation="A rearrange with the same axes on both sides is a permute; the names say where each "
        "axis goes, so unlike `permute(...)` there are no indices to get backwards.",
        wrong=wrong,
        mistakes=mistakes,
    )


_TASK = "Reorder the axes of `{t0}` into the layout the example's result shows."

FAMILY = Family(
    id="einops.transpose",
    title="Permute axes with rearrange",
    forms=(*FORMS, "fix", "task"),
    difficulty=1,
    summary="Reorder axes by naming them in the new order: b c h w -> b h w c.",
    make=with_fix(einops_maker(problem, task=_TASK), einops_fix(problem)),
)
