"""Tile whole copies along an axis: ``h w -> (r h) w`` (versus ``(h r)``, which repeats each row)."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names, small_sizes
from exercises.checking import distinct_sizes

_LAYOUTS = [
    (("height", "width"), ("tile_img", "x", "pattern")),
    (("seq", "model"), ("x", "prompt_emb")),
    (("batch", "feature"), ("x", "feats")),
]


def draw(rng, form):
    roles, tensor_names = rng.choice(_LAYOUTS)
    a, bn, r = pick_names(rng, *roles, "rep")
    sizes = small_sizes(rng, 3) if form == "value" else distinct_sizes(rng, 3)
    sizes = dict(zip((a, bn, r), sizes))
    along = rng.choice([a, bn])
    lhs = f"{a} {bn}"

    def side(group: str) -> str:
        return " ".join(group if n == along else n for n in (a, bn))

    rhs, interleave = side(f"({r} {along})"), side(f"({along} {r})")
    x = rng.choice(tensor_names)
    where = "stacked one after another along" if along == a else "placed side by side along"
    return Problem(
        op="repeat",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={a: roles[0], bn: roles[1], r: "rep"},
        lengths=(r,),
        what=f"Tile `{x}`: make {sizes[r]} whole copies of it, {where} `{along}` (like `torch.tile` / `np.tile`, "
        f"not repeat-interleave).",
        idea="A new axis inside a group on the right repeats along an existing axis; its place in the group matters.",
        write_hints=[
            "Whole copies one after another means the copy index is the SLOW part of the merged axis.",
            f"The right side contains `({r} {along})`; pass `{r}={sizes[r]}` as a keyword.",
        ],
        explanation=f"In `({r} {along})` the copy index {r} varies slowest, so the whole of `{along}` runs once per "
        f"copy (tiling); `({along} {r})` would repeat each entry {sizes[r]} times in place.",
        wrong=[f"{lhs} -> {interleave}", f"{lhs} -> {r} {a} {bn}"],
    )


FAMILY = einops_family(
    "einops.tile",
    "Tile with einops.repeat",
    draw,
    difficulty=2,
    summary="Copies as the slow part of a group tile the tensor: repeat(x, 'h w -> (r h) w', r=3).",
    tags=("repeat",),
)
