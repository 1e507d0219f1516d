"""Linear maps with einops.einsum and readable axis names: ``batch seq d_model, d_model d_out -> batch seq d_out``."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, swapped_axes_slips,
                                      wrong_pattern)
from exercises.einops._task_cases import task_case

# (input roles, weight roles, output roles, weight first in the call?, what is computed, weight). The
# output's layout follows from the math and the stated convention; the card never lists it. The plain
# case, where the result's axes are the unshared ones in order, is drawn less often.
_CASES = [
    (("batch", "seq", "model"), ("model", "out"), ("batch", "seq", "out"), False,
     "Apply the linear map `{w}` to every position of `{x}`: `y = {x} @ {w}` (batch-first, features last).", 0.3),
    (("batch", "inp"), ("out", "inp"), ("batch", "out"), True,
     "Apply a linear layer whose weight `{w}` is stored output-features-first, like nn.Linear's: `y = {x} @ {w}.T`, "
     "one row per example.", 1.0),
    (("batch", "seq", "model"), ("heads", "model", "head_dim"), ("batch", "heads", "seq", "head_dim"), False,
     "Project every position of `{x}` into each head's query space with `{w}` (per head, `{x} @ {w}[head]`), "
     "in the head-major layout attention uses: the head axis right after the batch axis.", 1.0),
    (("inp", "batch"), ("out", "inp"), ("out", "batch"), False,
     "`{x}` stores one example per column (features first). Apply `{w}`, stored output-features-first, the column-vector "
     "way: `y = {w} @ {x}`, again one example per column.", 1.0),
    (("batch", "seq", "model"), ("model", "out"), ("batch", "seq", "out"), True,
     "Apply the linear map `{w}` to every position of `{x}`: `y = {x} @ {w}` (batch-first, features last). "
     "This code base passes the weight first.", 1.0),
    (("batch", "seq", "model"), ("out", "model"), ("batch", "seq", "out"), True,
     "Apply `{w}`, stored output-features-first like nn.Linear's weight, to every position of `{x}`: `y = {x} @ {w}.T` "
     "(batch-first, features last). This code base passes the weight first.", 1.0),
    (("seq", "batch", "model"), ("model", "out"), ("batch", "seq", "out"), False,
     "`{x}` is stored time-major (positions first, then examples). Apply the linear map `{w}` to every position: "
     "`y = {x} @ {w}`, but return it batch-first (examples, then positions, then features).", 1.0),
    (("batch", "seq", "model"), ("heads", "model", "head_dim"), ("batch", "seq", "heads", "head_dim"), True,
     "Project every position of `{x}` into each head's space with `{w}` (per head, `{x} @ {w}[head]`), keeping "
     "`{x}`'s positions-first layout: the head axis right after the position axis. This code base passes the "
     "weight first.", 1.0),
]


def problem(rng, form):
    in_roles, w_roles, out_roles, weight_first, words, _ = rng.choices(_CASES, weights=[c[-1] for c in _CASES])[0]
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
    w_words = w_roles if len(w_roles) == 2 else (w_roles[1], w_roles[0], w_roles[2])
    flipped = " ".join(names[r] for r in (reversed(w_roles) if len(w_roles) == 2 else w_words))
    out_swapped = " ".join(reversed(o_l.split()))
    ops = [(w, w_l), (x, x_l)] if weight_first else [(x, x_l), (w, w_l)]
    lhs = ", ".join(layout for _, layout in ops)
    lhs_flipped = ", ".join(flipped if n == w else layout for n, layout in ops)
    return Problem(
        op="einsum",
        pattern=f"{lhs} -> {o_l}",
        operands=[operand(n, layout, sizes) for n, layout in ops],
        sizes=sizes,
        roles={n: r for r, n in names.items()},
        what=words.format(x=x, w=w),
        idea="einops.einsum takes the tensors first and the pattern last; axis names may be whole words, "
        "separated by spaces, with a comma between inputs.",
        write_hints=[
            f"Name each input's axes in its stored order, in the order the call passes them; the axis both share "
            f"({', '.join(summed)}) is summed because it is missing after `->`.",
            f"The left side is `{lhs}`.",
        ],
        explanation=f"An axis named in both inputs but not in the output ({', '.join(summed)}) is multiplied "
        f"and summed over; words as axis names make the contraction self-documenting.",
        wrong=[f"{lhs_flipped} -> {o_l}", f"{lhs} -> {out_swapped}"],
        value_range=(-2, 3),
        mistakes=[
            wrong_pattern("the weight read transposed (input features first for output first, or back)", f"{lhs_flipped} -> {o_l}"),
            wrong_pattern("the result's axes in reverse order", f"{lhs} -> {out_swapped}"),
            *swapped_axes_slips(f"{lhs} -> {o_l}"),
        ],
    )


# The task form: (input layout, where it is applied, the results asked of it) × the weight stored
# (input, output) or output-first like nn.Linear's; the result's layout shows in the example's shapes.
_TASK_INPUTS = [  # (input layout, where the map is applied, the result layouts asked, weight)
    ("batch seq inp", "every position of", ("batch seq out", "seq batch out", "batch out seq", "out batch seq"), 1),
    ("seq batch inp", "every position of the time-major", ("seq batch out", "batch seq out", "batch out seq",
                                                          "out seq batch"), 1),
    ("batch inp", "every example (row) of", ("batch out", "out batch"), 0.4),
    ("inp batch", "every example (column) of", ("out batch", "batch out"), 0.4),
    ("batch height width inp", "every pixel of the channels-last feature maps", ("batch height width out",
     "batch out height width", "out batch height width", "batch width height out"), 1),
    ("batch inp height width", "every pixel of the channels-first feature maps", ("batch out height width",
     "batch height width out", "out batch height width", "batch out width height"), 1),
    ("batch frame inp", "every frame's feature vector of", ("batch frame out", "frame batch out", "batch out frame",
                                                            "out batch frame"), 1),
]
_WEIGHTS = [("inp out", "input feature, then output feature"), ("out inp", "output feature first, like nn.Linear's")]
_HEADS = [("heads inp head_dim", ("batch heads seq head_dim", "batch seq heads head_dim")),
          ("inp heads head_dim", ("batch heads seq head_dim", "batch seq heads head_dim"))]


def task_problem(rng):
    if rng.random() < 0.8:
        x_l, where, outs, _ = rng.choices(_TASK_INPUTS, weights=[c[-1] for c in _TASK_INPUTS])[0]
        w_l, _ = rng.choice(_WEIGHTS)
        out = rng.choice(outs)
        story = (f"Apply the linear map `{{t1}}` at {where} `{{t0}}`: each output feature is the dot product of the "
                 "input's feature vector with that output feature's weights. The example's result shows "
                 "the layout wanted.")
        flipped = " ".join(reversed(w_l.split()))
        wrong = [("the weight read transposed (input features taken for output features)", f"{x_l}, {flipped} -> {out}")]
    else:
        x_l = "batch seq inp"
        w_l, outs = rng.choice(_HEADS)
        out = rng.choice(outs)
        story = ("Project every position of `{t0}` into each attention head's query space with `{t1}`: for each head, "
                 "each of its features is the dot product of the position's feature vector with that head "
                 "feature's weights. The example's result shows the layout wanted.")
        wrong = []
    operands = rng.choice([("x", "W"), ("resid", "W_in"), ("h", "W_out")]) if "heads" not in w_l else ("x", "W_Q")
    return task_case(rng, "einsum", f"{x_l}, {w_l} -> {out}", story, operands=operands, wrong=wrong)


FAMILY = Family(
    id="einops.einsum_linear",
    title="Linear maps with einops.einsum",
    forms=(*FORMS, "task"),
    difficulty=2,
    summary="einops.einsum with word axis names: einsum(x, W, 'batch seq d_model, d_model d_out -> batch seq d_out').",
    make=einops_maker(problem, task_problem=task_problem),
)
