"""einsum.batched_matmul: a matrix product per batch element (torch.bmm), with a code spec."""
from exercises.base import CodeSpec, Family, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, product_cases
from exercises.einsum._maker import einsum_maker


def batched_matmul(a, b):
    """Reference: out[n] = a[n] @ b[n]."""
    import torch

    return torch.einsum("bik,bkj->bij", a, b)


CODE = CodeSpec(
    function="batched_matmul",
    signature="def batched_matmul(a, b):",
    doc="Return the batched matrix product of `a` [batch, i, k] and `b` [batch, k, j]: "
        "a tensor [batch, i, j] with out[n] = a[n] @ b[n] for every batch index n.",
    reference=batched_matmul,
    make_inputs=EinsumInputs(("a", "b"), ("bik", "bkj")),
    mistakes=(
        Mistake("transposed", EinsumFn("bik,bkj->bji", ("a", "b")),
                "Your result is transposed: did you write ...->bji? The output is [batch, i, j]."),
        Mistake("summed_batch", EinsumFn("bik,bkj->ij", ("a", "b")),
                "Your result has no batch axis: did you sum over the batch (...->ij)? Keep b in the output."),
        Mistake("kept_k", EinsumFn("bik,bkj->bikj", ("a", "b")),
                "Your result still has the shared axis k: leave it out after -> so that it is summed."),
    ),
)

_EACH = " for every `n`"
_WHY = "`out[n]` puts the {b} axis first; `X @ Y` then has one row per row of `X` and one column per column of `Y`."

#: the left factor as numpy (role ``t0``) brought to [example, i, k], per stored layout: examples first,
#: the matrix stored transposed, or examples second (a sequence-first layout)
_LEFT = {"bik": "t0", "bki": "np.swapaxes(t0, -1, -2)", "ibk": "np.swapaxes(t0, 0, 1)"}
#: the right factor brought to [example, k, j]: as it multiplies, or stored transposed
_RIGHT = {"bkj": "t1", "bjk": "np.swapaxes(t1, -1, -2)"}


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: the left factor stored [example, i, k], transposed, or examples second,
    the right one as it multiplies or transposed, each product laid out either way round (12
    layouts; every input layout is asked with both result layouts)."""
    return product_cases(_LEFT, _RIGHT, ("bij", "bji"))


SPEC = Spec(
    name="batched_matmul",
    cases=(
        Case("bik,bkj->bij", "`out[n] = {t0}[n] @ {t1}[n]`" + _EACH, "t0 @ t1", why=_WHY),
        Case("bik,bjk->bij", "`out[n] = {t0}[n] @ {t1}[n].T`" + _EACH, "t0 @ np.swapaxes(t1, -1, -2)", why=_WHY),
        Case("bki,bkj->bij", "`out[n] = {t0}[n].T @ {t1}[n]`" + _EACH, "np.swapaxes(t0, -1, -2) @ t1", why=_WHY),
        Case("bik,bkj->bji", "`out[n] = ({t0}[n] @ {t1}[n]).T`" + _EACH, "np.swapaxes(t0 @ t1, -1, -2)",
             why=_WHY + " `.T` swaps the two axes of each product."),
        Case("bkj,bik->bij", "`out[n] = {t0}[n] @ {t1}[n]`" + _EACH, "t0 @ t1", order=(1, 0), why=_WHY),
    ),
    axes={"b": "b:batch n:batch s:sample", "i": "i:i m:m r:row", "k": "k:k c:inner",
          "j": "j:j p:p o:col"},
    tensors=("a b", "x y", "A B", "P Q"),
    concept="A batch axis appears in every operand and in the output; only the shared inner axis is summed.",
    note="With no transposes it is the same as `torch.bmm`.",
    value_sizes={"b": (2,)},
    task="A batch of matrix products: for every example, multiply that example's matrix in `{t0}` by its matrix in "
         "`{t1}`, in that order, each factor used the way its shape fits; the example fixes which axis holds the "
         "examples and how the result is laid out.",
    task_cases=_task_cases(),
    task_axes={"b": "b:b n:n s:s", "i": "i:i m:m r:r", "k": "k:k c:c", "j": "j:j p:p o:o"},
)

FAMILY = Family(
    id="einsum.batched_matmul",
    title="Batched matrix product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="torch.bmm as an einsum: the batch axis is kept, the inner axis summed.",
    make=einsum_maker(SPEC),
    code_spec=CODE,
)
