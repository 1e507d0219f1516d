"""einsum.sum_axes: sum a 3-D tensor over some of its axes (the dropped letters)."""
import itertools

from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

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


def _task_case(rank: int, keep: tuple[int, ...], keepdim: bool) -> Case:
    axes = "ijkl"[:rank]
    out = "".join(axes[p] for p in keep)
    gone = "".join(c for c in axes if c not in out)
    dims = tuple(p for p in range(rank) if p not in keep)
    return Case(f"{axes}->{out}", "", f"t0.sum(axis={dims}, keepdims=True)" if keepdim else f"t0.sum(axis={dims})",
                mistakes=(("kept the summed axes instead", f"{axes}->{gone}"), ("summed everything", f"{axes}->")),
                info={"keep": list(keep), "keepdim": keepdim})


def _task_cases() -> tuple[Case, ...]:
    """The task form's cases: a three-axis tensor summed over one or two axes, the summed axes
    dropped or kept with size 1, and a four-axis tensor summed over one to three axes (26 layouts;
    results of one rank come from several inputs' layouts)."""
    three = [_task_case(3, k, kd) for kd in (False, True) for k in _KEEPS]
    four = [_task_case(4, k, False) for n in (1, 2, 3) for k in itertools.combinations(range(4), n)]
    return tuple(three + four)


SPEC = Spec(
    name="sum_axes",
    cases=tuple(_case(k, neg) for k in _KEEPS for neg in (False, True)),
    axes={"i": "b:batch n:batch", "j": "t:time s:seq p:pos", "k": "c:channel f:feature e:embed"},
    tensors=("x", "acts", "t"),
    concept="A letter that does not appear after `->` is summed over.",
    task="Add up the entries of `{t0}` over the axes that the example's result no longer has, or keeps with a "
         "single entry.",
    task_cases=_task_cases(),
    task_axes={"i": "a:a b:b n:n", "j": "t:t s:s p:p", "k": "c:c f:f e:e", "l": "h:h g:g d:d"},
)

FAMILY = Family(
    id="einsum.sum_axes",
    title="Summing over axes",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="x.sum(dim=...) as an einsum: leave the summed letters out of the output.",
    make=einsum_maker(SPEC),
)
