"""Attention scores and mixing with einops.einsum and named positions."""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import FORMS, Problem, einops_maker, operand, swapped_axes_slips, wrong_pattern
from exercises.einops._task_cases import task_case

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
    kind = rng.choice(["scores", "scores_seq_first", "mix", "mix_seq_first", "scores_by_key", "scores_heads_last"])
    if kind == "mix_seq_first":  # values stored positions-first, the result positions-first too
        a_l, v_l, o_l = f"{b} {hd} {q} {k}", f"{b} {k} {hd} {d}", f"{b} {q} {hd} {d}"
        names = ("pattern", "v")
        what = ("Mix the values with the attention pattern: for every example and head, `z = pattern @ v` "
                "(each query position gets the pattern-weighted sum of the value vectors). `v` is stored "
                "positions-first, and `z` must be too (positions before heads), ready for its heads to be "
                "concatenated.")
        wrong = [f"{a_l}, {v_l} -> {b} {hd} {q} {d}", f"{a_l}, {v_l} -> {b} {k} {hd} {d}"]
        mistakes = [wrong_pattern("the result head-major, like the pattern, instead of positions-first",
                                  f"{a_l}, {v_l} -> {b} {hd} {q} {d}")]
        summed = k
    elif kind == "mix":
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
        o_l = f"{b} {hd} {q} {k}"
        if kind == "scores":
            a_l, v_l = f"{b} {hd} {q} {d}", f"{b} {hd} {k} {d}"
            layout = "head-major like `q` and `k`"
        elif kind == "scores_by_key":  # one row per key: a softmax over the second-to-last axis
            a_l, v_l = f"{b} {q} {hd} {d}", f"{b} {k} {hd} {d}"
            o_l = f"{b} {hd} {k} {q}"
            layout = ("head-major, but with one row per key position and one column per query position "
                      "(the code that reads them normalizes each column)")
        elif kind == "scores_heads_last":  # score maps stacked like channels
            a_l, v_l = f"{b} {hd} {q} {d}", f"{b} {hd} {k} {d}"
            o_l = f"{b} {q} {k} {hd}"
            layout = ("with the heads as the last axis, like the channels of an image (one query-by-key map per "
                      "head), though `q` and `k` are stored head-major")
        else:  # [batch, pos, heads, d_head], the layout many libraries use
            a_l, v_l = f"{b} {q} {hd} {d}", f"{b} {k} {hd} {d}"
            layout = "in the head-major layout attention code uses for scores (heads before positions), even though `q` and `k` are stored positions-first"
        names = ("q", "k")
        softmax = ", so that a softmax over the last axis normalizes over keys" if o_l.endswith(k) else ""
        what = (f"The attention scores before scaling and softmax: for every example and head, the dot product of "
                f"each query vector with each key vector, {layout}{softmax}.")
        flipped = o_l.replace(f"{q} {k}", f"{k} {q}") if f"{q} {k}" in o_l else o_l.replace(f"{k} {q}", f"{q} {k}")
        wrong = [f"{a_l}, {v_l} -> {flipped}", f"{a_l}, {v_l} -> {b} {q} {k}"]
        mistakes = [wrong_pattern("scores transposed: queries and keys on each other's axis",
                                  f"{a_l}, {v_l} -> {flipped}")]
        summed = d
    return Problem(
        op="einsum",
        pattern=f"{a_l}, {v_l} -> {o_l}",
        operands=[operand(names[0], a_l, sizes), operand(names[1], v_l, sizes)],
        sizes=sizes,
        roles={b: "batch", hd: "heads", q: "q_pos", k: "k_pos", d: "head_dim"},
        result="z" if kind.startswith("mix") else "scores",
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


# The task form: scores or mixing, for a batch or one example, in the layouts attention code stores
# queries, keys, values and patterns in; the result's layout is shown only by the example's shapes.
_BATCHED = ("batch heads q_pos k_pos", "batch heads k_pos q_pos", "batch q_pos k_pos heads", "batch k_pos q_pos heads",
            "heads batch q_pos k_pos", "batch q_pos heads k_pos")
_ONE = ("heads q_pos k_pos", "heads k_pos q_pos", "q_pos k_pos heads", "k_pos q_pos heads", "q_pos heads k_pos")
_SCORES = [  # (query layout, key layout, the results asked of them)
    ("batch heads q_pos head_dim", "batch heads k_pos head_dim", _BATCHED),
    ("batch q_pos heads head_dim", "batch k_pos heads head_dim", _BATCHED),
    ("batch heads q_pos head_dim", "batch heads head_dim k_pos", _BATCHED),
    ("heads q_pos head_dim", "heads k_pos head_dim", _ONE),
    ("q_pos heads head_dim", "k_pos heads head_dim", _ONE),
]
_MIXED = ("batch heads q_pos head_dim", "batch q_pos heads head_dim", "q_pos batch heads head_dim",
          "heads batch q_pos head_dim", "batch heads head_dim q_pos")
_MIX = [  # (pattern layout, value layout, the results asked of them)
    ("batch heads q_pos k_pos", "batch heads k_pos head_dim", _MIXED),
    ("batch heads q_pos k_pos", "batch k_pos heads head_dim", _MIXED),
    ("batch q_pos k_pos heads", "batch heads k_pos head_dim", _MIXED),
    ("batch q_pos k_pos heads", "batch k_pos heads head_dim", _MIXED),
    ("heads q_pos k_pos", "heads k_pos head_dim", ("heads q_pos head_dim", "q_pos heads head_dim", "heads head_dim q_pos",
                                                   "head_dim q_pos heads")),
]


def task_problem(rng):
    every = "every example and head"
    if rng.random() < 0.6:
        a, b, outs = rng.choice(_SCORES)
        out = rng.choice(outs)
        every = every if a.startswith("batch") else "every head"
        story = (f"Raw attention scores, before scaling and softmax: for {every}, the dot product of each query "
                 "vector in `{t0}` with each key vector in `{t1}`. The example's result shows the layout wanted.")
        swapped = out.replace("q_pos", "@").replace("k_pos", "q_pos").replace("@", "k_pos")
        wrong = [("scores transposed: queries and keys on each other's axis", f"{a}, {b} -> {swapped}")]
        operands = rng.choice([("q", "k"), ("xq", "xk"), ("queries", "keys")])
    else:
        a, b, outs = rng.choice(_MIX)
        out = rng.choice(outs)
        every = every if a.startswith("batch") else "every head"
        story = ("Mix the values with the attention pattern: for " + every + ", the output at each query position "
                 "is the sum over key positions of the pattern's weight (in `{t0}`, one weight per query and key "
                 "position) times that key position's value vector (in `{t1}`). The example's result shows the "
                 "layout wanted.")
        wrong = []
        operands = rng.choice([("pattern", "v"), ("attn", "values"), ("probs", "v")])
    return task_case(rng, "einsum", f"{a}, {b} -> {out}", story, operands=operands, wrong=wrong)


FAMILY = Family(
    id="einops.einsum_attention",
    title="Attention with einops.einsum",
    forms=(*FORMS, "task"),
    difficulty=3,
    summary="Scores and mixing with named axes: einsum(q, k, 'b h q_pos d, b h k_pos d -> b h q_pos k_pos').",
    make=einops_maker(problem, task_problem=task_problem),
)
