"""Nearest-neighbour upsampling: ``b c h w -> b c (h 2) (w 2)`` (einops.repeat)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reversed_group_slips,
                                      wrong_pattern)
from exercises.einops._task_cases import draw_balanced, task_case

# (input roles, the upsampled roles, what the input is)
_LAYOUTS = [
    (("batch", "channel", "height", "width"), ("height", "width"), "a batch of images, channels first (NCHW)"),
    (("batch", "height", "width", "channel"), ("height", "width"), "a batch of images, channels last (NHWC)"),
    (("batch", "channel", "time"), ("time",), "a batch of 1-D signals, channels first"),
    (("batch", "time", "channel"), ("time",), "a batch of 1-D signals, channels last"),
    (("channel", "height", "width"), ("height", "width"), "one image, channels first (CHW)"),
    (("height", "width", "channel"), ("height", "width"), "one image, channels last (HWC)"),
]


def _explanation(ax: str, k: int, unit: str) -> str:
    """Why the pattern upsamples, told about an axis that is really repeated (a factor of 1 is no group)."""
    return (f"In `({ax} {k})` the copy index varies fastest, so each {unit} is repeated {k} times in place "
            f"(nearest-neighbour); `({k} {ax})` would tile the whole {unit}s instead.")


def problem(rng, form):
    roles, up_roles, words = rng.choice(_LAYOUTS)
    names = pick_names(rng, *roles, avoid=words + ' height width time')
    role = dict(zip(names, roles))
    up = [n for n in names if role[n] in up_roles]
    if form == "value":
        factors = dict(zip(up, rng.choice([(2, 2), (1, 2), (2, 1)]) if len(up) == 2 else (rng.choice([2, 3]),)))
        sizes = [1 if r in ("batch", "channel") else 0 for r in roles]
        sp = rng.sample([2, 3], 2) if len(up) == 2 else [rng.choice([2, 3])]
        sizes = dict(zip(names, [s or sp.pop() for s in sizes]))
    else:
        factors = dict(zip(up, rng.choice([(2, 2), (3, 3), (2, 3), (3, 2)]) if len(up) == 2 else (rng.choice([2, 3, 4]),)))
        sizes = dict(zip(names, distinct_sizes(rng, len(names))))
    lhs = " ".join(names)
    rhs = " ".join(f"({n} {factors[n]})" if factors.get(n, 1) > 1 else n for n in names)
    tiled = " ".join(f"({factors[n]} {n})" if factors.get(n, 1) > 1 else n for n in names)
    x = rng.choice(["x", "img", "fmap"])
    if len(up) == 2:
        kh, kw = factors[up[0]], factors[up[1]]
        factor = f"{kh}× in height and {kw}× in width" if kh != kw else f"{kh}× in both directions"
        block = f"every pixel becomes a {kh}×{kw} block of copies of itself"
        ax, unit = (up[0], "row") if kh > 1 else (up[1], "column")
    else:
        factor = f"{factors[up[0]]}× in time"
        block = f"every sample is repeated {factors[up[0]]} times in a row"
        ax, unit = up[0], "sample"
    return Problem(
        op="repeat",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=role,
        what=f"`{x}` holds {words}. Nearest-neighbour upsampling by {factor}: {block} "
        f"(use numbers for the factors, no keywords).",
        idea="A number inside a group on the right repeats along that axis.",
        write_hints=[
            "Copies of one pixel sit next to each other, so the repeat count is the FAST part of each group.",
            "The right side is the left side with each upsampled axis `a` written `(a k)`.",
        ],
        explanation=_explanation(ax, factors[ax], unit),
        wrong=[f"{lhs} -> {tiled}", f"{lhs} -> {lhs} {factors[ax]}"],
        mistakes=[wrong_pattern("tile for upsample: the copy index as the slow part of the group", f"{lhs} -> {tiled}"),
                  *reversed_group_slips(f"{lhs} -> {rhs}", "tile for upsample along one axis: `{group}` reversed")],
    )


# The task form's cases: (input roles, the upsampled ones marked *, what the input is, weight); the
# factors are drawn (shown only by the example's shapes), a factor of 1 leaves an axis as it is.
#: (input layout, * marking the axes upsampled, what it is, the same data in the other channel layout (or "") and
#: how that layout reads)
_TASK_LAYOUTS = [
    ("batch channel height* width*", "the batch of images {x} (channels first)", "batch height width channel",
     "channels-last (each pixel's channel values together)"),
    ("batch height* width* channel", "the batch of channels-last images {x}", "batch channel height width",
     "channels first (one grid of pixels per channel)"),
    ("channel height* width*", "the image {x} (channels first)", "height width channel",
     "channels-last (each pixel's channel values together)"),
    ("height* width* channel", "the channels-last image {x}", "channel height width",
     "channels first (one grid of pixels per channel)"),
    ("batch height* width*", "the batch of grayscale images {x}", "", ""),
    ("batch channel time*", "the batch of multichannel signals {x} (channels first)", "batch time channel",
     "time-major (one vector of channel values per time step)"),
    ("batch time* feature", "the batch of sequences {x} (one feature vector per time step)", "batch feature time",
     "channels first (one row of time steps per feature)"),
    ("channel time*", "the multichannel signal {x}", "time channel",
     "time-major (one vector of channel values per time step)"),
]
#: the upsampling factors: both image axes or one of them; a signal's time axis
_FACTORS_2D = [(2, 2), (3, 3), (2, 3), (3, 2), (1, 2), (2, 1), (1, 3), (3, 1)]
_FACTORS_1D = [(2,), (3,), (4,), (5,)]
#: every layout with every factor, its result in the input's layout or the other one: 96 cases
_TASK_CASES = [(layout, ks, other) for layout in _TASK_LAYOUTS
               for ks in (_FACTORS_2D if layout[0].count("*") == 2 else _FACTORS_1D)
               for other in ((False, True) if layout[2] else (False,))]


def task_problem(rng, seed=0):
    (layout, what, converted, converted_words), ks, other = draw_balanced(_TASK_CASES, "einops.upsample/task", seed)
    up = [r.rstrip("*") for r in layout.split() if r.endswith("*")]
    k = dict(zip(up, ks))
    roles = [r.rstrip("*") for r in layout.split()]
    rhs = " ".join(f"({r} {k[r]})" if k.get(r, 1) > 1 else r for r in (converted.split() if other else roles))
    unit = "pixel becomes a block" if len(up) == 2 else "time step becomes a run"
    story = (f"Nearest-neighbour upsampling of {what.format(x='`{t0}`')}: every {unit} of copies of itself, "
             "by the factors the example's result shows"
             + (f", the result stored {converted_words} for the next layer." if other else "."))
    p = task_case(rng, "repeat", f"{' '.join(roles)} -> {rhs}", story, tensors=("x", "img", "fmap"))
    # the plain-torch idiom: each entry repeated in place along every upsampled axis, after moving the axes
    out = converted.split() if other else roles
    expr = p.operands[0].name
    if out != roles:
        expr += f".permute({', '.join(str(roles.index(r)) for r in out)})"
    for r in out:
        if k.get(r, 1) > 1:
            expr += f".repeat_interleave({k[r]}, dim={out.index(r)})"
    p.task_solutions = (expr,)
    return p


FAMILY = Family(
    id="einops.upsample",
    title="Nearest-neighbour upsampling with repeat",
    forms=(*FORMS, "task"),
    difficulty=2,
    summary="Repeat each pixel into a block: repeat(x, 'b c h w -> b c (h 2) (w 2)').",
    make=einops_maker(problem, task_problem=task_problem),
)
