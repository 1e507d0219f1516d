"""einsum.diagonal: read the diagonal of a square matrix (or of each matrix in a batch)."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="diagonal",
    title="Diagonal",
    summary="torch.diagonal as an einsum: a repeated letter that is kept in the output.",
    difficulty=1,
    cases=(
        Case("ii->i", "the diagonal of `{t0}` (`{t0}[m, m]` for every `m`)",
             mistakes=("ii->", "ij->i"), info={"batched": False}),
        Case("bii->bi", "the diagonal of every matrix `{t0}[s]` (`{t0}[s, m, m]`), one per {b} index `s`",
             mistakes=("bii->b", "bij->bi", "bii->i"), info={"batched": True}),
    ),
    axes={"i": "i:n n:n k:size m:m d:d", "j": "j:n", "b": "b:batch t:batch"},
    tensors=("x", "A", "M", "S", "P", "mat"),
    concept="A letter repeated in one operand walks the diagonal; whether it is summed depends on the output.",
    value_sizes={"b": (2,)},
))
