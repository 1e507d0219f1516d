"""einsum.outer: outer products of vectors (one pair, or one per batch index), with a code spec."""
from exercises.base import CodeSpec, Family, Mistake
from exercises.einsum._code import EinsumFn, EinsumInputs
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker


def outer(u, v):
    """Reference: out[i, j] = u[i] * v[j]."""
    import torch

    return torch.einsum("i,j->ij", u, v)


CODE = CodeSpec(
    function="outer",
    signature="def outer(u, v):",
    doc="Return the outer product of the vectors `u` [i] and `v` [j]: a tensor [i, j] "
        "with out[i, j] = u[i] * v[j].",
    reference=outer,
    make_inputs=EinsumInputs(("u", "v"), ("i", "j")),
    mistakes=(
        Mistake("transposed", EinsumFn("i,j->ji", ("u", "v")),
                "Your result is transposed: did you write i,j->ji? Rows follow u."),
        Mistake("summed", EinsumFn("i,j->", ("u", "v")),
                "You summed everything: an outer product keeps both axes (i,j->ij)."),
    ),
)

_EACH = " for every `n`"
_WHY = "`torch.outer(p, q)` has one row per entry of `p` and one column per entry of `q`; nothing is summed."

_THREE = ("u v w", "x y z", "a b c")
_OUT3 = "np.multiply.outer(np.multiply.outer(t0, t1), t2)"
#: the task form's cases: which factor gives the rows, batch axes first, last or on one factor
#: only, three factors in any order (16 layouts over five kinds of inputs)
_TASK_CASES = (
    Case("i,j->ij", "", "np.multiply.outer(t0, t1)"),
    Case("i,j->ji", "", "np.multiply.outer(t1, t0)"),
    Case("bi,bj->bij", "", "t0[:, :, None] * t1[:, None, :]"),
    Case("bi,bj->bji", "", "t1[:, :, None] * t0[:, None, :]"),
    Case("ib,bj->bij", "", "t0.T[:, :, None] * t1[:, None, :]"),
    Case("bi,jb->bij", "", "t0[:, :, None] * t1.T[:, None, :]"),
    Case("ib,jb->bij", "", "t0.T[:, :, None] * t1.T[:, None, :]"),
    Case("bi,bj->ijb", "", "t0.T[:, None, :] * t1.T[None, :, :]"),
    Case("bi,j->bij", "", "t0[:, :, None] * t1"),
    Case("bi,j->bji", "", "t1[None, :, None] * t0[:, None, :]"),
    Case("j,bi->bij", "", "t0[:, :, None] * t1", order=(1, 0)),
    Case("j,bi->bji", "", "t1[None, :, None] * t0[:, None, :]", order=(1, 0)),
    Case("i,j,k->ijk", "", _OUT3, tensors=_THREE),
    Case("k,j,i->ijk", "", _OUT3, order=(2, 1, 0), tensors=_THREE),
    Case("i,j,k->kij", "", "np.multiply.outer(t2, np.multiply.outer(t0, t1))", tensors=_THREE),
    Case("i,j,k->jik", "", "np.multiply.outer(np.multiply.outer(t1, t0), t2)", tensors=_THREE),
)

SPEC = Spec(
    name="outer",
    cases=(
        Case("i,j->ji", "`torch.outer({t1}, {t0})`", "np.multiply.outer(t1, t0)", why=_WHY),
        Case("ib,bj->bij", "`out[n] = torch.outer({t0}[:, n], {t1}[n])`" + _EACH,
             "t0.T[:, :, None] * t1[:, None, :]", why=_WHY + " `out[n]` puts the {b} axis first."),
        Case("bj,bi->bij", "`out[n] = torch.outer({t0}[n], {t1}[n])`" + _EACH,
             "t0[:, :, None] * t1[:, None, :]", order=(1, 0), why=_WHY + " `out[n]` puts the {b} axis first."),
        Case("ib,jb->bij", "`out[n] = torch.outer({t0}[:, n], {t1}[:, n])`" + _EACH,
             "t0.T[:, :, None] * t1.T[:, None, :]", why=_WHY + " `out[n]` puts the {b} axis first."),
        Case("ib,bj->bji", "`out[n] = torch.outer({t1}[n], {t0}[:, n])`" + _EACH,
             "t1[:, :, None] * t0.T[:, None, :]", why=_WHY + " `out[n]` puts the {b} axis first."),
        Case("bi,jb->bji", "`out[n] = torch.outer({t1}[:, n], {t0}[n])`" + _EACH,
             "t1.T[:, :, None] * t0[:, None, :]", why=_WHY + " `out[n]` puts the {b} axis first."),
        Case("bi,bj,bk->bijk", "`out[n, p, r, s] = {t0}[n, p] * {t1}[n, r] * {t2}[n, s]` (three vectors per example)",
             "t0[:, :, None, None] * t1[:, None, :, None] * t2[:, None, None, :]", tensors=("u v w", "x y z", "a b c"),
             why="Each factor contributes its own axis, in the order its index appears in `out[n, p, r, s]`; "
                 "the {b} axis is shared, so it appears once."),
        Case("k,j,i->ijk", "`out[p, r, s] = {t0}[p] * {t1}[r] * {t2}[s]` (the outer product of three vectors)",
             "np.multiply.outer(np.multiply.outer(t0, t1), t2)", order=(2, 1, 0),
             tensors=("u v w", "x y z", "a b c"),
             why="Each factor contributes its own axis, in the order its index appears in `out[p, r, s]`."),
    ),
    axes={"i": "i:i m:m", "j": "j:j q:q", "k": "k:k o:o", "b": "b:batch s:sample"},
    tensors=("u v", "x y", "a b"),
    concept="When no letter is shared and none is dropped, einsum multiplies every pair of entries.",
    value_sizes={"b": (2,), "k": (2,)},
    task='Outer products: every entry of one vector times every entry of the other(s), for every example where '
         'there is a batch axis, the result laid out as its shape below shows.',
    task_cases=_TASK_CASES,
)

FAMILY = Family(
    id="einsum.outer",
    title="Outer product",
    forms=("write", "shape", "value", "task"),
    difficulty=1,
    summary="Every pair of entries multiplied: letters kept, nothing summed, in the order the product asks.",
    make=einsum_maker(SPEC),
    code_spec=CODE,
)
