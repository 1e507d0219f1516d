"""einsum.sum_axes: sum a 3-D tensor over some of its axes (the dropped letters)."""
import random

from exercises.einsum._common import Case, Spec, einsum_family

_KEEPS = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]


def _case(rng: random.Random) -> Case:
    keep = rng.choice(_KEEPS)
    out = "".join("ijk"[p] for p in keep)
    gone = [c for c in "ijk" if c not in out]
    complement = "ijk->" + "".join(gone)
    wrong = [complement, "ijk->" if len(keep) == 1 else "ijk->" + out[::-1], "ijk->"]
    axes = " and ".join("{" + c + "}" for c in gone)
    noun = "axis" if len(gone) == 1 else "axes"
    return Case(f"ijk->{out}", f"the sum of `{{t0}}` over its {axes} {noun}",
                mistakes=tuple(dict.fromkeys(wrong)), info={"keep": list(keep)})


FAMILY = einsum_family(Spec(
    name="sum_axes",
    title="Summing over axes",
    summary="x.sum(dim=...) as an einsum: leave the summed letters out of the output.",
    difficulty=1,
    cases=_case,
    axes={"i": "b:batch n:batch", "j": "t:time s:seq p:pos", "k": "c:channel f:feature d:dim"},
    tensors=("x", "acts", "t"),
    concept="A letter that does not appear after `->` is summed over.",
))
