"""einsum.transpose: reorder the axes of a 3-D tensor (a permute, nothing summed)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec, einsum_maker

# Each permutation, said two ways PyTorch code says it.
_SPELLINGS = {
    (0, 2, 1): ("`{t0}.transpose(1, 2)`", "`{t0}.mT`"),
    (1, 0, 2): ("`{t0}.transpose(0, 1)`", "`{t0}.permute(1, 0, 2)`"),
    (2, 1, 0): ("`{t0}.transpose(0, 2)`", "`{t0}.permute(2, 1, 0)`"),
    (1, 2, 0): ("`{t0}.permute(1, 2, 0)`", "`{t0}.movedim(0, -1)`"),
    (2, 0, 1): ("`{t0}.permute(2, 0, 1)`", "`{t0}.movedim(-1, 0)`"),
}


def _case(perm: tuple[int, ...], said: str) -> Case:
    inverse = tuple(perm.index(i) for i in range(3))
    out = "".join("ijk"[p] for p in perm)
    wrong = [("the inverse permutation", "ijk->" + "".join("ijk"[p] for p in inverse)),
             ("nothing moved", "ijk->ijk"), ("all axes reversed", "ijk->kji")]
    return Case(f"ijk->{out}", said, f"np.transpose(t0, {perm})",
                mistakes=tuple((w, e) for w, e in wrong if e != f"ijk->{out}"),
                why=f"Output axis `d` is input axis `perm[d]`: this is `{{t0}}.permute{perm}`.",
                info={"perm": list(perm)})


SPEC = Spec(
    name="transpose",
    cases=tuple(_case(p, s) for p, spellings in _SPELLINGS.items() for s in spellings),
    axes={"i": "b:batch n:batch", "j": "c:channel t:time s:seq", "k": "w:width d:dim f:feature"},
    tensors=("x", "t", "img", "seq"),
    concept="Nothing is summed in a permute: every input axis appears once in the output.",
    task='Reorder the axes of `{t0}` so that the result is laid out as the example shows.',
)

FAMILY = Family(
    id="einsum.transpose",
    title="Permuting axes",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="x.permute(...) as an einsum: the output lists the same letters in a new order.",
    make=einsum_maker(SPEC),
)
