"""Add a new axis by repetition: ``h w -> b h w`` with ``b=4`` (einops.repeat)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, pick_names, small_sizes, wrong_pattern
from exercises.einops._task_cases import draw, task_case

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


# The task form's cases: (pattern over roles, the new axes being copies; the purpose, which says what the
# copies are for and where the convention puts them; tensor names; weight). The number of copies is drawn
# and shown only by the example's result shape.
_TASK_CASES = [
    ("model -> seq model", "Copy the vector {x} to every position of a sequence, one row per position, so it can be "
     "added to a matrix with one row per position.", ("bias", "cls"), 1),
    ("feature -> feature batch", "Make a matrix whose every column is the vector {x}, one column per example, for "
     "code that stores examples as columns.", ("v", "mu"), 1),
    ("channel -> height width channel", "Paint a constant channels-last image: every pixel holds the colour {x}.",
     ("color", "rgb"), 1),
    ("channel -> channel height width", "Paint a constant channels-first image: every pixel holds the colour {x}.",
     ("color", "rgb"), 1),
    ("height width -> batch height width", "Turn the image {x} into a batch of identical images, batch first.",
     ("img", "mask"), 1),
    ("height width -> height width channel", "Turn the grayscale image {x} into a channels-last image whose "
     "channels are all equal.", ("gray", "img"), 1),
    ("batch model -> batch seq model", "Copy each example's vector in {x} to every position of its sequence, in "
     "the layout of transformer activations (batch first, features last).", ("x", "pooled"), 1),
    ("batch model -> batch height width model", "Spread each example's vector in {x} over every pixel of a "
     "channels-last feature map (the vector is each pixel's channels).", ("z", "style"), 1),
    ("batch channel -> batch channel height width", "Spread each example's per-channel gates in {x} over every "
     "pixel of a channels-first feature map, so they can scale it.", ("gates", "s"), 1),
    ("channel height width -> batch channel height width", "Turn the image {x} into a batch of identical "
     "images for a convolution (batch first).", ("img", "x"), 1),
    ("batch seq model -> batch heads seq model", "Give every attention head its own copy of {x}, in the head-major "
     "layout (heads right after the batch axis).", ("x", "resid"), 1),
    ("batch seq model -> batch seq heads model", "Give every attention head its own copy of {x}, keeping the "
     "positions-first layout (heads right after the positions).", ("x", "resid"), 1),
    ("batch height width -> batch height width channel", "Turn the grayscale images {x} into channels-last "
     "images whose channels are all equal.", ("gray", "masks"), 1),
    ("batch height width -> batch channel height width", "Turn the grayscale images {x} into channels-first "
     "images whose channels are all equal.", ("gray", "masks"), 1),
    ("batch channel height width -> batch channel frame height width", "Turn each image of {x} into a still video "
     "of identical frames in the layout 3-D convolutions take (channels, then frames, then rows and columns).",
     ("x", "imgs"), 1),
    ("batch height width channel -> batch frame height width channel", "Turn each channels-last image of {x} into "
     "a still video of identical frames (frames right after the batch axis).", ("x", "imgs"), 1),
    ("batch channel height width -> rep batch channel height width", "Give each member of an ensemble of models "
     "its own copy of the whole batch {x}, the member axis first.", ("x", "batch_x"), 1),
]


_ANY_PLACE = ["feature", "channel", "height width", "batch model", "batch channel", "batch seq model",
              "channel height width", "batch height width", "batch channel height width", "batch heads seq head_dim"]


def task_problem(rng):
    if rng.random() < 0.4:
        pattern, story, tensors, _ = draw(rng, _TASK_CASES)
    else:  # copies stacked along a new axis wherever the next function wants them
        old = rng.choice(_ANY_PLACE).split()
        out = list(old)
        for new in ["rep", "group"][:rng.choice([1, 1, 2])]:
            q = rng.randrange(len(out) + 1)
            out = out[:q] + [new] + out[q:]
        pattern = f"{' '.join(old)} -> {' '.join(out)}"
        story = ("Stack identical copies of {x} along " + ("a new axis" if len(out) == len(old) + 1 else "two new axes")
                 + ", placed where the next function wants them, as the example's result shows.")
        tensors = ("x", "t")
    lhs, rhs = pattern.split(" -> ")
    new = [r for r in rhs.split() if r not in lhs.split()]
    counts = dict(zip(new, rng.sample(range(2, 6), len(new))))
    elsewhere = []
    old = lhs.split()
    if len(new) == 1:  # the copies on another axis: the convention misread
        for q in range(len(old) + 1):
            out = old[:q] + new + old[q:]
            if out != rhs.split():
                elsewhere.append(("the new axis in the wrong place", f"{lhs} -> {' '.join(out)}"))
    return task_case(rng, "repeat", pattern, story.format(x="`{t0}`") + " The number of copies is as the "
                     "example's result shows.", tensors=tensors, lengths=counts, wrong=elsewhere)


FAMILY = Family(
    id="einops.broadcast",
    title="Add an axis with einops.repeat",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="A name only on the right is a new, repeated axis: repeat(x, 'h w -> b h w', b=4).",
    make=einops_maker(problem, task_problem=task_problem),
)
