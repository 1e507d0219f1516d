"""Attention scores and mixing with einops.einsum and named positions."""
from __future__ import annotations

from exercises.einops._common import Problem, einops_family, operand, pick_names
from exercises.checking import distinct_sizes


def draw(rng, form):
    b, hd, q, k, d = pick_names(rng, "batch", "heads", "q_pos", "k_pos", "head_dim", style="long")
    if form == "value":
        sizes = dict(zip((b, hd, q, k, d), [1, rng.choice([1, 2]), 2, *rng.choice([(2, 2), (3, 2), (2, 3)])]))
    else:
        sizes = dict(zip((b, hd, q, k, d), distinct_sizes(rng, 5)))
    kind = rng.choice(["scores", "scores_seq_first", "mix"])
    if kind == "mix":
        a_l, v_l, o_l = f"{b} {hd} {q} {k}", f"{b} {hd} {k} {d}", f"{b} {hd} {q} {d}"
        names = ("pattern", "v")
        what = (f"Mix the values with the attention pattern: z[{b}, {hd}, {q}, {d}] = Σ over {k} of "
                f"pattern[{b}, {hd}, {q}, {k}] · v[{b}, {hd}, {k}, {d}].")
        wrong = [f"{a_l}, {v_l} -> {b} {hd} {k} {d}", f"{b} {hd} {k} {q}, {v_l} -> {o_l}"]
        summed = k
    else:
        if kind == "scores":
            a_l, v_l = f"{b} {hd} {q} {d}", f"{b} {hd} {k} {d}"
        else:  # [batch, pos, heads, d_head], the layout many libraries use
            a_l, v_l = f"{b} {q} {hd} {d}", f"{b} {k} {hd} {d}"
        o_l = f"{b} {hd} {q} {k}"
        names = ("q", "k")
        what = (f"The attention scores (before scaling and softmax) are "
                f"scores[{b}, {hd}, {q}, {k}] = Σ over {d} of q[{b}, {q}, {hd}, {d}] · k[{b}, {k}, {hd}, {d}]"
                if kind != "scores" else
                f"The attention scores (before scaling and softmax) are "
                f"scores[{b}, {hd}, {q}, {k}] = Σ over {d} of q[{b}, {hd}, {q}, {d}] · k[{b}, {hd}, {k}, {d}]") + "."
        wrong = [f"{a_l}, {v_l} -> {b} {hd} {k} {q}", f"{a_l}, {v_l} -> {b} {q} {k}"]
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
    )


FAMILY = einops_family(
    "einops.einsum_attention",
    "Attention with einops.einsum",
    draw,
    difficulty=3,
    summary="Scores and mixing with named axes: einsum(q, k, 'b h q_pos d, b h k_pos d -> b h q_pos k_pos').",
    tags=("einsum", "attention"),
)
