"""einsum.matmul: the matrix product, the first einsum everyone learns — and its transposes."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker

_ROWS = "`X @ Y` has one row per row of `X` and one column per column of `Y`; the order of the operands in the call only changes the left side of `->`."

SPEC = Spec(
    name="matmul",
    cases=(
        Case("ik,kj->ij", "`{t0} @ {t1}`", "t0 @ t1", why=_ROWS),
        Case("kj,ik->ij", "`{t0} @ {t1}`", "t0 @ t1", order=(1, 0), why=_ROWS),
        Case("ik,kj->ji", "`({t0} @ {t1}).T`", "(t0 @ t1).T", why=_ROWS + " `.T` swaps the result's two axes."),
        Case("kj,ki->ij", "`{t0}.T @ {t1}`", "t0.T @ t1", order=(1, 0), why=_ROWS),
        Case("jk,ik->ij", "`{t0} @ {t1}.T`", "t0 @ t1.T", order=(1, 0), why=_ROWS),
    ),
    axes={"i": "i:i m:m r:row", "k": "k:k c:inner", "j": "j:j n:n o:col"},
    tensors=("A B", "X Y", "P Q", "M N"),
    concept="A matrix product multiplies along the axis the two operands share and sums it away.",
    task='The matrix product of `{t0}` and `{t1}`, each used the way its shape fits, laid out as the example fixes.',
)

FAMILY = Family(
    id="einsum.matmul",
    title="Matrix product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="A @ B (and its transposes) as an einsum: the shared axis is summed.",
    make=einsum_maker(SPEC),
)
