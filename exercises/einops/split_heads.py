"""Split the attention heads out of the model axis: ``b s (h d) -> b h s d``."""
from __future__ import annotations

from exercises.base import CodeSpec, Mistake
from exercises.einops._common import Problem, einops_family, operand, pick_names, torch_randn
from exercises.checking import distinct_sizes

# right sides the family asks for, with how they are said in words
_OUTPUTS = [
    ("{b} {h} {s} {d}", "(batch, heads, seq, d_head)"),
    ("{b} {h} {s} {d}", "(batch, heads, seq, d_head)"),
    ("{b} {s} {h} {d}", "(batch, seq, heads, d_head)"),
    ("({b} {h}) {s} {d}", "(batch·heads, seq, d_head), batch-major"),
]


def draw(rng, form):
    b, s, h, d = pick_names(rng, "batch", "seq", "heads", "head_dim")
    if form == "value":  # tiny, but with at least two heads of at least two features
        sizes = [1] + [rng.choice([2, 3]) for _ in range(3)]
        if sizes[1] * sizes[2] * sizes[3] <= 12:
            sizes[0] = 2
    else:
        sizes = distinct_sizes(rng, 4)
    sizes = dict(zip((b, s, h, d), sizes))
    rhs_t, words = rng.choice(_OUTPUTS)
    rhs = rhs_t.format(b=b, s=s, h=h, d=d)
    lhs = f"{b} {s} ({h} {d})"
    x = rng.choice(["x", "q", "k", "v", "qkv_out"])
    not_moved = f"{b} {s} {h} {d}" if rhs != f"{b} {s} {h} {d}" else f"{b} {h} {s} {d}"
    wrong = [f"{b} {s} ({d} {h}) -> {rhs}", f"{lhs} -> {not_moved}"]
    return Problem(
        op="rearrange",
        pattern=f"{lhs} -> {rhs}",
        operands=[operand(x, lhs, sizes)],
        sizes=sizes,
        roles={b: "batch", s: "seq", h: "heads", d: "head_dim"},
        lengths=(h,),
        what=f"`{x}` holds {sizes[h]} attention heads side by side in its last axis (head-major: each head's "
        f"{sizes[d]} features are contiguous). Split the heads out into the layout {words}.",
        in_desc=f"`{x}` has shape ({sizes[b]}, {sizes[s]}, {sizes[h] * sizes[d]}) = ({b}, {s}, {h}·{d}).",
        idea="Split the last axis with a group on the left, then reorder on the right.",
        write_hints=[
            f"Head-major means the head index is the slow one inside the group: `({h} {d})`, not `({d} {h})`.",
            f"The left side is `{lhs}`; `{h}={sizes[h]}` is passed as a keyword.",
        ],
        explanation=f"`({h} {d})` reads the last axis as {h} blocks of {d} contiguous features, one block per head; "
        + ("the right side then only names the axes in the wanted order." if rhs == f"{b} {s} {h} {d}" else
           f"`({b} {h})` on the right folds the heads into the batch axis, batch-major." if rhs.startswith("(") else
           f"naming `{h}` before `{s}` on the right moves the heads out."),
        wrong=wrong,
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

FAMILY = einops_family(
    "einops.split_heads",
    "Split attention heads",
    draw,
    difficulty=2,
    summary="Split the model axis into heads and move them forward: b s (h d) -> b h s d, h=n_heads.",
    code_spec=CODE,
    tags=("rearrange", "attention"),
)
