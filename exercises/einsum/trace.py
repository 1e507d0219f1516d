"""einsum.trace: the trace of every matrix in a batch, and of products of them."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_EACH = " for every `n`"
_WHY = ("A trace is one number per matrix: only the {b} axis is kept. `trace(X @ Y)` sums `X[i, j] * Y[j, i]`: "
        "the row of one factor meets the column of the other.")
_TWO = ("x y", "A B", "P Q")

_TR = "np.trace({}, axis1=-2, axis2=-1)"
_BATCH_FIRST = "np.transpose({}, (2, 0, 1))"
#: the task form's cases: where the example axis sits, heads, transposed factors, two or three
#: factors (14 layouts, at least two per number and rank of the inputs)
_TASK_CASES = (
    Case("bii->b", "", _TR.format("t0")),
    Case("iib->b", "", "np.trace(t0, axis1=0, axis2=1)"),
    Case("ibi->b", "", "np.trace(t0, axis1=0, axis2=2)"),
    Case("bhii->bh", "", _TR.format("t0")),
    Case("bhii->hb", "", _TR.format("t0") + ".T"),
    Case("bij,bji->b", "", _TR.format("t0 @ t1"), tensors=_TWO),
    Case("bij,bij->b", "", "np.sum(t0 * t1, (1, 2))", tensors=_TWO),
    Case("bij,jib->b", "", _TR.format("t0 @ " + _BATCH_FIRST.format("t1")), tensors=_TWO),
    Case("ijb,jib->b", "", "np.sum(t0 * np.swapaxes(t1, 0, 1), (0, 1))", tensors=_TWO),
    Case("bij,ijb->b", "", "np.sum(t0 * " + _BATCH_FIRST.format("t1") + ", (1, 2))", tensors=_TWO),
    Case("bij,bjk,bki->b", "", _TR.format("t0 @ t1 @ t2"), tensors=("x y z", "A B C", "P Q R")),
    Case("bij,bkj,bki->b", "", _TR.format("t0 @ np.swapaxes(t1, -1, -2) @ t2"), tensors=("x y z", "A B C", "P Q R")),
    Case("bji,bjk,bki->b", "", _TR.format("np.swapaxes(t0, -1, -2) @ t1 @ t2"), tensors=("x y z", "A B C", "P Q R")),
    Case("ijb,jkb,kib->b", "", _TR.format(" @ ".join(_BATCH_FIRST.format(t) for t in ("t0", "t1", "t2"))),
         tensors=("x y z", "A B C", "P Q R")),
)

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
    axes={"i": "i:i m:m d:d", "j": "j:j q:q", "k": "k:k p:p", "b": "b:batch s:sample", "h": "h:head g:group"},
    tensors=("x", "A", "M", "S", "P", "mat"),
    concept="Using the same letter twice walks along a diagonal; leaving it out of the output sums it.",
    value_sizes={"b": (2,), "i": (2,), "j": (2,), "k": (2,)},
    task='Traces: for every example (and every head, where there are several), the trace of its matrix, or of the '
         'product of its matrices where there are several, in the order they are listed (each one transposed where '
         'the shapes require it); the result laid out as its shape below shows.',
    task_cases=_TASK_CASES,
)

FAMILY = Family(
    id="einsum.trace",
    title="Trace",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="Traces of a batch of matrices and of their products: a letter used twice, absent from the output.",
    make=einsum_maker(SPEC),
)
