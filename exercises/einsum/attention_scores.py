"""einsum.attention_scores: query-key dot products per batch element and head, with a code spec."""
from exercises.base import CodeSpec, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, einsum_family


def attention_scores(q, k):
    """Reference: scores[b, h, i, j] = q[b, h, i] . k[b, h, j] (no scaling)."""
    import torch

    return torch.einsum("bhqd,bhkd->bhqk", q, k)


def _scaled(q, k):
    import torch

    return torch.einsum("bhqd,bhkd->bhqk", q, k) / q.shape[-1] ** 0.5


CODE = CodeSpec(
    function="attention_scores",
    signature="def attention_scores(q, k):",
    doc="Return the raw attention scores of queries `q` [batch, heads, q_len, d_head] and keys "
        "`k` [batch, heads, k_len, d_head]: a tensor [batch, heads, q_len, k_len] whose entry "
        "[b, h, i, j] is the dot product q[b, h, i] . k[b, h, j]. Do not scale by 1/sqrt(d_head).",
    reference=attention_scores,
    make_inputs=EinsumInputs(("q", "k"), ("bhqd", "bhkd"), never_one="d"),
    mistakes=(
        Mistake("transposed", EinsumFn("bhqd,bhkd->bhkq", ("q", "k")),
                "Your scores are transposed: did you write ...->bhkq? Queries index the rows (bhqk)."),
        Mistake("summed_heads", EinsumFn("bhqd,bhkd->bqk", ("q", "k")),
                "Your result has no heads axis: did you sum over heads? Keep h in the output."),
        Mistake("scaled", _scaled,
                "You divided by sqrt(d_head): this function returns the raw, unscaled scores."),
    ),
)

FAMILY = einsum_family(Spec(
    name="attention_scores",
    title="Attention scores",
    summary="Q K^T per batch element and head: bhqd,bhkd->bhqk.",
    difficulty=2,
    cases=(Case("bhqd,bhkd->bhqk",
                "the attention scores: for each {b} element and {h}, the dot product of every "
                "query vector in `{t0}` with every key vector in `{t1}` (no scaling), queries first",
                mistakes=("bhqd,bhkd->bhkq", "bhqd,bhkd->bqk")),),
    axes={"b": "b:batch n:batch", "h": "h:head a:head", "q": "q:query i:query",
          "k": "k:key j:key s:key", "d": "d:d_head e:d_head c:d_head"},
    tensors=("Q K", "queries keys", "xq xk"),
    concept="Batch and head axes are kept everywhere; each dot product sums over the d_head axis.",
    note="It is `{t0} @ {t1}.transpose(-1, -2)` without the 1/sqrt(d_head) scale.",
    value_sizes={"b": (1,), "h": (1, 2), "d": (2,)},
    code_spec=CODE,
))
