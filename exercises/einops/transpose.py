"""Reorder axes: ``b c h w -> b h w c`` (rearrange as a readable permute)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.fixes import einops_fix, with_fix
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      same_index_slip, small_sizes, wrong_pattern)
from exercises.einops._task_cases import draw, task_case

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
    (("channel", "height", "width"), (1, 2, 0),
     "Show the channels-first image `{x}` with matplotlib, which wants the channels last.", ("img", "x")),
    (("width", "height", "channel"), (2, 1, 0),
     "`{x}` was read from a MATLAB file, which gives the axes in reverse order; restore the original order.",
     ("arr", "x")),
    (("seq", "batch", "heads", "head_dim"), (1, 2, 0, 3),
     "`{x}` comes time-major from a sequence-first attention module; put it in the head-major layout (examples, "
     "heads, positions, features).", ("q", "x")),
    (("batch", "heads", "seq", "head_dim"), (2, 0, 1, 3),
     "Hand `{x}` back to a sequence-first module: positions first, then examples, heads and features.",
     ("z", "out")),
    (("batch", "channel", "height", "width"), (1, 0, 2, 3),
     "Put the channel axis of `{x}` first, so that each channel's values over the whole batch are one block (for "
     "per-channel statistics).", ("x", "acts")),
    (("batch", "height", "width", "channel"), (3, 0, 1, 2),
     "Put the channel axis of the channels-last batch `{x}` first, so each channel's values over the whole batch "
     "are one block.", ("x", "acts")),
    (("batch", "frame", "channel", "height", "width"), (0, 2, 1, 3, 4),
     "`{x}` holds videos frame by frame; a 3-D convolution wants the channels before the frames.", ("video", "x")),
    (("batch", "frame", "height", "width", "channel"), (0, 4, 1, 2, 3),
     "`{x}` holds channels-last videos; a 3-D convolution wants the channels first, then frames, rows and columns.",
     ("video", "x")),
]


def problem(rng, form):
    # by hand (value, fix), four axes at most
    roles, order, words, tensor_names = rng.choice([c for c in _CASES if form in ("write", "shape") or len(c[0]) <= 4])
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


# The task form's cases: (input roles, the result's order as indices into them, why, tensor names, weight).
# Every one of them also says that the example's result shows the layout (its sizes are all distinct).
_TASK_CASES = [
    ("height width channel", (2, 0, 1), "{x} is an image as PIL stores it (channels last); a convolution wants "
     "it channels first.", ("img", "x"), 1),
    ("channel height width", (1, 2, 0), "Show the channels-first image {x} with matplotlib, which wants the "
     "channels last.", ("img", "x"), 1),
    ("batch seq model", (1, 0, 2), "Feed {x} to an RNN that expects time-major input.", ("x", "resid"), 1),
    ("batch seq model", (0, 2, 1), "Make the features of {x} the channels of a 1-D convolution over the "
     "positions.", ("x", "emb"), 1),
    ("time batch feature", (1, 2, 0), "{x} is time-major; a 1-D convolution wants examples, then features as "
     "channels, then time.", ("x", "series"), 1),
    ("width height channel", (2, 1, 0), "{x} was read from a MATLAB file, which gives the axes in reverse order; "
     "restore the original order.", ("arr", "x"), 1),
    ("batch channel height width", (0, 2, 3, 1), "Convert the batch of images {x} to channels-last.",
     ("x", "imgs"), 1),
    ("batch height width channel", (0, 3, 1, 2), "Convert the batch of channels-last images {x} to the "
     "channels-first layout PyTorch convolutions expect.", ("x", "imgs"), 1),
    ("batch heads seq head_dim", (0, 2, 1, 3), "Put the heads of {x} after the positions, as flash-attention "
     "kernels take them.", ("q", "v"), 1),
    ("batch heads seq head_dim", (0, 1, 3, 2), "Swap the rows and columns of every head's key matrix in {x}, "
     "as the scores need.", ("k", "keys"), 1),
    ("seq batch heads head_dim", (1, 2, 0, 3), "{x} comes time-major from a sequence-first attention module; "
     "put it in the head-major layout (examples, heads, positions, features).", ("q", "x"), 1),
    ("batch heads seq head_dim", (2, 0, 1, 3), "Hand {x} back to a sequence-first module: positions first.",
     ("z", "out"), 1),
    ("batch channel height width", (1, 0, 2, 3), "Put the channel axis of {x} first, so that each channel's "
     "values over the whole batch are one block (for per-channel statistics).", ("x", "acts"), 1),
    ("batch height width channel", (3, 0, 1, 2), "Put the channel axis of the channels-last batch {x} first, so "
     "each channel's values over the whole batch are one block.", ("x", "acts"), 1),
    ("batch frame channel height width", (0, 2, 1, 3, 4), "{x} holds videos frame by frame; a 3-D convolution "
     "wants channels before frames.", ("video", "x"), 1),
    ("batch frame height width channel", (0, 4, 1, 2, 3), "{x} holds channels-last videos; a 3-D convolution "
     "wants channels first, then frames, rows and columns.", ("video", "x"), 1),
    ("batch channel frame height width", (0, 2, 3, 4, 1), "Save the videos {x} (channels first, then frames) "
     "as channels-last frames: frames, rows, columns, channels.", ("video", "x"), 1),
]
_ANY_LAYOUT = [  # the input of a permutation the next function wants, any order but the same (weights)
    ("channel height width", 1), ("batch seq model", 1), ("batch channel height width", 2),
    ("batch heads seq head_dim", 2), ("batch frame channel height width", 2),
]


def task_problem(rng):
    if rng.random() < 0.6:
        roles, order, why, tensors, _ = draw(rng, _TASK_CASES)
        roles = roles.split()
        story = why.format(x="`{t0}`") + " The example's result shows the layout wanted."
    else:  # a layout some function downstream takes, shown only by the example
        roles = draw(rng, _ANY_LAYOUT)[0].split()
        order = tuple(range(len(roles)))
        while order == tuple(range(len(roles))):
            order = tuple(rng.sample(range(len(roles)), len(roles)))
        tensors = ("x", "t")
        story = "Reorder the axes of `{t0}` into the layout the next function takes, which the example's result shows."
    return task_case(rng, "rearrange", f"{' '.join(roles)} -> {' '.join(roles[i] for i in order)}", story,
                     tensors=tensors)


FAMILY = Family(
    id="einops.transpose",
    title="Permute axes with rearrange",
    forms=(*FORMS, "fix", "task"),
    difficulty=1,
    summary="Reorder axes by naming them in the new order: b c h w -> b h w c.",
    make=with_fix(einops_maker(problem, task_problem=task_problem), einops_fix(problem)),
)
