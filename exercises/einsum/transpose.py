"""einsum.transpose: reorder the axes of a 3-D tensor (a permute, nothing summed)."""
import itertools
import random

from exercises.einsum._common import Case, Spec, einsum_family

_PERMS = [p for p in itertools.permutations(range(3)) if p != (0, 1, 2)]


def _case(rng: random.Random) -> Case:
    perm = rng.choice(_PERMS)
    inverse = tuple(perm.index(i) for i in range(3))
    out = "".join("ijk"[p] for p in perm)
    wrong = ["ijk->" + "".join("ijk"[p] for p in inverse), "ijk->ijk", "ijk->kji"]
    order = ", ".join("{" + "ijk"[p] + "}" for p in perm)
    return Case(f"ijk->{out}", f"`{{t0}}` with its axes reordered to ({order})",
                mistakes=tuple(m for m in dict.fromkeys(wrong) if m != f"ijk->{out}"),
                info={"perm": list(perm)},
                note=f"It is the same as `{{t0}}.permute({', '.join(map(str, perm))})`.")


FAMILY = einsum_family(Spec(
    name="transpose",
    title="Permuting axes",
    summary="x.permute(...) as an einsum: the output lists the same letters in a new order.",
    difficulty=1,
    cases=_case,
    axes={"i": "b:batch n:batch", "j": "c:channel t:time s:seq", "k": "w:width d:dim f:feature"},
    tensors=("x", "t", "img", "seq"),
    concept="Nothing is summed in a permute: every input axis appears once in the output.",
))
