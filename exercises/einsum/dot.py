"""einsum.dot: dot products of matching rows, columns or fibres of two tensors."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_WHY = "Multiplying matching entries and summing drops the axis the dot product runs along; every other axis is kept in place."

#: a batch of vectors as numpy brought to [example, i] or [example, position, i], per stored layout
_AS_BI = {"bi": "{}", "ib": "{}.T"}
_AS_BTI = {"bti": "{}", "bit": "np.swapaxes({}, 1, 2)", "ibt": "np.transpose({}, (1, 2, 0))"}


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: two batches of vectors, each stored one per row or one per column
    (4 layouts), or two batches of sequences of vectors, the vector axis last, in the middle or first
    in each (5 pairs of layouts), the result one row per example or one per position (14 layouts;
    every pair of input layouts of the sequences is asked with both result layouts)."""
    out = [Case(f"{u},{v}->b", "", f"np.sum({_AS_BI[u].format('t0')} * {_AS_BI[v].format('t1')}, -1)")
           for u in _AS_BI for v in _AS_BI]
    for u, v in (("bti", "bti"), ("bit", "bit"), ("ibt", "ibt"), ("bit", "bti"), ("bti", "ibt")):
        dot = (f"np.sum(t0 * t1, {u.index('i')})" if u == v  # one layout: multiply, sum the vectors' axis
               else f"np.sum({_AS_BTI[u].format('t0')} * {_AS_BTI[v].format('t1')}, -1)")
        out += [Case(f"{u},{v}->bt", "", dot), Case(f"{u},{v}->tb", "", f"{dot}.T")]
    return tuple(out)


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
    task="Dot products: for every example (and position, where there is one), the dot product of the matching "
         "vectors of `{t0}` and `{t1}`; the example's shapes fix which axis holds the vectors' entries in each "
         "input and how the result is laid out.",
    task_cases=_task_cases(),
    task_axes={"i": "i:i d:d k:k e:e", "b": "b:b n:n s:s", "t": "t:t p:p"},
)

FAMILY = Family(
    id="einsum.dot",
    title="Dot product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="A shared letter missing from the output is multiplied and summed.",
    make=einsum_maker(SPEC),
)
