"""einsum.trace: the trace of every matrix in a batch, and of products of them."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker

_EACH = " for every `n`"
_WHY = ("A trace is one number per matrix: only the {b} axis is kept. `trace(X @ Y)` sums `X[i, j] * Y[j, i]`: "
        "the row of one factor meets the column of the other.")
_TWO = ("x y", "A B", "P Q")

SPEC = Spec(
    name="trace",
    cases=(
        Case("bij,bji->b", "`out[n] = torch.trace({t0}[n] @ {t1}[n])`" + _EACH,
             "np.trace(t0 @ t1, axis1=-2, axis2=-1)", tensors=_TWO, why=_WHY),
        Case("bij,bij->b", "`out[n] = torch.trace({t0}[n].T @ {t1}[n])`" + _EACH,
             "np.trace(np.swapaxes(t0, -1, -2) @ t1, axis1=-2, axis2=-1)", tensors=_TWO, why=_WHY),
        Case("bii->b", "`out[n] = torch.trace({t0}[n])`" + _EACH, "np.trace(t0, axis1=-2, axis2=-1)",
             mistakes=(("the diagonal instead of the trace", "bii->bi"),), why=_WHY),
        Case("bij,jib->b", "`out[n] = torch.trace({t0}[n] @ {t1}[:, :, n])`" + _EACH,
             "np.trace(t0 @ np.transpose(t1, (2, 0, 1)), axis1=-2, axis2=-1)", tensors=_TWO, why=_WHY),
        Case("bij,bjk,bki->b", "`out[n] = torch.trace({t0}[n] @ {t1}[n] @ {t2}[n])`" + _EACH,
             "np.trace(t0 @ t1 @ t2, axis1=-2, axis2=-1)", tensors=("x y z", "A B C", "P Q R"), why=_WHY),
    ),
    axes={"i": "i:i m:m d:d", "j": "j:j q:q", "k": "k:k p:p", "b": "b:batch s:sample"},
    tensors=("x", "A", "M", "S", "P", "mat"),
    concept="Using the same letter twice walks along a diagonal; leaving it out of the output sums it.",
    value_sizes={"b": (2,), "i": (2,), "j": (2,), "k": (2,)},
    task='Traces: for every example, the trace of its matrix, or of the product of its matrices where there are several.',
)

FAMILY = Family(
    id="einsum.trace",
    title="Trace",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="Traces of a batch of matrices and of their products: a letter used twice, absent from the output.",
    make=einsum_maker(SPEC),
)
