"""Global pooling over the spatial axes: ``b c h w -> b c`` (or ``b c 1 1`` to keep dims)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, pick_names, wrong_pattern

# (input roles, which of them are pooled, what the input is)
_LAYOUTS = [
    (("batch", "channel", "height", "width"), ("height", "width"), "a batch of feature maps, channels first (NCHW)"),
    (("batch", "height", "width", "channel"), ("height", "width"), "a batch of feature maps, channels last (NHWC)"),
    (("batch", "channel", "time"), ("time",), "a batch of 1-D signals, channels first"),
]


def problem(rng, form):
    roles, pooled_roles, words = rng.choice(_LAYOUTS)
    names = pick_names(rng, *roles, avoid=words + ' global pooling reduce each channel of each example pooled axis axes length')
    role = dict(zip(names, roles))
    if form == "value":
        sizes = [1 if r == "batch" else rng.choice([2, 3]) for r in roles]
        if len(roles) == 4:
            sizes[roles.index("channel")] = 2
    else:
        sizes = distinct_sizes(rng, len(roles))
    sizes = dict(zip(names, sizes))
    pooled = [n for n in names if role[n] in pooled_roles]
    red = rng.choice(["mean", "max"])
    keep = rng.random() < 0.4
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


_TASK = 'Global {red} pooling: one number per channel of each example of `{t0}`, the {red} over all its pixels.'

FAMILY = Family(
    id="einops.global_pool",
    title="Global pooling with einops.reduce",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="Reduce away height and width: reduce(x, 'b c h w -> b c', 'mean'), or 'b c 1 1' to keep dims.",
    make=einops_maker(problem, task=_TASK),
)
