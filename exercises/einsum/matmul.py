"""einsum.matmul: the matrix product, the first einsum everyone learns — and its transposes."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_ROWS = "`X @ Y` has one row per row of `X` and one column per column of `Y`; the order of the operands in the call only changes the left side of `->`."

_PLAIN_STORY = ("The matrix product of `{t0}` and `{t1}`, in that order, each used the way its shape fits, the result "
                "laid out as the example shows.")
_WEIGHTED_STORY = ("A weighted matrix product of `{t0}` and `{t1}`, in that order: like their matrix product, but every "
                   "term of the sum over the axis they share is first multiplied by the matching entry of the weights "
                   "`{t2}`. Each matrix is used the way its shape fits, the result laid out as the example shows.")


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: the left factor stored as it multiplies or transposed, the right one
    too, the result laid out either way round (the eight products of two matrices), plain or with
    every term of the shared axis weighted (``A diag(w) B``, as in ``X^T W X``): 16 layouts, each
    input layout asked with both result layouts, so the inputs' look never fixes the answer."""
    out = []
    for weighted in (False, True):
        for a, a_np in (("ik", "t0"), ("ki", "t0.T")):
            for b, b_np in (("kj", "t1"), ("jk", "t1.T")):
                for res in ("ij", "ji"):
                    left = f"({a_np} * t2)" if weighted else a_np
                    prod = f"{left} @ {b_np}"
                    out.append(Case(f"{a},{b},k->{res}" if weighted else f"{a},{b}->{res}", "",
                                    prod if res == "ij" else f"({prod}).T",
                                    tensors=("A B w", "X Y d", "P Q s", "M N g") if weighted else (),
                                    info={"task": _WEIGHTED_STORY if weighted else _PLAIN_STORY}))
    return tuple(out)


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
    task=_PLAIN_STORY,
    task_cases=_task_cases(),
    task_axes={"i": "i:i m:m r:r", "k": "k:k c:c", "j": "j:j n:n o:o"},
)

FAMILY = Family(
    id="einsum.matmul",
    title="Matrix product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="A @ B (and its transposes) as an einsum: the shared axis is summed.",
    make=einsum_maker(SPEC),
)
