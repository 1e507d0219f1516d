"""einsum.elementwise: products that sum nothing (Hadamard, scaling rows or columns) or one axis."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_KEEP = "Nothing is summed: every letter of the inputs appears after `->`, in the layout the operation gives."
_ROWS = "One letter per axis the operands share; a letter missing after `->` is summed, so only that axis goes."

_SELF = ("x x", "W W", "M M")
_SCALE = ("x gamma", "fmap scale", "img g")
_ONE = ("Multiply `{t0}` by itself entry by entry, summing over an axis only where the result's shape below "
        "lacks it, the result laid out as that shape shows.")
#: the task form's cases: which axes are kept or summed, a vector broadcast along rows or columns,
#: per-channel scales with channels first or last, operands transposed, batched products (21 layouts)
_TASK_CASES = (
    Case("ij,ij->ij", "", "t0 * t1"),
    Case("ij,ij->ji", "", "(t0 * t1).T"),
    Case("ij,ji->ij", "", "t0 * t1.T"),
    Case("ij,ij->i", "", "np.sum(t0 * t1, 1)"),
    Case("ij,ij->j", "", "np.sum(t0 * t1, 0)"),
    Case("ij,ji->j", "", "np.sum(t0 * t1.T, 0)"),
    Case("j,ij->ij", "", "t0 * t1[None, :]", order=(1, 0)),
    Case("i,ij->ij", "", "t0 * t1[:, None]", order=(1, 0)),
    Case("j,ij->ji", "", "(t0 * t1[None, :]).T", order=(1, 0)),
    Case("ij,i->ij", "", "t0 * t1[:, None]"),
    Case("ij,i->ji", "", "(t0 * t1[:, None]).T"),
    Case("c,bchw->bchw", "", "t0 * t1[None, :, None, None]", order=(1, 0), tensors=_SCALE),
    Case("c,bhwc->bhwc", "", "t0 * t1", order=(1, 0), tensors=_SCALE),
    Case("c,bchw->bhwc", "", "np.transpose(t0, (0, 2, 3, 1)) * t1", order=(1, 0), tensors=_SCALE),
    Case("ij,ij->j", "", "np.sum(t0 * t0, 0)", tensors=_SELF, info={"task": _ONE}),
    Case("ij,ij->i", "", "np.sum(t0 * t0, 1)", tensors=_SELF, info={"task": _ONE}),
    Case("ij,ij->ji", "", "(t0 * t0).T", tensors=_SELF, info={"task": _ONE}),
    Case("bij,bij->bij", "", "t0 * t1"),
    Case("bij,bij->bi", "", "np.sum(t0 * t1, -1)"),
    Case("bij,bji->bij", "", "t0 * np.swapaxes(t1, -1, -2)"),
    Case("bij,bij->bj", "", "np.sum(t0 * t1, 1)"),
)

SPEC = Spec(
    name="elementwise",
    cases=(
        Case("ij,ij->ji", "`({t0} * {t1}).T` (the elementwise, Hadamard, product, transposed)", "(t0 * t1).T",
             why=_KEEP + " `.T` then swaps its two axes."),
        Case("ji,ij->ij", "`{t0} * {t1}.T` (elementwise)", "t0 * t1.T", order=(1, 0),
             why=_KEEP + " `{t1}.T` is read with its two letters swapped; the order of the operands does not "
             "change the result's layout."),
        Case("j,ij->ij", "`{t0}` with every column multiplied by the matching entry of `{t1}` "
             "(`{t0} * {t1}[None, :]`)", "t0 * t1[None, :]", order=(1, 0),
             why=_KEEP + " The order of the operands does not change the result's layout."),
        Case("c,bchw->bchw", "`{t0} * {t1}[None, :, None, None]` (each channel scaled by its own factor)",
             "t0 * t1[None, :, None, None]", order=(1, 0),
             tensors=("x gamma", "fmap scale", "img g"),
             why=_KEEP + " The order of the operands does not change the result's layout."),
        Case("ij,ij->i", "the dot product of each row of `{t0}` with the same row of `{t1}`", "np.sum(t0 * t1, 1)",
             why=_ROWS),
        Case("ij,ij->j", "the squared length of each column of `{t0}`",
             "np.sum(t0 * t0, 0)", tensors=("x x", "W W", "M M"), why=_ROWS),
    ),
    axes={"i": "i:i m:m r:r", "j": "j:j k:k", "b": "b:batch n:batch", "c": "c:channels d:ch",
          "h": "h:height y:rows", "w": "w:width x:cols"},
    tensors=("A B", "X Y", "P Q"),
    concept="A letter shared by the operands pairs up matching entries; it is summed only if it is missing after `->`.",
    value_sizes={"b": (1,), "h": (2,), "w": (2,)},
    task="Multiply the inputs entry by entry (broadcasting a vector along the axis it matches), summing over an axis "
         "only where the result's shape below lacks it, the result laid out as that shape shows.",
    task_cases=_TASK_CASES,
)

FAMILY = Family(
    id="einsum.elementwise",
    title="Elementwise products",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    # the write card states the task's problem (t18e), yet the input lookup stranger still answers
    # 43% of 50 seeds alone (top 3 28%): asked only in the mixed notes, judged there (10%)
    pooled=("write",),
    summary="Hadamard products, scaled columns or channels and row-wise dots: shared letters kept, or one summed.",
    make=einsum_maker(SPEC),
)
