"""einsum.tms_hidden: the first half of the TMS forward pass, features -> hidden, per instance."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker
from exercises.einsum._tms_fix import fix
from exercises.fixes import with_fix

_TASK = "`out[..., n, :] = {t0}[..., n, :] @ {t1}[n]{T}` for every `n`"
_WHY = ("Every instance is its own model: the {i} axis is kept like a batch axis, in the place `out[..., n, :]` "
        "gives it, and the {f} axis is summed.")
_A = "np.sum(t0[..., :, :, None] * t1, -2)"  # W [instance, feature, hidden]
_B = "np.sum(t0[..., :, None, :] * t1, -1)"  # W [instance, hidden, feature]


def _cases():
    out = []
    for w, T, numpy in (("ifh", "", _A), ("ihf", ".T", _B)):
        for batch in ("...", "b"):
            x = f"{batch}if"
            for order in ((0, 1), (1, 0)):
                terms = [x, w] if order == (0, 1) else [w, x]
                out.append(Case(f"{','.join(terms)}->{batch}ih", _TASK.replace("{T}", T), numpy,
                                order=order, why=_WHY,
                                mistakes=(("the hidden axis before the instance axis", f"{','.join(terms)}->{batch}hi"),
                                          ("summed over the instances", f"{','.join(terms)}->{batch}h"))))
    return tuple(out)


SPEC = Spec(
    name="tms_hidden",
    cases=_cases(),
    axes={"i": "i:instance n:instance", "f": "f:feature j:feature", "h": "h:hidden d:hidden k:hidden",
          "b": "b:batch s:sample"},
    tensors=("x W", "features W"),
    concept="Every instance is an independent model: the instance axis is a batch axis, not a summed one.",
    note="This is the first einsum of the TMS model's forward pass.",
    value_sizes={"i": (2,), "h": (2,), "b": (2,)},
)

FAMILY = Family(
    id="einsum.tms_hidden",
    title="TMS forward: features to hidden",
    forms=("write", "shape", "value", "fix"),
    difficulty=2,
    summary="h = W^T x for every instance of a Toy Models of Superposition model, whichever way W is stored.",
    make=with_fix(einsum_maker(SPEC), fix),
)
