"""einsum.matvec: a matrix times a vector."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="matvec",
    title="Matrix-vector product",
    summary="A @ x as an einsum: one output entry per row of A.",
    difficulty=1,
    cases=(Case("ij,j->i", "the matrix-vector product `{t0} @ {t1}`",
                mistakes=("ij,j->j", "ij,j->ij")),),
    axes={"i": "i:row m:row o:out", "j": "j:col k:col n:in"},
    tensors=("A x", "M v", "W h"),
    concept="Each output entry is the dot product of one row of the matrix with the vector.",
))
