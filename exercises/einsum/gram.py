"""einsum.gram: the Gram matrix W W^T over features (per instance), with a code spec."""
from exercises.base import CodeSpec, Family, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec, einsum_maker


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

_EACH = " for every `n`"
_WHY = ("Pass the same tensor twice and give its {f} axis a different letter in each: the {h} axis is summed, "
        "both {f} axes are kept.")

_SW = "np.swapaxes(t0, -1, -2)"
_HIDDEN = "the Gram matrix over the hidden axis instead"
#: the task form's cases: W stored [.., feature, hidden], [.., hidden, feature] or [feature,
#: instance, hidden], one model or a stack of instances, the result's instance axis first or last
#: (8 layouts; the result is symmetric, so only where its instance axis sits can vary). One idiom
#: (``W @ W.mT``) answers every stack depth alike, so stacks of layers would add no variety.
_TASK_CASES = (
    Case("ifh,igh->ifg", "", "t0 @ " + _SW, order=(0, 0), mistakes=((_HIDDEN, "ifh,ifg->ihg"),)),
    Case("ihf,ihg->ifg", "", _SW + " @ t0", order=(0, 0), mistakes=((_HIDDEN, "ihf,igf->ihg"),)),
    Case("ifh,igh->fgi", "", "np.transpose(t0 @ " + _SW + ", (1, 2, 0))", order=(0, 0)),
    Case("ihf,ihg->fgi", "", "np.transpose(" + _SW + " @ t0, (1, 2, 0))", order=(0, 0)),
    Case("fih,gih->ifg", "", "np.swapaxes(t0, 0, 1) @ np.transpose(t0, (1, 2, 0))", order=(0, 0)),
    Case("fih,gih->fgi", "", "np.transpose(np.swapaxes(t0, 0, 1) @ np.transpose(t0, (1, 2, 0)), (1, 2, 0))",
         order=(0, 0)),
    Case("fh,gh->fg", "", "t0 @ t0.T", order=(0, 0), mistakes=((_HIDDEN, "fh,fg->hg"),)),
    Case("hf,hg->fg", "", "t0.T @ t0", order=(0, 0), mistakes=((_HIDDEN, "hf,gf->hg"),)),
)

SPEC = Spec(
    name="gram",
    cases=(
        Case("ifh,igh->ifg", "the Gram matrix over features, `G[n] = {t0}[n] @ {t0}[n].T`" + _EACH,
             "t0 @ np.swapaxes(t0, -1, -2)", order=(0, 0), why=_WHY + " `G[n]` puts the {i} axis first.",
             mistakes=(("W^T W (hidden x hidden) instead", "ifh,ifg->ihg"), ("only the diagonal", "ifh,ifh->if"))),
        Case("ihf,ihg->ifg", "the Gram matrix over features, `G[n] = {t0}[n].T @ {t0}[n]`" + _EACH,
             "np.swapaxes(t0, -1, -2) @ t0", order=(0, 0), why=_WHY + " `G[n]` puts the {i} axis first.",
             mistakes=(("W W^T (hidden x hidden) instead", "ihf,igf->ihg"), ("only the diagonal", "ihf,ihf->if"))),
        Case("fh,gh->fg", "the Gram matrix over features, `G = {t0} @ {t0}.T`", "t0 @ t0.T", order=(0, 0),
             why=_WHY, mistakes=(("W^T W (hidden x hidden) instead", "fh,fg->hg"), ("only the diagonal", "fh,fh->f"))),
    ),
    axes={"i": "i:instance n:instance", "f": "f:feature a:feature j:feature",
          "g": "g:feature b:feature k:feature", "h": "h:hidden d:hidden"},
    tensors=("W",),
    same_size={"g": "f"},
    concept="The same tensor can be passed twice; give its feature axis a different letter each time.",
    note="Its off-diagonal entries are the interference between features in TMS.",
    permute_write=False,  # G is symmetric: swapping its two feature axes changes nothing
    value_sizes={"i": (1, 2), "h": (2,)},
    task="The Gram matrix of the feature directions: for every instance (where there are several), the dot "
         "product of every feature's vector with every other feature's vector in `{t0}`, the result laid out as its "
         "shape below shows.",
    task_cases=_TASK_CASES,
)

FAMILY = Family(
    id="einsum.gram",
    title="Gram matrix per instance",
    forms=("write", "shape", "value", "task"),
    difficulty=2,
    pooled=("write",),  # a 2-D result (or a symmetric one): see exercises/solvers.py
    summary="W W^T over features (per instance), the interference matrix of TMS, whichever way W is stored.",
    make=einsum_maker(SPEC),
    code_spec=CODE,
)
