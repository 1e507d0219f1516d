"""Nearest-neighbour upsampling: ``b c h w -> b c (h 2) (w 2)`` (einops.repeat)."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names, shape_text
from exercises.checking import distinct_sizes


def _explanation(h: str, kh: int, w: str, kw: int) -> str:
    """Why the pattern upsamples, told about an axis that is really repeated (a factor of 1 is no group)."""
    ax, k, unit = (h, kh, "row") if kh > 1 else (w, kw, "column")
    return (f"In `({ax} {k})` the copy index varies fastest, so each {unit} is repeated {k} times in place "
            f"(nearest-neighbour); `({k} {ax})` would tile the whole image instead.")


def draw(rng, form):
    b, c, h, w = pick_names(rng, "batch", "channel", "height", "width")
    if form == "value":
        kh, kw = rng.choice([(2, 2), (1, 2), (2, 1)])
        sizes = [1, 1, *rng.sample([2, 3], 2)]
    else:
        kh, kw = rng.choice([(2, 2), (2, 2), (3, 3), (2, 3), (3, 2)])
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, c, h, w), sizes))
    lhs = f"{b} {c} {h} {w}"
    gh = f"({h} {kh})" if kh > 1 else h
    gw = f"({w} {kw})" if kw > 1 else w
    rhs = f"{b} {c} {gh} {gw}"
    x = rng.choice(["x", "img", "fmap"])
    out_shape = (sizes[b], sizes[c], sizes[h] * kh, sizes[w] * kw)
    factor = f"{kh}× in height and {kw}× in width" if kh != kw else f"{kh}× in both directions"
    tiled = rhs.replace(f"({h} {kh})", f"({kh} {h})").replace(f"({w} {kw})", f"({kw} {w})")
    return Problem(
        op="repeat",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", c: "channel", h: "height", w: "width"},
        what=f"Nearest-neighbour upsampling of `{x}` by {factor}: every pixel becomes a {kh}×{kw} block of copies "
        f"of itself (use numbers for the factors, no keywords).",
        out_desc=f"`y` should have shape {shape_text(out_shape)}.",
        idea="A number inside a group on the right repeats along that axis.",
        write_hints=[
            "Copies of one pixel sit next to each other, so the repeat count is the FAST part of each group.",
            f"Height becomes `({h} {kh})`" + (f" and width `({w} {kw})`." if kw > 1 else "; width is unchanged."),
        ],
        explanation=_explanation(h, kh, w, kw),
        wrong=[f"{lhs} -> {tiled}", f"{lhs} -> {b} {c} {h} {w} {kh * kw}" if kh * kw > 1 else f"{lhs} -> {b} {c} {w} {h}"],
    )


FAMILY = einops_family(
    "einops.upsample",
    "Nearest-neighbour upsampling with repeat",
    draw,
    difficulty=2,
    summary="Repeat each pixel into a block: repeat(x, 'b c h w -> b c (h 2) (w 2)').",
    tags=("repeat", "vision"),
)
