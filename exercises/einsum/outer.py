"""einsum.outer: the outer product of two vectors, with a code spec."""
from exercises.base import CodeSpec, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, einsum_family


def outer(u, v):
    """Reference: out[i, j] = u[i] * v[j]."""
    import torch

    return torch.einsum("i,j->ij", u, v)


CODE = CodeSpec(
    function="outer",
    signature="def outer(u, v):",
    doc="Return the outer product of the vectors `u` [i] and `v` [j]: a tensor [i, j] "
        "with out[i, j] = u[i] * v[j].",
    reference=outer,
    make_inputs=EinsumInputs(("u", "v"), ("i", "j")),
    mistakes=(
        Mistake("transposed", EinsumFn("i,j->ji", ("u", "v")),
                "Your result is transposed: did you write i,j->ji? Rows follow u."),
        Mistake("summed", EinsumFn("i,j->", ("u", "v")),
                "You summed everything: an outer product keeps both axes (i,j->ij)."),
    ),
)

FAMILY = einsum_family(Spec(
    name="outer",
    title="Outer product",
    summary="Every pair of entries multiplied: two letters, both kept, nothing summed.",
    difficulty=1,
    cases=(Case("i,j->ij", "the outer product of `{t0}` and `{t1}` (`{t0}[{i}] * {t1}[{j}]` for every pair)",
                mistakes=("i,j->ji", "i,j->")),),
    axes={"i": "i:i m:m", "j": "j:j n:n"},
    tensors=("u v", "x y", "a b"),
    concept="When no letter is shared and none is dropped, einsum multiplies every pair of entries.",
    note="It is the same as `torch.outer`.",
    code_spec=CODE,
))
