"""einsum.bilinear: the bilinear form x^T A y for every row of a batch (three operands)."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="bilinear",
    title="Batched bilinear form",
    summary="x[n] @ A @ y[n] for every n: a three-operand einsum summing two axes.",
    difficulty=2,
    cases=(Case("bi,ij,bj->b", "the bilinear form `{t0}[n] @ {t1} @ {t2}[n]` for every {b} index `n`",
                mistakes=("bi,ij,bj->bij", "bi,ij,bj->", "bi,ij,bj->bi")),),
    axes={"b": "b:batch n:batch", "i": "i:i p:p", "j": "j:j q:q"},
    tensors=("x A y", "u M v", "p W q"),
    concept="einsum takes any number of operands: every letter not in the output is summed over all of them at once.",
    value_sizes={"b": (2, 3), "i": (2,), "j": (2,)},
))
