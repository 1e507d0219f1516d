"""einsum.gram: the Gram matrix W W^T of every instance (feature x feature), with a code spec."""
from exercises.base import CodeSpec, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, einsum_family


def gram(W):
    """Reference: G[i] = W[i] @ W[i].T for every instance i."""
    import torch

    return torch.einsum("ifh,igh->ifg", W, W)


CODE = CodeSpec(
    function="gram",
    signature="def gram(W):",
    doc="Return the Gram matrix of every instance of `W` [instance, feature, hidden]: a tensor "
        "[instance, feature, feature] with G[i] = W[i] @ W[i].T (dot products between features).",
    reference=gram,
    make_inputs=EinsumInputs(("W",), ("ifh",)),
    mistakes=(
        Mistake("hidden_gram", EinsumFn("ifh,ifg->ihg", ("W", "W")),
                "You computed W^T W (hidden x hidden): the Gram matrix here is over features, sum the hidden axis."),
        Mistake("summed_instances", EinsumFn("ifh,igh->fg", ("W", "W")),
                "Your result has no instance axis: did you sum over instances? Keep i in the output (ifh,igh->ifg)."),
        Mistake("diagonal_only", EinsumFn("ifh,ifh->if", ("W", "W")),
                "You returned only the squared norms (the diagonal): use two feature letters, f and g."),
    ),
)

FAMILY = einsum_family(Spec(
    name="gram",
    title="Gram matrix per instance",
    summary="W W^T for every instance: ifh,igh->ifg, the interference matrix of TMS.",
    difficulty=2,
    cases=(Case("ifh,igh->ifg",
                "the Gram matrix of every instance, `{t0}[n] @ {t0}[n].T` for every {i} `n` ({f} by {f})",
                mistakes=("ifh,ifg->ihg", "ifh,igh->fg", "ifh,ifh->if")),),
    axes={"i": "i:instance n:instance", "f": "f:feature a:feature j:feature",
          "g": "g:feature b:feature k:feature", "h": "h:hidden d:hidden"},
    tensors=("W W",),
    same_size={"g": "f"},
    concept="The same tensor can be passed twice; give its feature axis a different letter each time.",
    note="Its off-diagonal entries are the interference between features in TMS.",
    value_sizes={"i": (1, 2), "h": (2,)},
    code_spec=CODE,
))
