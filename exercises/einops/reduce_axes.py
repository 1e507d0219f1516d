"""Reduce named axes away: ``b s d -> b d`` with 'mean', 'max', 'min' or 'sum'."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, pick_names, small_sizes, wrong_pattern
from exercises.einops._task_cases import task_case

# (roles, tensor names, how each role is said in words: the card names what is reduced by meaning)
_LAYOUTS = [
    (("batch", "seq", "model"), ("resid", "x", "emb")),
    (("batch", "channel", "height", "width"), ("imgs", "x")),
    (("time", "batch", "feature"), ("series", "x")),
    (("batch", "heads", "q_pos", "k_pos"), ("scores", "attn")),
]
_ROLE_WORDS = {
    "batch": "the examples of the batch", "seq": "the positions", "model": "the features",
    "channel": "the channels", "height": "the rows", "width": "the columns", "time": "the time steps",
    "feature": "the features", "heads": "the heads", "q_pos": "the query positions", "k_pos": "the key positions",
}
_WORDS = {"mean": "average", "max": "maximum", "min": "minimum", "sum": "sum"}


def problem(rng, form):
    roles, tensor_names = rng.choice(_TASK_LAYOUTS)  # the task form's layouts: more places to reduce at
    if form == "value" and len(roles) > 3:
        roles = roles[:1] + roles[-2:]  # three axes are plenty by hand
    names = pick_names(rng, *roles, avoid=' '.join(_TASK_ROLE_WORDS.values()))
    sizes = small_sizes(rng, len(names)) if form == "value" else distinct_sizes(rng, len(names))
    sizes = dict(zip(names, sizes))
    n_gone = 1 if form == "value" else rng.choice([1, 2])
    gone = sorted(rng.sample(names, n_gone), key=names.index)
    kept = [n for n in names if n not in gone]
    red = rng.choice(["mean", "max", "min", "sum"])
    lhs, rhs = " ".join(names), " ".join(kept)
    x = rng.choice(tensor_names)
    role = dict(zip(names, roles))
    over = " and ".join(_TASK_ROLE_WORDS[role[g]] for g in gone)
    wrong, mistakes = [], []
    for k in kept:  # the classic slip: reducing a neighbouring axis instead
        wrong_rhs = " ".join(gone[0] if n == k else n for n in kept)
        wrong.append(f"{lhs} -> {wrong_rhs}")
        mistakes.append(wrong_pattern(f"reduced over `{k}` instead of `{gone[0]}`", f"{lhs} -> {wrong_rhs}"))
    if red == "mean":
        mistakes.append(wrong_pattern("summed without dividing by the count", f"{lhs} -> {rhs}", "sum"))
    if len(kept) > 1:
        wrong.append(f"{lhs} -> {' '.join(kept[::-1])}")
    return Problem(
        op="reduce",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles=role,
        reduction=red,
        what=f"Take the {_WORDS[red]} of `{x}` over {over}, keeping every other axis in its order.",
        idea="In einops.reduce, an axis that is on the left but missing on the right is reduced.",
        write_hints=[
            f"The reduction ('{red}') is already in the call; the pattern only says which axes survive.",
            f"The left side is `{lhs}`; drop {' and '.join(f'`{g}`' for g in gone)} on the right.",
        ],
        explanation=f"Every axis named on the left but not on the right ({', '.join(gone)}) is reduced with "
        f"'{red}'; the others keep their order.",
        wrong=wrong,
        mistakes=mistakes,
    )


_TASK_LAYOUTS = [*_LAYOUTS, (("batch", "height", "width", "channel"), ("imgs", "x")),
                 (("batch", "frame", "channel", "height", "width"), ("video", "x"))]
_TASK_ROLE_WORDS = {**_ROLE_WORDS, "frame": "the frames"}


def task_problem(rng):
    """Any one or two axes of one of the layouts reduced with any of the four reductions: the card
    says over what in words, and the example's result shows the kept axes' order is kept."""
    roles, tensors = rng.choice(_TASK_LAYOUTS)
    gone = sorted(rng.sample(range(len(roles)), rng.choice([1, 2]) if len(roles) > 3 else 1))
    red = rng.choice(["mean", "max", "min", "sum"])
    over = " and ".join(_TASK_ROLE_WORDS[roles[g]] for g in gone)
    story = f"Take the {{red}} of `{{t0}}` over {over}, keeping every other axis in its order."
    lhs = " ".join(roles)
    rhs = " ".join(r for i, r in enumerate(roles) if i not in gone)
    kept = [r for i, r in enumerate(roles) if i not in gone]
    wrong = [(f"reduced over the {k} instead", f"{lhs} -> {' '.join(roles[gone[0]] if n == k else n for n in kept)}")
             for k in kept]
    return task_case(rng, "reduce", f"{lhs} -> {rhs}", story, tensors=tensors, reduction=red, wrong=wrong)


_TASK = 'Take the {red} of `{t0}` over one of its axes, keeping every other axis in its order.'
FAMILY = Family(
    id="einops.reduce_axes",
    title="Reduce axes with einops.reduce",
    forms=(*FORMS, "task"),
    difficulty=1,
    summary="Axes missing on the right are reduced: reduce(x, 'b s d -> b d', 'mean').",
    make=einops_maker(problem, task=_TASK, task_problem=task_problem),
)
