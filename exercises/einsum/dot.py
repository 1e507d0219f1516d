"""einsum.dot: the dot product of two vectors (or of each pair of rows in a batch)."""
from exercises.einsum._common import Case, Spec, einsum_family

FAMILY = einsum_family(Spec(
    name="dot",
    title="Dot product",
    summary="A shared letter missing from the output is multiplied and summed.",
    difficulty=1,
    cases=(
        Case("i,i->", "the dot product of `{t0}` and `{t1}`", mistakes=("i,i->i",),
             info={"batched": False}),
        Case("bi,bi->b", "the dot product of `{t0}[n]` and `{t1}[n]` for every {b} index `n`",
             mistakes=("bi,bi->bi", "bi,bi->", "bi,bi->i"), info={"batched": True}),
    ),
    axes={"i": "i:dim d:d k:k e:embed", "b": "b:batch n:batch s:sample"},
    tensors=("u v", "x y", "a b", "p q", "v w"),
    concept="Multiply matching entries, then sum: the shared axis is dropped from the output.",
))
