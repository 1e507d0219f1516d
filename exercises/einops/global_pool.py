"""Global pooling over the spatial axes: ``b c h w -> b c`` (or ``b c 1 1`` to keep dims)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, pick_names, wrong_pattern
from exercises.einops._task_cases import draw, task_case

# (input roles, which of them are pooled, what the input is)
_LAYOUTS = [
    (("batch", "channel", "height", "width"), ("height", "width"), "a batch of feature maps, channels first (NCHW)"),
    (("batch", "height", "width", "channel"), ("height", "width"), "a batch of feature maps, channels last (NHWC)"),
    (("batch", "channel", "time"), ("time",), "a batch of 1-D signals, channels first"),
    (("batch", "time", "channel"), ("time",), "a batch of 1-D signals, channels last"),
    (("batch", "frame", "channel", "height", "width"), ("frame", "height", "width"),
     "a batch of video clips (frames, then channels, then pixels), pooled over the frames and the pixels"),
    (("batch", "channel", "frame", "height", "width"), ("frame", "height", "width"),
     "a batch of video clips, channels first (NCTHW), pooled over the frames and the pixels"),
]


def problem(rng, form):
    roles, pooled_roles, words = rng.choice(_LAYOUTS)
    names = pick_names(rng, *roles, avoid=words + ' global pooling reduce each channel of each example pooled axis axes length')
    role = dict(zip(names, roles))
    if form == "value":
        sizes = [1 if r == "batch" else rng.choice([2, 3]) for r in roles]
        if len(roles) >= 4:
            sizes[roles.index("channel")] = 2
        if "frame" in roles:
            sizes[roles.index("frame")] = 2
    else:
        sizes = distinct_sizes(rng, len(roles))
    sizes = dict(zip(names, sizes))
    pooled = [n for n in names if role[n] in pooled_roles]
    red = rng.choice(["mean", "max"])
    keep = rng.random() < 0.5
    lhs = " ".join(names)
    rhs = " ".join("1" if n in pooled else n for n in names) if keep else " ".join(n for n in names if n not in pooled)
    x = rng.choice(["fmap", "x", "feats"])
    kind = "average" if red == "mean" else "max"
    mistakes = [wrong_pattern("pooled over only one of the spatial axes",
                              f"{lhs} -> {' '.join(n for n in names if n != pooled[0])}")] if len(pooled) > 1 else []
    mistakes.append(wrong_pattern("pooled over the channels as well",
                                  f"{lhs} -> {' '.join(n for n in names if n not in pooled and role[n] != 'channel')}"))
    for g in pooled:  # the channel pooled in place of a spatial axis
        ch = next(n for n in names if role[n] == "channel")
        mistakes.append(wrong_pattern(f"pooled over `{ch}` instead of `{g}`",
                                      f"{lhs} -> {' '.join(g if t == ch else t for t in rhs.split())}"))
    other = f"{lhs} -> {' '.join(n for n in names if n not in pooled)}" if keep else \
        f"{lhs} -> {' '.join('1' if n in pooled else n for n in names)}"
    return Problem(
        op="reduce",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=role,
        reduction=red,
        what=f"`{x}` holds {words}. Global {kind} pooling: reduce each channel of each example to one number"
        + (", keeping every pooled axis as an axis of length 1 (like keepdim=True)." if keep
           else ", dropping the pooled axes."),
        idea="Reduced axes are the ones missing on the right" + ("; a `1` on the right is an axis of length 1." if keep else "."),
        write_hints=[
            f"The spatial axes ({', '.join(pooled)}) are reduced; the others stay in order.",
            f"The left side is `{lhs}`" + ("; write `1` on the right for each pooled axis." if keep else "."),
        ],
        explanation=f"{' and '.join(f'`{n}`' for n in pooled)} {'are' if len(pooled) > 1 else 'is'} missing on "
        f"the right, so '{red}' runs over {'them' if len(pooled) > 1 else 'it'}"
        + ("; each `1` on the right adds a unit axis, like keepdim=True." if keep else "."),
        wrong=[other, f"{lhs} -> {names[0]}"],
        mistakes=mistakes,
    )


# The task form's cases: (input roles, the pooled ones marked *, what the input is, what one result
# entry summarises, over what, weight); the reduction and keeping the pooled axes (as length 1) are drawn.
_TASK_LAYOUTS = [
    ("batch channel height* width*", "the batch of feature maps {x} (channels first)", "channel of each image",
     "all its pixels", 2),
    ("batch height* width* channel", "the batch of channels-last feature maps {x}", "channel of each image",
     "all its pixels", 2),
    ("channel height* width*", "the feature map {x} of one image (channels first)", "channel", "all its pixels", 1),
    ("height* width* channel", "the channels-last image {x}", "channel", "all its pixels", 1),
    ("batch channel time*", "the batch of multichannel signals {x} (channels first)", "channel of each signal",
     "all its time steps", 1),
    ("batch seq* model", "the batch of token sequences {x} (one feature vector per position)",
     "feature of each sequence", "all its positions", 1.5),
    ("seq* batch model", "the time-major batch of sequences {x} (positions first)", "feature of each sequence",
     "all its positions", 1),
    ("batch frame* channel height* width*", "the batch of videos {x} (frames, then channels first)",
     "channel of each video", "all its frames and pixels", 1),
    ("batch frame channel height* width*", "the batch of videos {x} (frames, then channels first)",
     "channel of each frame of each video", "all the frame's pixels", 1),
]
_KINDS = [("mean", "average", 1), ("max", "maximum", 1), ("sum", "sum", 1), ("min", "minimum", 1)]


def task_problem(rng):
    layout, what, each, over, _ = draw(rng, _TASK_LAYOUTS)
    red, word, _ = draw(rng, _KINDS)
    roles = [r.rstrip("*") for r in layout.split()]
    pooled = [r.rstrip("*") for r in layout.split() if r.endswith("*")]
    keep = rng.random() < 0.35
    rhs = " ".join("1" if r in pooled else r for r in roles) if keep else " ".join(r for r in roles if r not in pooled)
    kept = (", keeping each pooled axis as an axis of length 1 so the result still lines up with the input "
            "for broadcasting") if keep else ", the pooled axes dropped"
    story = f"Global pooling of {what.format(x='`{t0}`')}: one number per {each}, the {word} over {over}{kept}."
    wrong = [("pooled over one of the pooled axes only", f"{' '.join(roles)} -> "
              + " ".join(r for r in roles if r != pooled[0]))] if len(pooled) > 1 else []
    return task_case(rng, "reduce", f"{' '.join(roles)} -> {rhs}", story, tensors=("fmap", "x", "feats"),
                     reduction=red, wrong=wrong)


FAMILY = Family(
    id="einops.global_pool",
    title="Global pooling with einops.reduce",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="Reduce away height and width: reduce(x, 'b c h w -> b c', 'mean'), or 'b c 1 1' to keep dims.",
    make=einops_maker(problem, task_problem=task_problem),
)
