"""einsum.tms_hidden: the first half of the TMS forward pass, features -> hidden, per instance."""
from exercises.base import Family
from exercises.einsum._common import Spec
from exercises.einsum._maker import einsum_maker
from exercises.einsum._tms import tms_cases, tms_task_cases
from exercises.einsum._tms_fix import fix
from exercises.fixes import with_fix

_WHY = ("Every instance is its own model: the {i} axis is kept like a batch axis, in the place `out[..., n, :]` "
        "gives it, and the {f} axis is summed.")
_A = "np.sum(t0[..., :, :, None] * t1, -2)"  # W [instance, feature, hidden]
_B = "np.sum(t0[..., :, None, :] * t1, -1)"  # W [instance, hidden, feature]


def _cases():
    return tms_cases("f", "h", "hidden", ("", ".T"), (_A, _B), _WHY)


SPEC = Spec(
    name="tms_hidden",
    cases=_cases(),
    axes={"i": "i:instance n:instance", "f": "f:feature j:feature", "h": "h:hidden d:hidden k:hidden",
          "b": "b:batch s:sample"},
    tensors=("x W", "features W"),
    concept="Every instance is an independent model: the instance axis is a batch axis, not a summed one.",
    note="This is the first einsum of the TMS model's forward pass.",
    value_sizes={"i": (2,), "h": (2,), "b": (2,)},
    task="The first half of a toy model of superposition: project the feature vectors `{t0}` (one per instance, for every sample where there is a batch of them) into the hidden space with each instance's own weight matrix `{t1}`, the result laid out as its shape below shows.",
    task_cases=tms_task_cases("f", "h", _WHY),
)

FAMILY = Family(
    id="einsum.tms_hidden",
    title="TMS forward: features to hidden",
    forms=("write", "shape", "value", "task", "fix"),
    difficulty=2,
    summary="h = W^T x for every instance of a Toy Models of Superposition model, whichever way W is stored.",
    make=with_fix(einsum_maker(SPEC), fix),
)
