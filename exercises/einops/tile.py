"""Tile whole copies along an axis (``h w -> (r h) w``) versus repeating each entry in place (``(h r)``)."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, pick_names, small_sizes, wrong_pattern

_LAYOUTS = [
    (("height", "width"), ("tile_img", "x", "pattern")),
    (("seq", "model"), ("x", "prompt_emb")),
    (("batch", "feature"), ("x", "feats")),
    (("batch", "seq", "model"), ("x", "resid")),
    (("channel", "height", "width"), ("img", "x")),
]


def problem(rng, form):
    roles, tensor_names = rng.choice(_LAYOUTS)
    *axes, r = pick_names(rng, *roles, "rep")
    n = len(axes) + 1
    sizes = small_sizes(rng, n) if form == "value" else distinct_sizes(rng, n)
    if form == "value" and n == 4:
        sizes = [1, *rng.sample([2, 3], 2), 2]  # keep the tensor small enough to read
    sizes = dict(zip((*axes, r), sizes))
    along = rng.choice([a for a in axes if sizes[a] > 1])  # along an axis of 1, tile and interleave agree
    tile = rng.random() < 0.5  # like torch.tile; otherwise like torch.repeat_interleave
    lhs = " ".join(axes)

    def side(group: str) -> str:
        return " ".join(group if a == along else a for a in axes)

    tiled, interleaved = side(f"({r} {along})"), side(f"({along} {r})")
    rhs, other = (tiled, interleaved) if tile else (interleaved, tiled)
    x = rng.choice(tensor_names)
    k = sizes[r]
    example = "0, 1, 2, 0, 1, 2" if tile else "0, 0, 1, 1, 2, 2"  # with 2 copies
    like = "`torch.tile` / `np.tile`" if tile else "`torch.repeat_interleave` / `np.repeat`"
    return Problem(
        op="repeat",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={**dict(zip(axes, roles)), r: "rep"},
        lengths=(r,),
        what=f"Make `{x}` {k} times longer along `{along}`, like {like} (with 2 copies, "
        f"[0, 1, 2] would become [{example}]). The other axes stay as they are.",
        idea="A new axis inside a group on the right repeats along an existing axis; its place in the group matters.",
        write_hints=[
            "Whole copies one after another means the copy index is the SLOW part of the merged axis; "
            "each entry repeated in place means it is the FAST part.",
            f"The right side contains `{'(' + r + ' ' + along + ')' if tile else '(' + along + ' ' + r + ')'}`; "
            f"pass `{r}={k}` as a keyword.",
        ],
        explanation=(f"In `({r} {along})` the copy index {r} varies slowest, so the whole of `{along}` runs once per "
                     f"copy (tiling); `({along} {r})` would repeat each entry {k} times in place.") if tile else
        (f"In `({along} {r})` the copy index {r} varies fastest, so each entry of `{along}` is repeated {k} times in "
         f"place (repeat-interleave); `({r} {along})` would tile whole copies instead."),
        wrong=[f"{lhs} -> {other}", f"{lhs} -> {r} {lhs}"],
        mistakes=[wrong_pattern("tile and repeat-interleave confused: the copy index on the wrong side of the group",
                                f"{lhs} -> {other}")],
    )


_TASK = 'Make `{t0}` longer along one axis with copies: {copies}.'

FAMILY = Family(
    id="einops.tile",
    title="Tile with einops.repeat",
    forms=(*FORMS, "task"),
    difficulty=2,
    summary="Copies as the slow part of a group tile the tensor: repeat(x, 'h w -> (r h) w', r=3); "
    "as the fast part they repeat each entry.",
    make=einops_maker(problem, task=_TASK),
)
