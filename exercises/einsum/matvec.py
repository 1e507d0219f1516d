"""einsum.matvec: a matrix times each vector of a batch (or each matrix times its vector)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_EACH = " for every `n`"
_WHY = ("`out[n]` puts the {b} axis first. `M @ v` has one entry per row of `M`; `v @ M` has one entry per "
        "column of `M`.")

_SHARED_STORY = ("Apply one matrix to a batch of vectors: for every example, the product of the matrix `{t0}` (the "
                 "same for every example) with that example's vector in `{t1}`, the matrix used the way its shape "
                 "fits; the example fixes which axis of `{t1}` holds the examples and how the result is laid out.")
_OWN_STORY = ("Apply a matrix per example: for every example, the product of that example's matrix in `{t0}` with its "
              "vector in `{t1}`, the matrix used the way its shape fits; the example fixes which axis of `{t1}` "
              "holds the examples and how the result is laid out.")
#: the vectors as numpy (role ``t1``) brought to [example, j]: one row per example, or one column
_VECTORS = {"bj": "t1", "jb": "t1.T"}


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: one matrix for all examples (stored [i, j] or [j, i]) or one per example
    ([example, i, j] or [example, j, i]), the vectors stored one per row or one per column, the
    result one row per example or one column per example (16 layouts; every input layout is asked
    with both result layouts)."""
    out = []
    for m, m_np in (("ij", "t0"), ("ji", "t0.T"), ("bij", "t0"), ("bji", "np.swapaxes(t0, -1, -2)")):
        own = m.startswith("b")
        for x, x_np in _VECTORS.items():
            prod = f"np.sum({m_np} * {x_np}[:, None, :], -1)" if own else f"{x_np} @ {m_np}.T"
            for res in ("bi", "ib"):
                out.append(Case(f"{m},{x}->{res}", "", prod if res == "bi" else f"({prod}).T",
                                info={"task": _OWN_STORY if own else _SHARED_STORY}))
    return tuple(out)


SPEC = Spec(
    name="matvec",
    cases=(
        Case("ij,bj->bi", "`out[n] = {t0} @ {t1}[n]`" + _EACH, "t1 @ t0.T", why=_WHY),
        Case("bij,bj->bi", "`out[n] = {t0}[n] @ {t1}[n]`" + _EACH, "np.sum(t0 * t1[:, None, :], -1)", why=_WHY),
        Case("ij,bi->bj", "`out[n] = {t1}[n] @ {t0}`" + _EACH, "t1 @ t0", why=_WHY),
        Case("bi,bij->bj", "`out[n] = {t1}[n] @ {t0}[n]`" + _EACH, "np.sum(t1[:, :, None] * t0, 1)",
             order=(1, 0), why=_WHY),
        Case("bj,bij->bi", "`out[n] = {t0}[n] @ {t1}[n]`" + _EACH, "np.sum(t0 * t1[:, None, :], -1)",
             order=(1, 0), why=_WHY),
    ),
    axes={"i": "i:row m:row o:row", "j": "j:col k:col", "b": "b:batch s:sample"},
    tensors=("A x", "M v", "W h"),
    concept="Each output entry is the dot product of one row (or column) of the matrix with the vector.",
    task=_SHARED_STORY,
    task_cases=_task_cases(),
    task_axes={"i": "i:i m:m o:o", "j": "j:j k:k", "b": "b:b s:s"},
)

FAMILY = Family(
    id="einsum.matvec",
    title="Matrix-vector product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="A @ x for a batch of vectors (or of matrices) as an einsum: one output entry per row of A.",
    make=einsum_maker(SPEC),
)
