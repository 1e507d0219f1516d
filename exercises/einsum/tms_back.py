"""einsum.tms_back: the second half of the TMS forward pass, hidden -> features, per instance."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="tms_back",
    title="TMS forward: hidden back to features",
    summary="W h for every instance of a Toy Models of Superposition model: ...ih,ifh->...if.",
    difficulty=2,
    cases=(Case("...ih,ifh->...if",
                "the features read back from the hidden activations, "
                "`{t0}[..., n, :] @ {t1}[n].T` for every {i} `n`",
                mistakes=("...ih,ifh->...fi", "...ih,ifh->...f")),),
    axes={"i": "i:instance n:instance", "f": "f:feature j:feature", "h": "h:hidden d:hidden k:hidden"},
    tensors=("h W", "hidden W", "z W"),
    concept="The same W maps back: now the hidden axis is the one that is summed, per instance.",
    note="This is the second einsum of the TMS model's forward pass, before the bias and ReLU.",
    value_sizes={"i": (2,), "h": (2,)},
))
