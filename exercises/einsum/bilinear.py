"""einsum.bilinear: the bilinear form x^T A y for every row of a batch (three operands)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_EACH = " for every `n`"
_WHY = "Each `out[n]` is one number, so only the {b} axis is kept; every other letter is summed, over all three operands at once."

_OWN_STORY = ("A bilinear form per example: for every example, the number obtained by weighting every pair of entries "
              "of its two vectors (one in `{t0}`, one in `{t2}`) by the matching entry of that example's own weight "
              "matrix in `{t1}` and adding them all up. The example's shapes fix which axis holds the examples.")


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: each batch of vectors stored one per row or one per column, the weight
    matrix shared (stored [i, j] or [j, i]) or one per example (12 layouts)."""
    out = []
    for x, x_np in (("bi", "t0"), ("ib", "t0.T")):
        for y, y_np in (("bj", "t2"), ("jb", "t2.T")):
            for a, a_np in (("ij", "t1"), ("ji", "t1.T"), ("bij", "t1")):
                own = a == "bij"
                numpy = (f"np.sum(np.sum({x_np}[:, :, None] * {a_np}, 1) * {y_np}, -1)" if own
                         else f"np.sum(({x_np} @ {a_np}) * {y_np}, -1)")
                out.append(Case(f"{x},{a},{y}->b", "", numpy, info={"task": _OWN_STORY} if own else {}))
    return tuple(out)


SPEC = Spec(
    name="bilinear",
    cases=(
        Case("bi,ij,bj->b", "`out[n] = {t0}[n] @ {t1} @ {t2}[n]`" + _EACH, "np.sum((t0 @ t1) * t2, -1)", why=_WHY),
        Case("ij,bi,bj->b", "`out[n] = {t0}[n] @ {t1} @ {t2}[n]`" + _EACH, "np.sum((t0 @ t1) * t2, -1)",
             order=(1, 0, 2), why=_WHY),
        Case("bi,ji,bj->b", "`out[n] = {t2}[n] @ {t1} @ {t0}[n]`" + _EACH, "np.sum((t2 @ t1) * t0, -1)", why=_WHY),
        Case("bi,bij,bj->b", "`out[n] = {t0}[n] @ {t1}[n] @ {t2}[n]`" + _EACH,
             "np.sum(np.sum(t0[:, :, None] * t1, 1) * t2, -1)", why=_WHY),
        Case("bi,bj,ij->b", "`out[n] = {t0}[n] @ {t1} @ {t2}[n]`" + _EACH, "np.sum((t0 @ t1) * t2, -1)",
             order=(0, 2, 1), why=_WHY),
    ),
    axes={"b": "b:batch n:batch", "i": "i:i p:p", "j": "j:j q:q"},
    tensors=("x A y", "u M v", "p W q"),
    concept="einsum takes any number of operands: every letter not in the output is summed over all of them at once.",
    value_sizes={"b": (2, 3), "i": (2,), "j": (2,)},
    task="A bilinear form per example: for every example, the number obtained by weighting every pair of entries "
         "of its two vectors (one in `{t0}`, one in `{t2}`) by the matching entry of the weight matrix `{t1}` and "
         "adding them all up. The example's shapes fix which axis holds the examples.",
    task_cases=_task_cases(),
    task_axes={"b": "b:b n:n", "i": "i:i p:p", "j": "j:j q:q"},
)

FAMILY = Family(
    id="einsum.bilinear",
    title="Batched bilinear form",
    forms=("write", "shape", "value", "task"),
    difficulty=2,
    summary="x[n] @ A @ y[n] for every n: a three-operand einsum summing two axes.",
    make=einsum_maker(SPEC),
)
