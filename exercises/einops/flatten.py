"""Flatten axes into one: ``b c h w -> b (c h w)``, ``b c h w -> b (h w) c``, … (rearrange)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      reversed_group_slips, small_sizes, wrong_pattern)
from exercises.einops._task_cases import draw_balanced, task_case

# (roles of the input axes, the result's layout as role indices (a tuple is one merged axis),
#  what is computed, tensor names). The card states the operation, never the result's layout.
_CASES = [
    (("batch", "channel", "height", "width"), (0, (1, 2, 3)),
     "Flatten each image of `{x}` into one vector, in the order `{x}[i].flatten()` (a row-major reshape) gives.",
     ("x", "imgs")),
    (("batch", "channel", "height", "width"), (0, 1, (2, 3)),
     "Flatten each channel's grid of pixels in `{x}` into one vector, row by row (raster order).", ("x", "fmap")),
    (("batch", "channel", "height", "width"), (0, (2, 3, 1)),
     "Flatten each image of `{x}` into one vector pixel by pixel (row by row), each pixel's channel values "
     "kept together — the order a channels-last image is stored in.", ("x", "imgs")),
    (("batch", "channel", "height", "width"), (0, (2, 3), 1),
     "Turn each image of `{x}` into a sequence of pixel tokens, one token per pixel in raster order, whose "
     "features are that pixel's channel values (tokens before features, as a transformer expects).", ("x", "fmap")),
    (("batch", "height", "width", "channel"), (0, (1, 2), 3),
     "`{x}` is stored channels-last. Turn each image into a sequence of pixel tokens in raster order, each "
     "token's features being that pixel's channel values.", ("x", "imgs")),
    (("batch", "seq", "model"), (0, (1, 2)),
     "Flatten each sequence of `{x}` into one long vector, position after position.", ("x", "resid", "emb")),
    (("batch", "time", "feature"), ((0, 1), 2),
     "Stack the time steps of all series in `{x}` into one matrix with one row per (series, step), all steps of "
     "series 0 first, then series 1, …", ("x", "series")),
    (("batch", "time", "feature"), (1, (0, 2)),
     "Make one row per time step of `{x}` holding every series' features at that step: series 0's features "
     "first, then series 1's, …", ("x", "series")),
    (("batch", "seq", "model"), (0, (2, 1)),
     "Flatten each sequence of `{x}` into one vector feature by feature: feature 0 at every position first, "
     "then feature 1 at every position, …", ("x", "resid", "emb")),
    (("batch", "channel", "height", "width"), ((0, 1), 2, 3),
     "Treat every channel of every image in `{x}` as its own single-channel map: one map per (image, channel), "
     "all channels of image 0 first, then image 1, …", ("x", "fmap")),
    (("batch", "height", "width", "channel"), ((0, 1, 2), 3),
     "`{x}` is stored channels-last. Make one row per pixel of all its images (image 0's pixels row by row "
     "first, then image 1's, …), each row holding that pixel's channel values.", ("x", "imgs")),
    (("batch", "height", "width", "channel"), (0, 3, (1, 2)),
     "`{x}` is stored channels-last. Give each channel of each image its pixels as one vector in raster order "
     "(channels before pixels, as a channels-first model expects).", ("x", "imgs")),
]


def _side(names, layout) -> str:
    return " ".join(f"({' '.join(names[i] for i in g)})" if isinstance(g, tuple) else names[g] for g in layout)


def problem(rng, form):
    roles, layout, words, tensor_names = rng.choice(_CASES)
    names = pick_names(rng, *roles, avoid=words)
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    if form == "value" and len(names) == 4:
        sizes = [1, *rng.sample([2, 3], 2), 2]
    sizes = dict(zip(names, sizes))
    x = rng.choice(tensor_names)
    lhs, rhs = " ".join(names), _side(names, layout)
    reversed_groups = tuple(g[::-1] if isinstance(g, tuple) else g for g in layout)
    column_major = f"{lhs} -> {_side(names, reversed_groups)}"
    mistakes = [wrong_pattern("the merged axes in reverse order (the first one varying fastest)", column_major)]
    order = [i for g in layout for i in (g if isinstance(g, tuple) else (g,))]
    if order != sorted(order):
        mistakes.append(reshape_slip("a plain reshape, without moving the axes the layout asks to move"))
    flat = [names[i] for g in layout if isinstance(g, tuple) for i in g]
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=dict(zip(names, roles)),
        what=words.format(x=x),
        idea="Parentheses on the right merge axes into one whose size is their product; the last one inside varies fastest.",
        write_hints=[
            "Decide which axes are merged, then their order inside the group: the one that should vary fastest comes last.",
            f"The left side is `{lhs}`.",
        ],
        explanation=f"`({' '.join(flat)})` merges those axes row-major (the last one varies fastest), "
        f"like a reshape after moving them next to each other; the merged size is the product of their sizes.",
        wrong=[column_major, f"{lhs} -> ({' '.join(names)})"],
        mistakes=[*mistakes, *reversed_group_slips(f"{lhs} -> {rhs}")],
    )


# The task form's cases, by input layout: (the result over roles, what is wanted — it fixes the order inside
# every merged axis; the example's shapes fix the rest —, tensor names). Every input layout has at least four
# results of each rank it asks, so recognising the input is never enough.
_RASTER = "pixels in raster order (row by row)"
_COLUMNS = "pixels scanned column by column (top to bottom within a column)"
_LAST = "{x} is stored channels-last. "
_TASKS_BY_INPUT = {
    "batch channel height width": [
        ("batch (channel height width)", "Unroll each image of {x} into one vector in the order it is stored: "
         "channel by channel, each channel's " + _RASTER + ".", ("x", "imgs")),
        ("batch (height width channel)", "Unroll each image of {x} into one vector pixel by pixel, " + _RASTER +
         ", each pixel's channel values together.", ("x", "imgs")),
        ("(batch channel) (height width)", "Make one row per (image, channel) of {x}, all channels of image 0 "
         "first, each row holding that channel's " + _RASTER + ".", ("x", "acts")),
        ("(batch height width) channel", "Make one row per pixel of all images of {x} (image 0's " + _RASTER +
         " first, then image 1's, …), each row holding the pixel's channel values.", ("x", "acts")),
        ("channel (batch height width)", "Make one row per channel of {x} holding all its values over the batch: "
         "image 0's " + _RASTER + ", then image 1's, …", ("x", "acts")),
        ("batch channel (height width)", "Unroll each channel's grid of pixels in {x} into one vector, " + _RASTER
         + ".", ("x", "fmap")),
        ("batch (height width) channel", "Turn each image of {x} into a sequence of pixel tokens, " + _RASTER +
         ", each token's features being its pixel's channel values.", ("x", "fmap")),
        ("batch (width height) channel", "Turn each image of {x} into a sequence of pixel tokens, " + _COLUMNS +
         ", each token's features being its pixel's channel values.", ("x", "fmap")),
        ("batch channel (width height)", "Unroll each channel's grid of pixels in {x} into one vector, " + _COLUMNS
         + ".", ("x", "fmap")),
        ("(batch channel) height width", "Make every channel of every image of {x} a single-channel image of its "
         "own, all channels of image 0 first, for a filter applied to each channel alone.", ("x", "fmap")),
        ("(batch channel height width)", "Unroll the whole batch {x} into one vector in the order it is stored.",
         ("x", "acts")),
        ("(batch height width channel)", "Unroll the whole batch {x} into one vector in the order a channels-last "
         "copy of it is stored: image 0's " + _RASTER + ", each pixel's channel values together, then image 1's, …",
         ("x", "acts")),
        ("(channel batch height width)", "Unroll the whole batch {x} into one vector channel by channel: all of "
         "channel 0 over the batch (image 0's " + _RASTER + ", then image 1's, …), then channel 1, …", ("x", "acts")),
        ("(batch channel width height)", "Unroll the whole batch {x} into one vector image by image and channel by "
         "channel, each channel's " + _COLUMNS + ".", ("x", "acts")),
    ],
    "batch height width channel": [
        ("batch (height width) channel", _LAST + "Turn each image into a sequence of pixel tokens, " + _RASTER +
         ", each token's features being its pixel's channel values.", ("x", "imgs")),
        ("batch channel (height width)", _LAST + "Make one vector per channel of each image, holding its " + _RASTER
         + ".", ("x", "imgs")),
        ("batch (width height) channel", _LAST + "Turn each image into a sequence of pixel tokens, " + _COLUMNS +
         ", each token's features being its pixel's channel values.", ("x", "imgs")),
        ("batch channel (width height)", _LAST + "Make one vector per channel of each image, holding its " +
         _COLUMNS + ".", ("x", "imgs")),
        ("(batch channel) height width", _LAST + "Make every channel of every image a single-channel image of its "
         "own (channels first, all channels of image 0 first), for a filter applied to each channel alone.",
         ("x", "imgs")),
        ("(batch height width) channel", _LAST + "Make one row per pixel of all images (image 0's " + _RASTER +
         " first), each row holding the pixel's channel values.", ("x", "imgs")),
        ("channel (batch height width)", _LAST + "Make one row per channel holding all its values over the batch: "
         "image 0's " + _RASTER + ", then image 1's, …", ("x", "imgs")),
        ("batch (channel height width)", _LAST + "Unroll each image into one vector channel by channel, each "
         "channel's " + _RASTER + ", as a model trained on channels-first images unrolled them.", ("x", "imgs")),
        ("batch (height width channel)", _LAST + "Unroll each image into one vector in the order it is stored: " +
         _RASTER + ", each pixel's channels together.", ("x", "imgs")),
        ("(batch channel) (height width)", _LAST + "Make one row per (image, channel), all channels of image 0 "
         "first, each row holding that channel's " + _RASTER + ".", ("x", "imgs")),
    ],
    "channel height width": [
        ("(height width) channel", "Make one row per pixel of the image {x}, " + _RASTER + ", each row holding the "
         "pixel's channel values.", ("img", "x")),
        ("(width height) channel", "Make one row per pixel of the image {x}, " + _COLUMNS + ", each row holding the "
         "pixel's channel values.", ("img", "x")),
        ("channel (height width)", "Make one row per channel of the image {x}, holding its " + _RASTER + ".",
         ("img", "x")),
        ("channel (width height)", "Make one row per channel of the image {x}, holding its " + _COLUMNS + ".",
         ("img", "x")),
        ("(channel height) width", "Stack the channels of the image {x} on top of each other into one tall "
         "grayscale picture (channel 0's rows first, then channel 1's, …), to inspect them together.", ("img", "x")),
        ("height (channel width)", "Lay the channels of the image {x} side by side into one wide grayscale picture "
         "(each row holds channel 0's row, then channel 1's, …), to inspect them together.", ("img", "x")),
    ],
    "height width channel": [
        ("channel (height width)", "{x} is a channels-last image. Make one row per channel holding its " + _RASTER +
         ".", ("img", "x")),
        ("channel (width height)", "{x} is a channels-last image. Make one row per channel holding its " + _COLUMNS
         + ".", ("img", "x")),
        ("(height width) channel", "{x} is a channels-last image. Make one row per pixel, " + _RASTER + ", each "
         "row holding the pixel's channel values.", ("img", "x")),
        ("(width height) channel", "{x} is a channels-last image. Make one row per pixel, " + _COLUMNS + ", each row "
         "holding the pixel's channel values.", ("img", "x")),
        ("(channel height) width", "{x} is a channels-last image. Stack its channels on top of each other into one "
         "tall grayscale picture (channel 0's rows first, then channel 1's, …), to inspect them together.", ("img", "x")),
        ("height (width channel)", "{x} is a channels-last image. Make one vector per row of pixels, pixel after "
         "pixel, each pixel's channel values together.", ("img", "x")),
    ],
    "batch heads seq head_dim": [
        ("(batch heads) seq head_dim", "Merge the example and head axes of {x} into one, all heads of example 0 "
         "first, so that every head is one matrix of a batched product.", ("q", "k")),
        ("(heads batch) seq head_dim", "Merge the example and head axes of {x} into one, head-major: head 0 of "
         "every example first, then head 1, …", ("q", "k")),
        ("batch heads (seq head_dim)", "Unroll each head's output matrix in {x} into one vector, position after "
         "position.", ("z", "v")),
        ("batch heads (head_dim seq)", "Unroll each head's output matrix in {x} into one vector feature by "
         "feature: all positions of feature 0, then of feature 1, …", ("z", "v")),
        ("batch seq (heads head_dim)", "Give every position of each example of {x} one feature vector holding all "
         "heads' features, head after head.", ("z", "v")),
    ],
    "batch seq model": [
        ("batch (seq model)", "Unroll each sequence of {x} into one long vector, position after position.",
         ("x", "resid", "emb")),
        ("(batch seq) model", "Make one row per token of {x}, all positions of sequence 0 first, then sequence "
         "1, …", ("x", "resid")),
        ("(seq batch) model", "Make one row per token of {x}, position-major: position 0 of every sequence first, "
         "then position 1, …", ("x", "resid")),
        ("batch (model seq)", "Unroll each sequence of {x} into one vector feature by feature: all positions of "
         "feature 0, then of feature 1, …", ("x", "resid")),
        ("model (batch seq)", "Make one row per feature of {x} holding its value at every token, all positions of "
         "sequence 0 first, then sequence 1, …", ("x", "resid")),
    ],
    "time batch feature": [
        ("batch (time feature)", "{x} is time-major. Unroll each series into one vector, time step after time "
         "step.", ("x", "series")),
        ("(batch time) feature", "{x} is time-major. Make one row per (series, step), all steps of series 0 first, "
         "then series 1, …", ("x", "series")),
        ("(time batch) feature", "{x} is time-major. Make one row per (step, series), step-major: step 0 of every "
         "series first, then step 1, …", ("x", "series")),
        ("batch (feature time)", "{x} is time-major. Unroll each series into one vector feature by feature: all "
         "time steps of feature 0, then of feature 1, …", ("x", "series")),
        ("time (batch feature)", "{x} is time-major. Make one row per time step holding every series' features "
         "in turn, series 0's first.", ("x", "series")),
    ],
    "batch frame channel height width": [
        ("(batch frame) channel height width", "Merge the videos and frames of {x} into one batch of images (all "
         "frames of video 0 first), for a 2-D convolution.", ("video", "x")),
        ("(frame batch) channel height width", "Merge the videos and frames of {x} into one batch of images, "
         "frame-major: frame 0 of every video first, then frame 1, …", ("video", "x")),
        ("batch (frame channel) height width", "Stack the frames of each video in {x} as channels of one image: all "
         "channels of frame 0 first, then frame 1's, …", ("video", "x")),
        ("batch frame channel (height width)", "Unroll every channel of every frame of {x} into one vector of its "
         + _RASTER + ".", ("video", "x")),
        ("batch frame (channel height width)", "Unroll every frame of each video in {x} into one vector in the order "
         "it is stored: channel by channel, each channel's " + _RASTER + ".", ("video", "x")),
        ("(batch frame) (height width) channel", "Turn every frame of the videos in {x} into its own sequence of "
         "pixel tokens (" + _RASTER + ", each token's features its channel values), all frames of video 0 first.",
         ("video", "x")),
        ("batch (frame height width) channel", "Turn each video of {x} into one sequence of tokens, one per pixel "
         "of every frame (frame by frame, each frame's " + _RASTER + "), each token's features being its channel "
         "values.", ("video", "x")),
        ("batch frame (height width channel)", "Unroll every frame of each video in {x} into one vector pixel by "
         "pixel, " + _RASTER + ", each pixel's channel values together.", ("video", "x")),
    ],
}
_TASK_CASES = [(f"{lhs} -> {rhs}", story, tensors) for lhs, cases in _TASKS_BY_INPUT.items()
               for rhs, story, tensors in cases]


def task_problem(rng, seed=0):
    pattern, story, tensors = draw_balanced(_TASK_CASES, "einops.flatten/task", seed)
    return task_case(rng, "rearrange", pattern, story.format(x="`{t0}`"), tensors=tensors)


FAMILY = Family(
    id="einops.flatten",
    title="Flatten axes with rearrange",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="Merge axes into one with parentheses: b c h w -> b (c h w), or b (h w) c for pixel tokens.",
    make=einops_maker(problem, task_problem=task_problem),
)
