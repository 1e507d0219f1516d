"""Attention scores and mixing with einops.einsum and named positions."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, swapped_axes_slips, wrong_pattern

# Names picked for this family only: none is a word the prompts use ("query", "key", "head").
_NAMES = {
    "batch": ("batch", "b", "bs"),
    "heads": ("n_heads", "h", "hd"),
    "q_pos": ("q_pos", "qpos", "tq"),
    "k_pos": ("k_pos", "kpos", "tk"),
    "head_dim": ("d_head", "dh", "e"),
}


def problem(rng, form):
    style = rng.randrange(3)
    b, hd, q, k, d = (_NAMES[r][style] for r in ("batch", "heads", "q_pos", "k_pos", "head_dim"))
    if form == "value":
        sizes = dict(zip((b, hd, q, k, d), [1, rng.choice([1, 2]), 2, *rng.choice([(2, 2), (3, 2), (2, 3)])]))
    else:
        sizes = dict(zip((b, hd, q, k, d), distinct_sizes(rng, 5)))
    kind = rng.choice(["scores", "scores_seq_first", "mix"])
    if kind == "mix":
        a_l, v_l, o_l = f"{b} {hd} {q} {k}", f"{b} {hd} {k} {d}", f"{b} {hd} {q} {d}"
        names = ("pattern", "v")
        what = ("Mix the values with the attention pattern: for every example and head, `z = pattern @ v` "
                "(each query position gets the pattern-weighted sum of the value vectors), with the batch and "
                "head axes leading as in the inputs.")
        wrong = [f"{a_l}, {v_l} -> {b} {hd} {k} {d}", f"{a_l}, {b} {hd} {q} {d} -> {o_l}"]
        mistakes = [
            wrong_pattern("the pattern used transposed (summed over query positions instead of key positions)",
                          f"{b} {hd} {k} {q}, {v_l} -> {b} {hd} {k} {d}" if sizes[q] == sizes[k] else
                          f"{b} {hd} {k} {q}, {v_l} -> {o_l}"),
            wrong_pattern("the result's two last axes swapped", f"{a_l}, {v_l} -> {b} {hd} {d} {q}"),
        ]
        summed = k
    else:
        if kind == "scores":
            a_l, v_l = f"{b} {hd} {q} {d}", f"{b} {hd} {k} {d}"
            layout = "head-major like `q` and `k`"
        else:  # [batch, pos, heads, d_head], the layout many libraries use
            a_l, v_l = f"{b} {q} {hd} {d}", f"{b} {k} {hd} {d}"
            layout = "in the head-major layout attention code uses for scores (heads before positions), even though `q` and `k` are stored positions-first"
        o_l = f"{b} {hd} {q} {k}"
        names = ("q", "k")
        what = (f"The attention scores before scaling and softmax: for every example and head, the dot product of "
                f"each query vector with each key vector, `scores = q @ kᵀ`, {layout}, so that a softmax over the "
                f"last axis normalizes over keys.")
        wrong = [f"{a_l}, {v_l} -> {b} {hd} {k} {q}", f"{a_l}, {v_l} -> {b} {q} {k}"]
        mistakes = [wrong_pattern("scores transposed: keys along the rows, queries along the columns",
                                  f"{a_l}, {v_l} -> {b} {hd} {k} {q}")]
        summed = d
    return Problem(
        op="einsum",
        pattern=f"{a_l}, {v_l} -> {o_l}",
        operands=[operand(names[0], a_l, sizes), operand(names[1], v_l, sizes)],
        sizes=sizes,
        roles={b: "batch", hd: "heads", q: "q_pos", k: "k_pos", d: "head_dim"},
        result="scores" if kind != "mix" else "z",
        what=what,
        idea="Give query and key positions different names: they are different axes even when their sizes match.",
        write_hints=[
            f"Name each input's axes in stored order; `{summed}` appears in both inputs but not after `->`, so it is summed.",
            f"The first input is `{a_l}`; the output is `{o_l}`.",
        ],
        explanation=f"Axes named in both inputs and in the output ({b}, {hd}) are batch axes, `{summed}` is "
        f"contracted, and the separate `{q}`/`{k}` names keep the two position axes apart.",
        wrong=wrong,
        value_range=(-2, 3),
        mistakes=[*mistakes, *swapped_axes_slips(f"{a_l}, {v_l} -> {o_l}")],
    )


_TASK = 'Raw attention scores, before scaling and softmax: for every example and head, the dot product of each query vector in `{t0}` with each key vector in `{t1}`.'

FAMILY = Family(
    id="einops.einsum_attention",
    title="Attention with einops.einsum",
    forms=(*FORMS, "task"),
    difficulty=3,
    summary="Scores and mixing with named axes: einsum(q, k, 'b h q_pos d, b h k_pos d -> b h q_pos k_pos').",
    make=einops_maker(problem, task=_TASK),
)
