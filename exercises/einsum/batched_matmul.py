"""einsum.batched_matmul: a matrix product per batch element (torch.bmm), with a code spec."""
from exercises.base import CodeSpec, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, einsum_family


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

FAMILY = einsum_family(Spec(
    name="batched_matmul",
    title="Batched matrix product",
    summary="torch.bmm as an einsum: the batch axis is kept, the inner axis summed.",
    difficulty=1,
    cases=(Case("bik,bkj->bij", "the batched matrix product, `{t0}[n] @ {t1}[n]` for every {b} index `n`",
                mistakes=("bik,bkj->bji", "bik,bkj->ij", "bik,bkj->bikj")),),
    axes={"b": "b:batch n:batch s:sample", "i": "i:i m:m r:row", "k": "k:k c:inner",
          "j": "j:j p:p o:col"},
    tensors=("a b", "x y", "A B", "P Q"),
    concept="A batch axis appears in every operand and in the output; only the shared inner axis is summed.",
    note="It is the same as `torch.bmm`.",
    value_sizes={"b": (2,)},
    code_spec=CODE,
))
