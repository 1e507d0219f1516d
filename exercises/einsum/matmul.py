"""einsum.matmul: the matrix product, the first einsum everyone learns."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="matmul",
    title="Matrix product",
    summary="A @ B as an einsum: the shared axis is summed.",
    difficulty=1,
    cases=(Case("ik,kj->ij", "the matrix product `{t0} @ {t1}`",
                mistakes=("ik,kj->ji", "ik,kj->ikj")),),
    axes={"i": "i:i m:m r:row", "k": "k:k c:inner", "j": "j:j n:n o:col"},
    tensors=("A B", "X Y", "P Q", "M N"),
    concept="A matrix product multiplies along the axis the two operands share and sums it away.",
    note="It is the same as `{t0} @ {t1}`.",
))
