"""einsum.tms_hidden: the first half of the TMS forward pass, features -> hidden, per instance."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="tms_hidden",
    title="TMS forward: features to hidden",
    summary="h = W^T x for every instance of a Toy Models of Superposition model: ...if,ifh->...ih.",
    difficulty=2,
    cases=(Case("...if,ifh->...ih",
                "the hidden activations: each instance's features projected through that instance's "
                "weights, `hidden[..., n, :] = {t0}[..., n, :] @ {t1}[n]` for every {i} `n`",
                mistakes=("...if,ifh->...hi", "...if,ifh->...h")),),
    axes={"i": "i:instance n:instance", "f": "f:feature j:feature", "h": "h:hidden d:hidden k:hidden"},
    tensors=("x W", "features W"),
    concept="Every instance is an independent model: the instance axis is a batch axis, not a summed one.",
    note="This is the first einsum of the TMS model's forward pass.",
    value_sizes={"i": (2,), "h": (2,)},
))
