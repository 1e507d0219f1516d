"""Linear maps with einops.einsum and readable axis names: ``batch seq d_model, d_model d_out -> batch seq d_out``."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, swapped_axes_slips,
                                      wrong_pattern)
from exercises.einops._task_cases import task_case

# (input roles, weight roles, what the input and the weight are, weight). The result's layout is drawn
# apart from them (:data:`_OUTS`, stated in the problem's words), so the operands never fix the answer:
# a learner who recognises the inputs still has to read which layout is wanted.
_CASES = [
    (("batch", "seq", "model"), ("model", "out"),
     "Apply the linear map `{w}` (input features first) to every position of `{x}` (examples, then positions, "
     "then features).", 1.0),
    (("batch", "seq", "model"), ("out", "model"),
     "Apply `{w}`, stored output-features-first like nn.Linear's weight (`{x} @ {w}.T`), to every position of "
     "`{x}` (examples, then positions, then features).", 1.0),
    (("seq", "batch", "model"), ("model", "out"),
     "`{x}` is stored time-major (positions first, then examples, then features). Apply the linear map `{w}` "
     "(input features first) to every position.", 1.0),
    (("batch", "model", "seq"), ("out", "model"),
     "`{x}` is stored channels-first as conv1d takes it (examples, then features, then positions). Apply "
     "`{w}`, stored output-features-first like nn.Linear's weight, to every position.", 1.0),
    (("batch", "inp"), ("out", "inp"),
     "Apply a linear layer whose weight `{w}` is stored output-features-first, like nn.Linear's, to every "
     "example (row) of `{x}`.", 0.3),
    (("inp", "batch"), ("out", "inp"),
     "`{x}` stores one example per column (features first). Apply `{w}`, stored output-features-first, to "
     "every example.", 0.3),
    (("batch", "seq", "model"), ("heads", "model", "head_dim"),
     "Project every position of `{x}` (examples, then positions, then features) into each head's query space "
     "with `{w}` (per head, `{x} @ {w}[head]`).", 0.75),
    (("seq", "batch", "model"), ("model", "heads", "head_dim"),
     "`{x}` is stored time-major (positions first). Project every position into each head's query space with "
     "`{w}` (per head, `{x} @ {w}[:, head]`).", 0.75),
]
# The result layouts asked, by the roles the result has: (roles, the layout in words).
_OUTS = {
    ("batch", "seq", "out"): [
        (("batch", "seq", "out"), "batch-first: examples, then positions, output features last"),
        (("seq", "batch", "out"), "time-major: positions first, then examples, output features last"),
        (("batch", "out", "seq"), "channels-first as conv1d takes it: examples, then output features, then positions"),
        (("out", "batch", "seq"), "feature-major: one slab per output feature, then examples, then positions"),
        (("seq", "out", "batch"), "positions first, then output features, then examples"),
    ],
    ("batch", "out"): [
        (("batch", "out"), "one row per example"),
        (("out", "batch"), "one column per example (output features first)"),
    ],
    ("batch", "seq", "heads", "head_dim"): [
        (("batch", "heads", "seq", "head_dim"), "head-major as attention takes it: examples, heads, positions, "
                                                "head features"),
        (("batch", "seq", "heads", "head_dim"), "position-major, ready to merge the heads: examples, positions, "
                                                "heads, head features"),
        (("heads", "batch", "seq", "head_dim"), "heads first: heads, examples, positions, head features"),
        (("batch", "heads", "head_dim", "seq"), "as keys are stored for `q @ k`: examples, heads, head features, "
                                                "positions"),
    ],
}


def _result_roles(in_roles: tuple[str, ...], w_roles: tuple[str, ...]) -> tuple[str, ...]:
    keep = [r for r in ("batch", "seq") if r in in_roles]
    return (*keep, "heads", "head_dim") if "heads" in w_roles else (*keep, "out")


def problem(rng, form):
    in_roles, w_roles, words, _ = rng.choices(_CASES, weights=[c[-1] for c in _CASES])[0]
    out_roles, layout = rng.choice(_OUTS[_result_roles(in_roles, w_roles)])
    weight_first = rng.random() < 0.5
    roles = list(dict.fromkeys(in_roles + w_roles + out_roles))
    x, w = ("x", "W_Q") if "heads" in w_roles else rng.choice([("x", "W"), ("resid", "W_in"), ("h", "W_out")])
    what = (f"{words.format(x=x, w=w)} Return the result {layout}."
            + (" This code base passes the weight first." if weight_first else ""))
    names = dict(zip(roles, pick_names(rng, *roles, style="long", avoid=what)))
    if form == "value":
        sizes = {r: rng.choice([1, 2]) if r in ("batch", "heads") else 2 for r in roles}
        sizes[rng.choice([r for r in roles if r not in ("batch", "heads")])] = 3
        sizes = {names[r]: s for r, s in sizes.items()}
    else:
        sizes = dict(zip(names.values(), distinct_sizes(rng, len(roles))))
    x_l, w_l, o_l = (" ".join(names[r] for r in rs) for rs in (in_roles, w_roles, out_roles))
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
        what=what,
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
