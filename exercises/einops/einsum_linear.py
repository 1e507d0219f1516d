"""Linear maps with einops.einsum and readable axis names: ``batch seq d_model, d_model d_out -> batch seq d_out``."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names
from exercises.checking import distinct_sizes

# (input roles, weight roles, output roles, what the weight does)
_CASES = [
    (("batch", "seq", "model"), ("model", "out"), ("batch", "seq", "out"), "project every position"),
    (("batch", "inp"), ("inp", "out"), ("batch", "out"), "apply a linear layer"),
    (("batch", "inp"), ("out", "inp"), ("batch", "out"), "apply a linear layer whose weight is stored [out, in] like nn.Linear's"),
    (("batch", "seq", "model"), ("heads", "model", "head_dim"), ("batch", "heads", "seq", "head_dim"),
     "project every position into each head's query space"),
]


def draw(rng, form):
    in_roles, w_roles, out_roles, words = rng.choice(_CASES)
    roles = list(dict.fromkeys(in_roles + w_roles + out_roles))
    names = dict(zip(roles, pick_names(rng, *roles, style="long")))
    if form == "value":
        sizes = {r: rng.choice([1, 2]) if r in ("batch", "heads") else 2 for r in roles}
        sizes[rng.choice([r for r in roles if r not in ("batch", "heads")])] = 3
        sizes = {names[r]: s for r, s in sizes.items()}
    else:
        sizes = dict(zip(names.values(), distinct_sizes(rng, len(roles))))
    x_l, w_l, o_l = (" ".join(names[r] for r in rs) for rs in (in_roles, w_roles, out_roles))
    x, w = ("x", "W_Q") if "heads" in w_roles else rng.choice([("x", "W"), ("resid", "W_in"), ("h", "W_out")])
    summed = [names[r] for r in in_roles if r not in out_roles]
    flipped = " ".join(names[r] for r in reversed(w_roles)) if len(w_roles) == 2 else " ".join(
        names[r] for r in (w_roles[1], w_roles[0], w_roles[2]))
    out_swapped = " ".join(reversed(o_l.split()))
    formula = f"{o_l.replace(' ', ', ')}] = Σ over {', '.join(summed)} of {x}[{x_l.replace(' ', ', ')}] · {w}[{w_l.replace(' ', ', ')}]"
    return Problem(
        op="einsum",
        pattern=f"{x_l}, {w_l} -> {o_l}",
        operands=[operand(x, x_l, sizes), operand(w, w_l, sizes)],
        sizes=sizes,
        roles={n: r for r, n in names.items()},
        what=f"With `einops.einsum`, {words}: y[{formula}.",
        idea="einops.einsum takes the tensors first and the pattern last; axis names may be whole words, "
        "separated by spaces, with a comma between inputs.",
        write_hints=[
            f"Name each input's axes in its stored order; the axis both share ({', '.join(summed)}) is summed "
            f"because it is missing after `->`.",
            f"The first input is `{x_l}` and the second `{w_l}`.",
        ],
        explanation=f"An axis named in both inputs but not in the output ({', '.join(summed)}) is multiplied "
        f"and summed over; words as axis names make the contraction self-documenting.",
        wrong=[f"{x_l}, {flipped} -> {o_l}", f"{x_l}, {w_l} -> {out_swapped}"],
        value_range=(-2, 3),
    )


FAMILY = einops_family(
    "einops.einsum_linear",
    "Linear maps with einops.einsum",
    draw,
    difficulty=2,
    summary="einops.einsum with word axis names: einsum(x, W, 'batch seq d_model, d_model d_out -> batch seq d_out').",
    tags=("einsum",),
)
