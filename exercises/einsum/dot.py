"""einsum.dot: dot products of matching rows, columns or fibres of two tensors."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker

_WHY = "Multiplying matching entries and summing drops the axis the dot product runs along; every other axis is kept in place."

SPEC = Spec(
    name="dot",
    cases=(
        Case("bi,bi->b", "`out[n] = {t0}[n] @ {t1}[n]` for every `n`", "np.sum(t0 * t1, -1)",
             why=_WHY),
        Case("ib,ib->b", "`out[n] = {t0}[:, n] @ {t1}[:, n]` for every `n`",
             "np.sum(t0 * t1, 0)", why=_WHY),
        Case("...i,...i->...", "`({t0} * {t1}).sum(-1)`", "np.sum(t0 * t1, -1)", why=_WHY),
        Case("bit,bit->bt", "`({t0} * {t1}).sum(1)`", "np.sum(t0 * t1, 1)", why=_WHY),
        Case("bi,ib->b", "`out[n] = {t0}[n] @ {t1}[:, n]` for every `n`",
             "np.sum(t0 * t1.T, -1)", why=_WHY),
        # the dot product not along the first operand's last axis (the `x @ y.T` habit misses it)
        Case("ib,bi->b", "`out[n] = {t0}[:, n] @ {t1}[n]` for every `n`", "np.sum(t0.T * t1, -1)", why=_WHY),
        Case("ibt,ibt->bt", "`({t0} * {t1}).sum(0)`", "np.sum(t0 * t1, 0)", why=_WHY),
        Case("bit,bti->bt", "`out[n, m] = {t0}[n, :, m] @ {t1}[n, m]` for every `n` and `m`",
             "np.sum(t0 * np.swapaxes(t1, 1, 2), 1)", why=_WHY),
        Case("ibt,bit->bt", "`out[n, m] = {t0}[:, n, m] @ {t1}[n, :, m]` for every `n` and `m`",
             "np.sum(np.swapaxes(t0, 0, 1) * t1, 1)", why=_WHY),
        Case("tib,bti->bt", "`out[n, m] = {t0}[m, :, n] @ {t1}[n, m]` for every `n` and `m`",
             "np.sum(np.transpose(t0, (2, 0, 1)) * t1, -1)", why=_WHY),
    ),
    axes={"i": "i:dim d:d k:k e:embed", "b": "b:batch n:batch s:sample", "t": "t:time p:pos"},
    tensors=("u v", "x y", "a b", "p q", "v w"),
    concept="Multiply matching entries, then sum: the shared axis is dropped from the output.",
    value_sizes={"t": (2,)},
    task='Dot products: for every example (and position, where there is one), the dot product of the matching vectors of `{t0}` and `{t1}`.',
)

FAMILY = Family(
    id="einsum.dot",
    title="Dot product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="A shared letter missing from the output is multiplied and summed.",
    make=einsum_maker(SPEC),
)
