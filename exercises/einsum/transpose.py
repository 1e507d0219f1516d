"""einsum.transpose: reorder the axes of a 3-D tensor (a permute, nothing summed)."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

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


#: the task form's four-axis permutations: channels-last and back, heads and positions swapped, the
#: last two swapped, the first two swapped, all reversed, and mixed moves
_TASK_PERMS_4 = ((0, 2, 3, 1), (0, 3, 1, 2), (0, 2, 1, 3), (0, 1, 3, 2), (1, 0, 2, 3), (3, 2, 1, 0),
                 (1, 2, 0, 3), (2, 0, 1, 3), (0, 3, 2, 1), (1, 0, 3, 2))


def _task_case(perm: tuple[int, ...]) -> Case:
    axes = "ijkl"[:len(perm)]
    inverse = tuple(perm.index(i) for i in range(len(perm)))
    out = "".join(axes[p] for p in perm)
    wrong = [("the inverse permutation", f"{axes}->" + "".join(axes[p] for p in inverse)),
             ("nothing moved", f"{axes}->{axes}"), ("all axes reversed", f"{axes}->{axes[::-1]}")]
    return Case(f"{axes}->{out}", "", f"np.transpose(t0, {perm})",
                mistakes=tuple((w, e) for w, e in wrong if e != f"{axes}->{out}"), info={"perm": list(perm)})


SPEC = Spec(
    name="transpose",
    cases=tuple(_case(p, s) for p, spellings in _SPELLINGS.items() for s in spellings),
    axes={"i": "b:batch n:batch", "j": "c:channel t:time s:seq", "k": "w:width d:dim f:feature"},
    tensors=("x", "t", "img", "seq"),
    concept="Nothing is summed in a permute: every input axis appears once in the output.",
    task='Reorder the axes of `{t0}` so that the result is laid out as the example shows.',
    # every move of three axes and ten of four (15 layouts): the example's sizes say which
    task_cases=tuple(_task_case(p) for p in (*_SPELLINGS, *_TASK_PERMS_4)),
    task_axes={"i": "a:a b:b n:n", "j": "c:c t:t s:s", "k": "w:w d:d f:f", "l": "h:h e:e g:g"},
)

FAMILY = Family(
    id="einsum.transpose",
    title="Permuting axes",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="x.permute(...) as an einsum: the output lists the same letters in a new order.",
    make=einsum_maker(SPEC),
)
