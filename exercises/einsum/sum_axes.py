"""einsum.sum_axes: sum a 3-D tensor over some of its axes (the dropped letters)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker

_KEEPS = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]


def _case(keep: tuple[int, ...], negative: bool) -> Case:
    out = "".join("ijk"[p] for p in keep)
    gone = [c for c in "ijk" if c not in out]
    dims = tuple(p for p in range(3) if p not in keep)
    said = tuple(d - 3 for d in dims) if negative else dims
    arg = str(said[0]) if len(said) == 1 else str(said)
    return Case(f"ijk->{out}", f"`{{t0}}.sum(dim={arg})`", f"t0.sum(axis={dims})",
                mistakes=(("kept the summed axes instead", "ijk->" + "".join(gone)), ("summed everything", "ijk->")),
                why="`dim` counts axes from 0 (or from -1 at the end); the kept axes stay in their original order.",
                info={"keep": list(keep)})


SPEC = Spec(
    name="sum_axes",
    cases=tuple(_case(k, neg) for k in _KEEPS for neg in (False, True)),
    axes={"i": "b:batch n:batch", "j": "t:time s:seq p:pos", "k": "c:channel f:feature e:embed"},
    tensors=("x", "acts", "t"),
    concept="A letter that does not appear after `->` is summed over.",
    task="Add up the entries of `{t0}` over the axes that the example's result no longer has.",
)

FAMILY = Family(
    id="einsum.sum_axes",
    title="Summing over axes",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="x.sum(dim=...) as an einsum: leave the summed letters out of the output.",
    make=einsum_maker(SPEC),
)
