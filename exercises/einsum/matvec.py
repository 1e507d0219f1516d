"""einsum.matvec: a matrix times each vector of a batch (or each matrix times its vector)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker

_EACH = " for every `n`"
_WHY = ("`out[n]` puts the {b} axis first. `M @ v` has one entry per row of `M`; `v @ M` has one entry per "
        "column of `M`.")

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
    task='Apply a matrix to a batch of vectors: for every example, the matrix-vector product that the shapes of `{t0}` and `{t1}` allow.',
)

FAMILY = Family(
    id="einsum.matvec",
    title="Matrix-vector product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="A @ x for a batch of vectors (or of matrices) as an einsum: one output entry per row of A.",
    make=einsum_maker(SPEC),
)
