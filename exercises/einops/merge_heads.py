"""Merge attention heads back into the model axis: ``b h s d -> b s (h d)``."""
from __future__ import annotations

from exercises.base import CodeSpec, Family, Mistake
from exercises.checking import distinct_sizes
from exercises.fixes import einops_fix, with_fix
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      reversed_group_slips, torch_randn, wrong_pattern)
from exercises.einops._task_cases import draw_balanced, task_case


# (input layout, result, what is computed). The card states the convention, never the result's axes.
_PROSE = "per-head outputs model axis head after head every position example batch-first time-major position first then batch token features feature"
_INPUTS = ["{b} {h} {s} {d}", "{b} {s} {h} {d}", "{s} {b} {h} {d}", "{h} {b} {s} {d}"]
_OUTPUTS = [
    ("{b} {s} ({h} {d})", "one feature vector per example and position, batch-first as transformer activations "
     "are stored"),
    ("{s} {b} ({h} {d})", "one feature vector per position and example, time-major (position first, then batch) "
     "as the RNN-style code downstream expects"),
    ("({b} {s}) ({h} {d})", "a matrix with one row per token (all positions of example 0, then example 1, …) and "
     "one column per model feature"),
    ("{b} ({h} {d}) {s}", "channels-first for a 1-D convolution over the positions: per example, the model features "
     "as channels, then the positions"),
    ("({s} {b}) ({h} {d})", "a matrix with one row per token, time-major (every example's position 0 first, then "
     "position 1, …), and one column per model feature"),
    ("{b} ({s} {h} {d})", "one flat vector per example: position 0's model features, then position 1's, …"),
]


#: The order of the merged features, in the problem's words: concatenated head after head, or
#: interleaved (feature 0 of every head first) as a layer grouping features across heads expects.
_MERGES = [
    ("({h} {d})", "Concatenate the per-head outputs in `{x}` into one model axis, head after head — like "
     "`torch.cat([head_0, head_1, …], dim=-1)` for every position —"),
    ("({d} {h})", "Merge the per-head outputs in `{x}` into one model axis with the heads interleaved — feature 0 "
     "of every head, then feature 1 of every head, and so on —"),
]
#: The write, shape and value forms: every input layout (one more than the fix form's) with every
#: result and merge order, drawn in balanced blocks, so neither the printed input nor the family's
#: other seeds tell the result (issue 18: the layouts drawn at random left three answers at 38%).
_CASES = [(i, o, m) for i in (*_INPUTS, "{b} {h} {d} {s}") for o in _OUTPUTS for m in _MERGES]


def problem(rng, form, seed=None):
    b, h, s, d = pick_names(rng, "batch", "heads", "seq", "head_dim", avoid=_PROSE)
    if form == "value":
        sizes = [1] + [rng.choice([2, 3]) for _ in range(3)]
        if sizes[1] * sizes[2] * sizes[3] <= 12:
            sizes[0] = 2
    else:
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, h, s, d), sizes))
    if seed is None:  # the fix form: the layouts drawn at random, the heads concatenated
        lhs_t, (rhs_t, words), merge = rng.choice(_INPUTS), rng.choice(_OUTPUTS), _MERGES[0]
    else:
        lhs_t, (rhs_t, words), merge = draw_balanced(_CASES, "einops.merge_heads", seed)
    lhs = lhs_t.format(b=b, h=h, s=s, d=d)
    group = merge[0].format(h=h, d=d)
    other = f"({d} {h})" if group == f"({h} {d})" else f"({h} {d})"
    rhs = rhs_t.format(b=b, h=h, s=s, d=d).replace(f"{h} {d})", f"{group[1:]}")  # also inside (s h d)
    x = rng.choice(["z", "attn_out", "heads_out", "x"])
    swapped = f"{lhs} -> {rhs.replace(group[1:], other[1:])}"
    concat = group == f"({h} {d})"
    slip = ("the heads interleaved feature by feature: (d h) instead of (h d)" if concat
            else "the heads concatenated head after head: (h d) instead of (d h)")
    mistakes = [wrong_pattern(slip, swapped)]
    if rhs.replace("(", "").replace(")", "").split() != lhs.split():  # a reshape would move nothing right
        mistakes.append(reshape_slip("a plain reshape without moving the heads next to d_head"))
    fast, slow = (d, h) if concat else (h, d)
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", s: "seq", h: "heads", d: "head_dim"},
        what=f"{merge[1].format(x=x)} giving {words}.",
        idea="Merge two axes with parentheses on the right; their order inside decides which varies fastest.",
        write_hints=[
            f"The axis written first inside the group varies slowest: here `{slow}`, so `{group}`.",
            f"The left side is `{lhs}`; the merged group is `{group}`.",
        ],
        explanation=f"`{group}` lays the features out with `{fast}` varying fastest — "
        + (f"each head's {d} features contiguously, head after head; `{other}` would interleave the heads."
           if concat else f"feature 0 of every head, then feature 1, …; `{other}` would concatenate the heads."),
        wrong=[swapped, f"{lhs} -> {b} {h} ({s} {d})"],
        mistakes=[*mistakes, *reversed_group_slips(f"{lhs} -> {rhs}")],
    )


def merge_heads(x):
    import einops

    return einops.rearrange(x, "b h s d -> b s (h d)")


def _interleaved(x):
    import einops

    return einops.rearrange(x, "b h s d -> b s (d h)")


def _plain_reshape(x):
    b, h, s, d = x.shape
    return x.reshape(b, s, h * d)


def _merged_seq(x):
    import einops

    return einops.rearrange(x, "b h s d -> b h (s d)")


def _inputs(rng, case):
    b, h, s, d = [1 if case % 5 == i else v for i, v in enumerate(rng.sample(range(2, 8), 4))]
    return {"x": torch_randn(rng, b, h, s, d)}


CODE = CodeSpec(
    function="merge_heads",
    signature="def merge_heads(x: torch.Tensor) -> torch.Tensor:",
    doc="Concatenate attention heads into the model axis.\n\n"
    "x: [batch, n_heads, seq, d_head]. Returns [batch, seq, n_heads * d_head], head-major\n"
    "(head 0's d_head features first, then head 1's, ...).",
    reference=merge_heads,
    make_inputs=_inputs,
    mistakes=(
        Mistake("interleaved", _interleaved, "(d h) instead of (h d): the heads end up interleaved feature by feature."),
        Mistake("plain_reshape", _plain_reshape, "A plain reshape without moving heads after seq mixes positions "
                "and heads; permute to [b, s, h, d] first."),
        Mistake("merged_seq", _merged_seq, "You merged seq with d_head instead of heads with d_head."),
    ),
    rules=("no_loops",),
)

# The task form: any of these inputs (the layouts attention code returns per-head outputs in, one with
# examples and heads merged, head-major within an example) to any of these results; the card states the
# result's rows in words and the example's shapes show the rest.
_TASK_INPUTS = [
    ("batch heads seq head_dim", ""),
    ("batch seq heads head_dim", ""),
    ("heads batch seq head_dim", ""),
    ("batch heads head_dim seq", " Each head's output is stored with one row per head feature and one column per "
     "position."),
    ("(batch heads) seq head_dim", " Its first axis holds (example, head) pairs, all heads of example 0 first."),
]
#: (the result's layout, {M} standing for the merged feature axis, and what it is, in words)
_TASK_OUTPUTS = [
    ("batch seq {M}", "one feature vector per example and position, batch first"),
    ("seq batch {M}", "one feature vector per position and example, time-major (positions first)"),
    ("batch {M} seq", "per example, one row per feature and one column per position, as a 1-D convolution over "
     "the positions takes it"),
    ("(batch seq) {M}", "a matrix with one row per token (all positions of example 0 first, then example 1, …) and "
     "one column per feature"),
    ("(seq batch) {M}", "a matrix with one row per token, position-major (position 0 of every example first, then "
     "position 1, …), and one column per feature"),
    ("{M} (batch seq)", "a matrix with one column per token (all positions of example 0 first, then example 1, …) "
     "and one row per feature, as a weight matrix multiplying from the left takes it"),
]
#: the order of the merged features: head after head (concatenation), or the heads interleaved
_TASK_MERGES = [
    ("(heads head_dim)", "head after head (all of head 0's features, then head 1's, …)"),
    ("(head_dim heads)", "with the heads interleaved (feature 0 of every head, then feature 1 of every head, …, "
     "the order a layer that groups features across heads expects)"),
]
#: every input layout with every result layout and merge order: the inputs never fix the answer
_TASK_CASES = [(i, o, m) for i in _TASK_INPUTS for o in _TASK_OUTPUTS for m in _TASK_MERGES]


def task_problem(rng, seed=0):
    (lhs, note), (rhs, words), (merged, order) = draw_balanced(_TASK_CASES, "einops.merge_heads/task", seed)
    story = (f"Concatenate the per-head outputs in `{{t0}}` into one feature vector per token, {order}, giving "
             f"{words}.{note} The example's result shows the layout.")
    heads = {"heads": rng.choice([2, 3, 4])} if lhs.startswith("(") else None
    return task_case(rng, "rearrange", f"{lhs} -> {rhs.format(M=merged)}", story,
                     tensors=("z", "attn_out", "heads_out", "x"), lengths=heads)


FAMILY = Family(
    id="einops.merge_heads",
    title="Merge attention heads",
    forms=(*FORMS, "fix", "task"),
    difficulty=2,
    summary="Move heads after seq and merge them with the head dimension: b h s d -> b s (h d).",
    make=with_fix(einops_maker(problem, task_problem=task_problem), einops_fix(problem)),
    code_spec=CODE,
)
