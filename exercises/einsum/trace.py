"""einsum.trace: the trace of a square matrix (or of each matrix in a batch)."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="trace",
    title="Trace",
    summary="The sum of the diagonal: one letter used twice, and absent from the output.",
    difficulty=1,
    cases=(
        Case("ii->", "the trace of `{t0}` (the sum of its diagonal)",
             mistakes=("ii->i", "ij->"), info={"batched": False}),
        Case("bii->b", "the trace of every matrix `{t0}[m]`, one per {b} index `m`",
             mistakes=("bii->bi", "bii->", "bij->b"), info={"batched": True}),
    ),
    axes={"i": "i:n n:n k:size m:m d:d", "j": "j:n", "b": "b:batch s:sample"},
    tensors=("x", "A", "M", "S", "P", "mat"),
    concept="Using the same letter twice in one operand walks along its diagonal.",
    value_sizes={"b": (2,)},
))
