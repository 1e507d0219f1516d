"""einsum.diagonal: what torch.diagonal returns, written as an einsum (a batch of diagonals)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_WHY = "`torch.diagonal` removes the two axes it reads and appends the diagonal as the last axis."

_D = "np.diagonal(t0, axis1={}, axis2={})"
#: the task form's cases: where the remaining axes sit (first, between, last; one or two of them)
#: and where the diagonal goes in the result (10 layouts)
_TASK_CASES = (
    Case("bii->bi", "", _D.format(1, 2)),
    Case("bii->ib", "", _D.format(1, 2) + ".T"),
    Case("iib->bi", "", _D.format(0, 1)),
    Case("iib->ib", "", _D.format(0, 1) + ".T"),
    Case("ibi->bi", "", _D.format(0, 2)),
    Case("ibi->ib", "", _D.format(0, 2) + ".T"),
    Case("bhii->bhi", "", _D.format(2, 3)),
    Case("bhii->bih", "", "np.swapaxes(" + _D.format(2, 3) + ", -1, -2)"),
    Case("bhii->ibh", "", "np.transpose(" + _D.format(2, 3) + ", (2, 0, 1))"),
    Case("iibh->bhi", "", _D.format(0, 1)),
)

SPEC = Spec(
    name="diagonal",
    cases=(
        Case("iib->bi", "`torch.diagonal({t0}, dim1=0, dim2=1)`", "np.diagonal(t0, axis1=0, axis2=1)",
             mistakes=(("the diagonal axis first", "iib->ib"),), why=_WHY),
        Case("ibi->bi", "`torch.diagonal({t0}, dim1=0, dim2=2)`", "np.diagonal(t0, axis1=0, axis2=2)",
             mistakes=(("the diagonal axis first", "ibi->ib"),), why=_WHY),
        Case("bii->ib", "`torch.diagonal({t0}, dim1=1, dim2=2).T`", "np.diagonal(t0, axis1=1, axis2=2).T",
             mistakes=(("forgot the `.T`", "bii->bi"),), why=_WHY + " `.T` then swaps the two axes left."),
    ),
    axes={"i": "i:n n:n k:size m:m d:d", "b": "b:batch t:batch", "h": "h:head g:group"},
    tensors=("x", "A", "M", "S", "P", "mat"),
    concept="A letter repeated in one operand walks the diagonal; whether it is summed depends on the output.",
    value_sizes={"b": (2,)},
    task='Read the diagonal of `{t0}` along its two equal-sized axes, for every index of the remaining axes, the '
         'result laid out as its shape below shows.',
    task_cases=_TASK_CASES,
)

FAMILY = Family(
    id="einsum.diagonal",
    title="Diagonal",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="torch.diagonal as an einsum: a repeated letter that is kept in the output.",
    make=einsum_maker(SPEC),
)
