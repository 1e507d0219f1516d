"""einsum.tms_back: the second half of the TMS forward pass, hidden -> features, per instance."""
from exercises.base import Family
from exercises.einsum._common import Spec
from exercises.einsum._maker import einsum_maker
from exercises.einsum._tms import tms_cases, tms_task_cases

_WHY = ("The same W maps back: the {i} axis is kept like a batch axis, in the place `out[..., n, :]` gives it, "
        "and now the {h} axis is summed.")
_A = "np.sum(t0[..., :, None, :] * t1, -1)"  # W [instance, feature, hidden]
_B = "np.sum(t0[..., :, :, None] * t1, -2)"  # W [instance, hidden, feature]


def _cases():
    return tms_cases("h", "f", "feature", (".T", ""), (_A, _B), _WHY)


SPEC = Spec(
    name="tms_back",
    cases=_cases(),
    axes={"i": "i:instance n:instance", "f": "f:feature j:feature", "h": "h:hidden d:hidden k:hidden",
          "b": "b:batch s:sample"},
    tensors=("z W", "acts W", "h W"),
    concept="The same W maps back: now the hidden axis is the one that is summed, per instance.",
    note="This is the second einsum of the TMS model's forward pass, before the bias and ReLU.",
    value_sizes={"i": (2,), "h": (2,), "b": (2,)},
    task="The second half of a toy model of superposition: map the hidden vectors `{t0}` back to feature space with each instance's own weights `{t1}`: for every instance (and every sample where there is a batch of them), each feature's output is the dot product of the hidden vector with that feature's weight vector, the result laid out as its shape below shows.",
    task_cases=tms_task_cases("h", "f", _WHY),
)

FAMILY = Family(
    id="einsum.tms_back",
    title="TMS forward: hidden back to features",
    forms=("write", "shape", "value", "task"),
    difficulty=2,
    summary="W h for every instance of a Toy Models of Superposition model, whichever way W is stored.",
    make=einsum_maker(SPEC),
)
