"""Split the attention heads out of the model axis: ``b s (h d) -> b h s d``."""
from __future__ import annotations

from exercises.base import CodeSpec, Family, Mistake
from exercises.checking import distinct_sizes
from exercises.fixes import einops_fix, with_fix
from exercises.einops._task_cases import task_case
from exercises.einops._common import (FORMS, Problem, einops_maker, operand, pick_names, reshape_slip,
                                      reversed_group_slips, shape_text, torch_randn, wrong_pattern)

# (input layout, how the input is described); (result, what it must hold). The card says what each
# entry of the result is, never the result's axes.
_PROSE = "attention heads head side by side last axis features contiguous position example batch folding matrix row column"
_INPUTS = [("{b} {s} ({h} {d})", "({b}, {s}, {h}·{d})", "last"),
           ("{s} {b} ({h} {d})", "({s}, {b}, {h}·{d}), time-major", "last"),
           ("{b} ({h} {d}) {s}", "({b}, {h}·{d}, {s}), channels-first as a conv1d returns it", "second")]
_OUTPUTS = [
    ("{b} {h} {s} {d}", "for attention: `y[i, j]` must be head j's matrix (one row per position, one column "
     "per head feature) for example i"),
    ("{b} {s} {h} {d}", "without folding anything: `y[i, t]` must be the matrix of example i at position t with "
     "one row per head and one column per head feature"),
    ("({b} {h}) {s} {d}", "folding the heads into the batch: `y[k]` must be the matrix (one row per position, one "
     "column per head feature) of one (example, head) pair, all heads of example 0 first, then example 1's, …"),
    ("{b} {h} {d} {s}", "as keys are stored for `q @ k`: `y[i, j]` must be head j's matrix for example i with one "
     "row per head feature and one column per position"),
    ("({h} {b}) {s} {d}", "folding the heads into the batch, heads outer: `y[k]` must be the matrix (one row per "
     "position, one column per head feature) of one (head, example) pair, head 0 of every example first, then "
     "head 1's, …"),
    ("{h} {b} {s} {d}", "heads first: `y[j, i]` must be head j's matrix (one row per position, one column per head "
     "feature) for example i"),
]


def problem(rng, form):
    b, s, h, d = pick_names(rng, "batch", "seq", "heads", "head_dim", avoid=_PROSE)
    if form == "value":  # tiny, but with at least two heads of at least two features
        sizes = [1] + [rng.choice([2, 3]) for _ in range(3)]
        if sizes[1] * sizes[2] * sizes[3] <= 12:
            sizes[0] = 2
    else:
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, s, h, d), sizes))
    (lhs_t, in_words, where), (rhs_t, out_words) = rng.choice(_INPUTS), rng.choice(_OUTPUTS)
    lhs, rhs = lhs_t.format(b=b, s=s, h=h, d=d), rhs_t.format(b=b, s=s, h=h, d=d)
    x = rng.choice(["x", "q", "k", "v", "qkv_out"])
    interleaved = f"{lhs.replace(f'({h} {d})', f'({d} {h})')} -> {rhs}"
    kept_order = lhs.replace(f"({h} {d})", f"{h} {d}")
    mistakes = [wrong_pattern("the heads read interleaved: (d h) instead of (h d)", interleaved)]
    if kept_order != rhs:
        mistakes.append(wrong_pattern("split, but the axes left where they were", f"{lhs} -> {kept_order}"))
        mistakes.append(reshape_slip("a plain reshape to the result's shape, without moving any axis"))
    shape = operand(x, lhs, sizes).shape
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", s: "seq", h: "heads", d: "head_dim"},
        lengths=(h,),
        what=f"`{x}` holds {sizes[h]} attention heads side by side in its {where} axis (head-major: each head's "
        f"{sizes[d]} features are contiguous). Split the heads out {out_words}.",
        in_desc=f"`{x}` has shape {shape_text(shape)}, axes {in_words.format(b=b, s=s, h=h, d=d)}.",
        idea="Split the packed axis with a group on the left, then reorder on the right.",
        write_hints=[
            f"Head-major means the head index is the slow one inside the group: `({h} {d})`, not `({d} {h})`.",
            f"The left side is `{lhs}`; `{h}={sizes[h]}` is passed as a keyword.",
        ],
        explanation=f"`({h} {d})` reads the {where} axis as {h} blocks of {d} contiguous features, one block per head; "
        + ("the right side then only names the axes in the wanted order." if rhs == kept_order else
           f"`({b} {h})` on the right folds the heads into the batch axis, batch-major." if rhs.startswith(f"({b}") else
           f"`({h} {b})` on the right folds the heads into the batch axis, head-major." if rhs.startswith("(") else
           "the right side then names the axes in the wanted order."),
        wrong=[interleaved, f"{lhs} -> {kept_order}" if kept_order != rhs else f"{lhs} -> {b} {h} {s} {d}"],
        mistakes=[*mistakes, *reversed_group_slips(f"{lhs} -> {rhs}")],
    )


def split_heads(x, n_heads):
    import einops

    return einops.rearrange(x, "b s (h d) -> b h s d", h=n_heads)


def _interleaved(x, n_heads):
    import einops

    return einops.rearrange(x, "b s (d h) -> b h s d", h=n_heads)


def _not_moved(x, n_heads):
    import einops

    return einops.rearrange(x, "b s (h d) -> b s h d", h=n_heads)


def _plain_reshape(x, n_heads):
    b, s, hd = x.shape
    return x.reshape(b, n_heads, s, hd // n_heads)


def _inputs(rng, case):
    b, s, h, d = [1 if case % 5 == i else v for i, v in enumerate(rng.sample(range(2, 8), 4))]
    return {"x": torch_randn(rng, b, s, h * d), "n_heads": h}


CODE = CodeSpec(
    function="split_heads",
    signature="def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:",
    doc="Split attention heads out of the model axis.\n\n"
    "x: [batch, seq, n_heads * d_head], head-major (each head's d_head features are contiguous).\n"
    "Returns [batch, n_heads, seq, d_head].",
    reference=split_heads,
    make_inputs=_inputs,
    mistakes=(
        Mistake("interleaved", _interleaved, "(d h) instead of (h d): the heads are interleaved, not contiguous blocks."),
        Mistake("not_moved", _not_moved, "The heads are split but still after seq: the result is [batch, seq, heads, d_head]."),
        Mistake("plain_reshape", _plain_reshape, "A plain reshape to [b, heads, seq, d_head] mixes positions and heads; "
                "split the axis first, then move heads before seq."),
    ),
    rules=("no_loops",),
)

# The task form: the merged feature vectors in any of these layouts (batch first, time-major, or
# transposed as a 1-D convolution takes them) split into any of these per-head layouts (queries,
# keys stored transposed, heads first, heads folded into the batch either way); the head count is
# printed, the example's result shows the layout. Five 4-D and three 3-D results per input, so
# recognising the input does not answer the card. Where examples and heads are folded into one
# axis, the story says in words which comes first (the example may be too big to print its values).
_FOLDED = " Examples and heads share the result's first axis, {first} first."
_TASK_INPUTS = [
    ("batch seq (heads head_dim)", ""),
    ("seq batch (heads head_dim)", " It is time-major: positions first."),
    ("batch (heads head_dim) seq", " It is stored as a 1-D convolution returns it: one row per feature and one "
     "column per position."),
]
_TASK_OUTPUTS = [
    ("batch heads seq head_dim", ""), ("batch seq heads head_dim", ""), ("heads batch seq head_dim", ""),
    ("batch heads head_dim seq", ""), ("seq batch heads head_dim", ""),
    ("(batch heads) seq head_dim", _FOLDED.format(first="all heads of example 0")),
    ("(batch heads) head_dim seq", _FOLDED.format(first="all heads of example 0")),
    ("(heads batch) seq head_dim", _FOLDED.format(first="head 0 of every example")),
]


def task_problem(rng):
    lhs, note = rng.choice(_TASK_INPUTS)
    rhs, folded = rng.choice(_TASK_OUTPUTS)
    story = (f"`{{t0}}` holds {{heads}} attention heads side by side in its feature axis, head after head (all of "
             f"head 0's features, then head 1's, …).{note} Split the heads out, laid out as the example's result "
             f"shows.{folded}")
    return task_case(rng, "rearrange", f"{lhs} -> {rhs}", story, tensors=("x", "q", "k", "v", "qkv_out"),
                     lengths={"heads": rng.choice([2, 3, 4])})

FAMILY = Family(
    id="einops.split_heads",
    title="Split attention heads",
    forms=(*FORMS, "fix", "task"),
    difficulty=2,
    summary="Split the model axis into heads and move them forward: b s (h d) -> b h s d, h=n_heads.",
    make=with_fix(einops_maker(problem, task_problem=task_problem), einops_fix(problem)),
    code_spec=CODE,
)
