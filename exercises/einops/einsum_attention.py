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


# The write form: the inputs' stored layouts, and apart from them the result's layout, stated in words
# (so recognising the inputs never gives the answer). Roles: b batch, h heads, q/k positions, d features.
_SCORE_INPUTS = [("b h q d", "b h k d", "`q` and `k` are stored head-major"),
                 ("b q h d", "b k h d", "`q` and `k` are stored positions-first, heads after positions"),
                 ("b h q d", "b h d k", "`q` is stored head-major and `k` already transposed (features before positions)")]
_SCORE_OUTS = [("b h q k", "head-major, one row per query position and one column per key position, so that a "
                           "softmax over the last axis normalizes over keys"),
               ("b h k q", "head-major, but with one row per key position and one column per query position (the "
                           "code that reads them normalizes each column)"),
               ("b q k h", "with the heads as the last axis, like the channels of an image (one query-by-key map "
                           "per head)"),
               ("h b q k", "heads first, then examples, then one row per query position and one column per key "
                           "position"),
               ("b q h k", "positions-first: examples, query positions, heads, then one entry per key position"),
               ("h b k q", "heads first, then examples, then one row per key position and one column per query "
                           "position")]
_MIX_INPUTS = [("b h q k", "b h k d", "the pattern and `v` are stored head-major"),
               ("b h q k", "b k h d", "the pattern is stored head-major and `v` positions-first"),
               ("b q k h", "b h k d", "the pattern has the heads as its last axis, `v` is stored head-major")]
_MIX_OUTS = [("b h q d", "head-major, the batch and head axes leading"),
             ("b q h d", "positions-first (positions before heads), ready for its heads to be concatenated"),
             ("q b h d", "time-major: query positions first, then examples, heads and features"),
             ("b h d q", "head-major with the features before the positions (one column per query position)"),
             ("h b q d", "heads first, then examples, query positions and features")]


def problem(rng, form):
    style = rng.randrange(3)
    b, hd, q, k, d = (_NAMES[r][style] for r in ("batch", "heads", "q_pos", "k_pos", "head_dim"))
    if form == "value":
        sizes = dict(zip((b, hd, q, k, d), [1, rng.choice([1, 2]), 2, *rng.choice([(2, 2), (3, 2), (2, 3)])]))
    else:
        sizes = dict(zip((b, hd, q, k, d), distinct_sizes(rng, 5)))
    name = dict(zip("bhqkd", (b, hd, q, k, d)))

    def spell(roles: str) -> str:
        return " ".join(name[r] for r in roles.split())

    mix = rng.random() < 0.45
    (a_r, v_r, stored), (o_r, layout) = (rng.choice(_MIX_INPUTS), rng.choice(_MIX_OUTS)) if mix else \
        (rng.choice(_SCORE_INPUTS), rng.choice(_SCORE_OUTS))
    a_l, v_l, o_l = spell(a_r), spell(v_r), spell(o_r)
    if mix:
        names = ("pattern", "v")
        what = ("Mix the values with the attention pattern: for every example and head, `z = pattern @ v` (each "
                f"query position gets the pattern-weighted sum of the value vectors). {stored[0].upper()}{stored[1:]}; "
                f"return `z` {layout}.")
        a_t = spell(a_r.replace("q", "@").replace("k", "q").replace("@", "k"))  # the pattern read transposed
        wrong = [f"{a_t}, {v_l} -> {spell(o_r.replace('q', 'k'))}" if sizes[q] == sizes[k] else f"{a_t}, {v_l} -> {o_l}"]
        mistakes = [wrong_pattern("the pattern used transposed (summed over query positions instead of key positions)",
                                  wrong[0])]
        summed = k
    else:
        names = ("q", "k")
        what = (f"The attention scores before scaling and softmax: for every example and head, the dot product of "
                f"each query vector with each key vector. {stored[0].upper()}{stored[1:]}; return the scores {layout}.")
        flipped = spell(o_r.replace("q", "@").replace("k", "q").replace("@", "k"))
        wrong = [f"{a_l}, {v_l} -> {flipped}"]
        mistakes = [wrong_pattern("scores transposed: queries and keys on each other's axis", wrong[0])]
        summed = d
    same = spell("b h q d" if mix else "b h q k")
    if same != o_l:
        wrong.append(f"{a_l}, {v_l} -> {same}")
        mistakes.append(wrong_pattern("the result in the usual head-major layout, not the one asked for",
                                      f"{a_l}, {v_l} -> {same}"))
    return Problem(
        op="einsum",
        pattern=f"{a_l}, {v_l} -> {o_l}",
        operands=[operand(names[0], a_l, sizes), operand(names[1], v_l, sizes)],
        sizes=sizes,
        roles={b: "batch", hd: "heads", q: "q_pos", k: "k_pos", d: "head_dim"},
        result="z" if mix else "scores",
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
