"""k×k pooling with anonymous axes: ``b c (h 2) (w 2) -> b c h w``."""
from __future__ import annotations

from exercises.base import CodeSpec, Family, Mistake
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reversed_group_slips,
                                      shape_text, torch_randn, wrong_pattern)
from exercises.einops._task_cases import draw, task_case


# (input roles, the pooled roles, what the input is)
_LAYOUTS = [
    (("batch", "channel", "height", "width"), ("height", "width"), "a batch of feature maps, channels first (NCHW)"),
    (("batch", "height", "width", "channel"), ("height", "width"), "a batch of feature maps, channels last (NHWC)"),
    (("batch", "channel", "time"), ("time",), "a batch of 1-D signals, channels first"),
]


def problem(rng, form):
    roles, pooled_roles, words = rng.choice(_LAYOUTS)
    names = pick_names(rng, *roles, avoid=words + ' pooling stride block of neighbouring pixels samples')
    role = dict(zip(names, roles))
    pooled = [n for n in names if role[n] in pooled_roles]
    if form == "value":
        k = 2
        sizes = {n: 1 if role[n] == "batch" else 2 if n in pooled else rng.choice([1, 2]) for n in names}
        if len(pooled) == 1:
            sizes[pooled[0]] = 3
    else:
        k = rng.choice([2, 3, 4])
        sizes = dict(zip(names, distinct_sizes(rng, len(names))))
    red = rng.choice(["max", "max", "mean"])
    lhs = " ".join(f"({n} {k})" if n in pooled else n for n in names)
    strided = " ".join(f"({k} {n})" if n in pooled else n for n in names)
    rhs = " ".join(names)
    x = rng.choice(["x", "fmap", "img"])
    kind = "max" if red == "max" else "average"
    block = f"{k}×{k} block of neighbouring pixels" if len(pooled) == 2 else f"run of {k} neighbouring samples"
    mistakes = [wrong_pattern(f"strided blocks: ({k} {pooled[0]}) instead of ({pooled[0]} {k}) takes entries far "
                              f"apart, not neighbours", f"{strided} -> {rhs}")]
    if len(pooled) == 2:
        mistakes.append(wrong_pattern("only the rows pooled; the columns are split but kept",
                                      f"{lhs} -> {rhs.replace(pooled[1], f'({pooled[1]} {k})')}"))
    return Problem(
        op="reduce",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=role,
        reduction=red,
        what=f"`{x}` holds {words}. {k}{'×' + str(k) if len(pooled) == 2 else ''} {kind} pooling with stride {k}: "
        f"each output entry is the {red} of one non-overlapping {block}.",
        in_desc=f"`{x}` has shape {shape_text(operand(x, lhs, sizes).shape)}.",
        idea="Split each pooled axis into (block index, offset in block) and reduce the offsets.",
        write_hints=[
            f"A number inside a group is an anonymous axis: `({pooled[0]} {k})` splits it into blocks of {k}.",
            f"Neighbours share a block, so the offset is the fast part: `({pooled[0]} {k})`, not `({k} {pooled[0]})`.",
        ],
        explanation=f"`({pooled[0]} {k})` reads that axis as blocks of {k} neighbouring entries; the anonymous "
        f"{k}s are missing on the right, so '{red}' reduces each block. `({k} {pooled[0]})` would pool entries far apart.",
        wrong=[f"{strided} -> {rhs}", f"{lhs} -> {names[0]}"],
        value_hint=f"Each entry is the {red} of one block of {k}{'×' + str(k) if len(pooled) == 2 else ''} "
        f"neighbouring entries of `{x}`.",
        value_range=(-9, 9),
        distinct_values=True,
        mistakes=[*mistakes, *reversed_group_slips(f"{lhs} -> {rhs}")],
    )


def max_pool2x2(x):
    import einops

    return einops.reduce(x, "b c (h 2) (w 2) -> b c h w", "max")


def _strided(x):
    import einops

    return einops.reduce(x, "b c (2 h) (2 w) -> b c h w", "max")


def _average(x):
    import einops

    return einops.reduce(x, "b c (h 2) (w 2) -> b c h w", "mean")


def _rows_only(x):
    import einops

    return einops.reduce(x, "b c (h 2) w -> b c h w", "max")


def _inputs(rng, case):
    b, c, h, w = [1 if case % 5 == i else v for i, v in enumerate(rng.sample(range(2, 7), 4))]
    return {"x": torch_randn(rng, b, c, 2 * h, 2 * w)}


CODE = CodeSpec(
    function="max_pool2x2",
    signature="def max_pool2x2(x: torch.Tensor) -> torch.Tensor:",
    doc="2×2 max pooling with stride 2.\n\n"
    "x: [batch, channels, 2*h, 2*w]. Returns [batch, channels, h, w], each entry the max of one\n"
    "non-overlapping 2×2 block of neighbouring pixels.",
    reference=max_pool2x2,
    make_inputs=_inputs,
    mistakes=(
        Mistake("strided", _strided, "(2 h) instead of (h 2): each 'block' takes pixels h apart, not neighbours."),
        Mistake("average", _average, "This averages each block; max pooling takes the maximum."),
        Mistake("rows_only", _rows_only, "Only the rows are pooled; split and reduce the width axis too."),
    ),
    rules=("no_loops",),
)

# The task form's cases: (input roles with the pooled ones marked *, what the input is, weight). The
# window sizes and the reduction are drawn too; the card shows the sizes only through the example.
_TASK_LAYOUTS = [
    ("batch channel height* width*", "the batch of feature maps {x} (channels first)", 2),
    ("batch height* width* channel", "the batch of channels-last feature maps {x}", 2),
    ("channel height* width*", "the feature map {x} of one image (channels first)", 1.5),
    ("height* width* channel", "the channels-last image {x}", 1.5),
    ("batch channel time*", "the batch of multichannel signals {x} (channels first)", 1),
    ("batch time* feature", "the batch of sequences {x} (one feature vector per time step)", 1),
    ("channel time*", "the multichannel signal {x}", 1),
    ("time* feature", "the sequence {x} (one feature vector per time step)", 1),
]
_KINDS = [("max", "Max", 0.4), ("mean", "Average", 0.4), ("sum", "Sum", 0.2)]
_WINDOWS = [((2, 2), 1), ((3, 3), 1), ((2, 3), 0.5), ((3, 2), 0.5)]


def task_problem(rng):
    layout, what, _ = draw(rng, _TASK_LAYOUTS)
    red, kind, _ = draw(rng, _KINDS)
    pooled = [r.rstrip("*") for r in layout.split() if r.endswith("*")]
    ks = draw(rng, _WINDOWS)[0] if len(pooled) == 2 else (rng.choice([2, 3, 4]),)
    k = dict(zip(pooled, ks))
    roles = [r.rstrip("*") for r in layout.split()]
    lhs = " ".join(f"({r} {k[r]})" if r in k else r for r in roles)
    rhs = " ".join(roles)
    if len(pooled) == 2:
        unit = ("one non-overlapping window of neighbouring pixels of its channel; the windows tile each "
                "image exactly, their height and width as the example's result shows")
        wrong = [("only the rows pooled; the columns split but kept",
                  f"{lhs} -> {rhs.replace('width', '(width ' + str(k['width']) + ')')}")]
    else:
        per = "channel" if "channel" in roles else "feature"
        unit = (f"one non-overlapping window of neighbouring time steps of one {per}; the windows tile the "
                "time axis exactly, their length as the example's result shows")
        wrong = []
    story = f"{kind} pooling of {what.format(x='`{t0}`')}: each output entry is the {{red}} of {unit}."
    return task_case(rng, "reduce", f"{lhs} -> {rhs}", story, tensors=("x", "fmap", "img", "feats"),
                     reduction=red, wrong=wrong)


FAMILY = Family(
    id="einops.pool",
    title="Pooling with anonymous axes",
    forms=(*FORMS, "task"),
    difficulty=2,
    summary="k×k pooling in one reduce: reduce(x, 'b c (h 2) (w 2) -> b c h w', 'max').",
    make=einops_maker(problem, task_problem=task_problem),
    code_spec=CODE,
)
