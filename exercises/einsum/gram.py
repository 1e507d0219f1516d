"""einsum.gram: the Gram matrix W W^T over features (per instance), with a code spec."""
from exercises.base import CodeSpec, Family, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker


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

_HIDDEN = "the Gram matrix over the hidden axis instead"
_FEATURE = "the Gram matrix over the feature axis instead"
_HIDDEN_STORY = ("The Gram matrix of the hidden directions: for every instance (where there are several), the dot "
                 "product of every hidden unit's weights over the features with every other hidden unit's in `{t0}`, "
                 "the result laid out as its shape below shows.")
#: W as numpy (roles as ``t0``) brought to [instance, feature, hidden], per stored layout
_AS_IFH = {"ifh": "t0", "ihf": "np.swapaxes(t0, -1, -2)", "fih": "np.swapaxes(t0, 0, 1)"}
#: where the result's instance axis goes: first, between the two Gram axes, last
_PLACE = {0: "{}", 1: "np.transpose({}, (1, 0, 2))", 2: "np.transpose({}, (1, 2, 0))"}


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: the Gram matrix over the features (``W W^T``) or over the hidden
    units (``W^T W``, its classic mistake the other way round), W stored [instance, feature,
    hidden], [instance, hidden, feature] or [feature, instance, hidden] with the result's instance
    axis first, between or last, or one model's 2-D W either way round (22 layouts). The story
    says which Gram matrix; the result's shape, all sizes distinct, says where its axes go. Each
    input layout is asked with six results (three for one model), so recognising the inputs does
    not answer it."""
    out = []
    for w, ifh in _AS_IFH.items():
        for hidden in (False, True):
            a, b = ("h", "e") if hidden else ("f", "g")  # the kept axis and its second letter
            other = "f" if hidden else "h"
            w2 = w.replace(a, b)
            wrong = w.replace(other, "e" if not hidden else "g")
            base = f"np.swapaxes({ifh}, -1, -2) @ {ifh}" if hidden else f"{ifh} @ np.swapaxes({ifh}, -1, -2)"
            for place, fmt in _PLACE.items():
                res = [a, b]
                res.insert(place, "i")
                res = "".join(res)
                o, p = ("f", "g") if hidden else ("h", "e")
                out.append(Case(f"{w},{w2}->{res}", "", fmt.format(base), order=(0, 0),
                                info={"task": _HIDDEN_STORY} if hidden else {},
                                mistakes=((_FEATURE if hidden else _HIDDEN,
                                           f"{w},{wrong}->{res.replace(a, o).replace(b, p)}"),)))
    out += [
        Case("fh,gh->fg", "", "t0 @ t0.T", order=(0, 0), mistakes=((_HIDDEN, "fh,fe->he"),)),
        Case("hf,hg->fg", "", "t0.T @ t0", order=(0, 0), mistakes=((_HIDDEN, "hf,ef->he"),)),
        Case("fh,fe->he", "", "t0.T @ t0", order=(0, 0), info={"task": _HIDDEN_STORY},
             mistakes=((_FEATURE, "fh,gh->fg"),)),
        Case("hf,ef->he", "", "t0 @ t0.T", order=(0, 0), info={"task": _HIDDEN_STORY},
             mistakes=((_FEATURE, "hf,hg->fg"),)),
    ]
    return tuple(out)


_TASK_CASES = _task_cases()

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
          "g": "g:feature b:feature k:feature", "h": "h:hidden d:hidden",
          "e": "e:hidden c:hidden m:hidden"},  # a second hidden letter: the hidden Gram of the task form
    tensors=("W",),
    same_size={"g": "f", "e": "h"},
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
    summary="W W^T over features (per instance), the interference matrix of TMS, whichever way W is stored.",
    make=einsum_maker(SPEC),
    code_spec=CODE,
)
