"""einsum.attention_scores: query-key dot products per batch element and head, with a code spec."""
from exercises.base import CodeSpec, Family, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, product_cases
from exercises.einsum._maker import einsum_maker


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

_EACH = " for every `n` and `m` (no scaling)"
_WHY = ("`scores[n, m]` puts the {b} and {h} axes first, in that order; `X @ Y.T` then has one row "
        "per row of `X` and one column per row of `Y`.")

#: the queries as numpy (role ``t0``) brought to [example, head, query, d], per stored layout
_QUERIES = {"bhqd": "t0", "bqhd": "np.swapaxes(t0, 1, 2)"}
#: the keys brought to [example, head, d, key]: stored head-first, sequence-first (a cache), or transposed
_KEYS = {"bhkd": "np.swapaxes(t1, -1, -2)", "bkhd": "np.transpose(t1, (0, 2, 3, 1))", "bhdk": "t1"}


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: queries stored head-first or sequence-first, keys head-first,
    sequence-first or transposed, the scores one row per query or one row per key (12 layouts;
    every input layout is asked with both result layouts)."""
    return product_cases(_QUERIES, _KEYS, ("bhqk", "bhkq"))


SPEC = Spec(
    name="attention_scores",
    cases=(
        Case("bhqd,bhkd->bhqk", "`scores[n, m] = {t0}[n, m] @ {t1}[n, m].T`" + _EACH,
             "t0 @ np.swapaxes(t1, -1, -2)", why=_WHY),
        Case("bqhd,bkhd->bhqk", "`scores[n, m] = {t0}[n, :, m] @ {t1}[n, :, m].T`" + _EACH,
             "np.swapaxes(t0, 1, 2) @ np.transpose(t1, (0, 2, 3, 1))",
             why=_WHY + " Here the operands store the sequence before the heads."),
        Case("bhqd,bhkd->bhkq", "`scores[n, m] = {t1}[n, m] @ {t0}[n, m].T` (one row per key)" + _EACH,
             "t1 @ np.swapaxes(t0, -1, -2)", why=_WHY),
        Case("bhqd,bhdk->bhqk", "`scores[n, m] = {t0}[n, m] @ {t1}[n, m]` (the keys are stored transposed)" + _EACH,
             "t0 @ t1", why=_WHY),
        Case("bhqd,bkhd->bhqk", "`scores[n, m] = {t0}[n, m] @ {t1}[n, :, m].T` (the keys come from a cache "
             "stored sequence-first)" + _EACH,
             "t0 @ np.transpose(t1, (0, 2, 3, 1))", why=_WHY),
    ),
    axes={"b": "b:batch n:batch", "h": "h:head a:head", "q": "q:query i:query",
          "k": "k:key j:key s:key", "d": "d:d_head e:d_head c:d_head"},
    tensors=("Q K", "queries keys", "xq xk"),
    concept="Batch and head axes are kept everywhere; each dot product sums over the d_head axis.",
    note="These are the raw scores, without the 1/sqrt(d_head) scale.",
    value_sizes={"b": (1,), "h": (2,), "d": (2,)},
    task="Raw attention scores, without any scaling: for every example and head, the dot product of each "
         "query vector in `{t0}` with each key vector in `{t1}`. Which axis of each input holds the examples, the "
         "heads, the positions and the vector entries, and how the scores are laid out, the example's shapes fix.",
    task_cases=_task_cases(),
    task_axes={"b": "b:b n:n", "h": "h:h a:a", "q": "q:q i:i", "k": "k:k j:j s:s", "d": "d:d e:e c:c"},
)

FAMILY = Family(
    id="einsum.attention_scores",
    title="Attention scores",
    forms=("write", "shape", "value", "task"),
    difficulty=2,
    summary="Q K^T per batch element and head, whatever the operands' layout.",
    make=einsum_maker(SPEC),
    code_spec=CODE,
)
