"""einsum.chain: three or more operands in one einsum — matrix chains, batched chains, sandwiches."""
from exercises.base import Family
from exercises.einsum._common import Case, Spec
from exercises.einsum._maker import einsum_maker

_CHAIN = "Every inner letter shared by neighbours is summed at once; the result keeps the outer rows and columns."
_EACH = " for every `n`"
_BATCH = _CHAIN + " `out[n]` puts the {b} axis first."

_SW = "np.swapaxes({}, -1, -2)"
_BF = "np.transpose({}, (2, 0, 1))"
_FOUR = ("A B C D", "P Q R S")
#: the task form's cases: transposed factors, batch axes first, last or on one factor only, the
#: result transposed, operands listed out of order (17 layouts over five kinds of inputs)
_TASK_CASES = (
    Case("ij,jk,kl->il", "", "t0 @ t1 @ t2"),
    Case("ij,jk,kl->li", "", "(t0 @ t1 @ t2).T"),
    Case("ij,kj,kl->il", "", "t0 @ t1.T @ t2"),
    Case("ji,jk,kl->il", "", "t0.T @ t1 @ t2"),
    Case("ij,jk,lk->il", "", "t0 @ t1 @ t2.T"),
    Case("kl,jk,ij->il", "", "t0 @ t1 @ t2", order=(2, 1, 0)),
    Case("bij,bjk,bkl->bil", "", "t0 @ t1 @ t2"),
    Case("bij,bjk,bkl->bli", "", _SW.format("t0 @ t1 @ t2")),
    Case("bij,bjk,bkl->ilb", "", "np.transpose(t0 @ t1 @ t2, (1, 2, 0))"),
    Case("bqd,bpd,bpv->bqv", "", "t0 @ " + _SW.format("t1") + " @ t2", tensors=("Q K V",)),
    Case("ijb,jkb,klb->bil", "", " @ ".join(_BF.format(t) for t in ("t0", "t1", "t2"))),
    Case("ij,bjk,kl->bil", "", "t0 @ t1 @ t2"),
    Case("ij,bjk,lk->bil", "", "t0 @ t1 @ t2.T"),
    Case("ji,bjk,kl->bil", "", "t0.T @ t1 @ t2"),
    Case("lm,ij,jk,kl->im", "", "t0 @ t1 @ t2 @ t3", order=(3, 0, 1, 2), tensors=_FOUR),
    Case("ij,jk,kl,lm->im", "", "t0 @ t1 @ t2 @ t3", tensors=_FOUR),
    Case("ij,jk,kl,lm->mi", "", "(t0 @ t1 @ t2 @ t3).T", tensors=_FOUR),
    Case("bi,bi,i->b", "", "np.sum(t0 * t1 * t2, -1)", tensors=("x y w", "u v g"),
         info={"task": "For every example, a weighted dot product of `{t0}` and `{t1}`: the entries of its two "
                       "vectors multiplied, each product weighted by `{t2}` (one weight per entry, shared by every "
                       "example), and summed."}),
)

SPEC = Spec(
    name="chain",
    cases=(
        Case("ij,jk,kl->li", "`({t0} @ {t1} @ {t2}).T`", "(t0 @ t1 @ t2).T",
             why=_CHAIN + " `.T` then swaps the result's two axes."),
        Case("kl,jk,ij->il", "`{t0} @ {t1} @ {t2}`, with the operands passed in reverse order", "t0 @ t1 @ t2",
             order=(2, 1, 0), why=_CHAIN + " The order the operands are passed in does not change the result's layout."),
        Case("bij,bjk,bkl->bil", "`out[n] = {t0}[n] @ {t1}[n] @ {t2}[n]`" + _EACH, "t0 @ t1 @ t2", why=_BATCH),
        Case("ij,bjk,kl->bil", "`out[n] = {t0} @ {t1}[n] @ {t2}`" + _EACH, "t0 @ t1 @ t2", why=_BATCH),
        Case("lm,ij,jk,kl->im", "`{t0} @ {t1} @ {t2} @ {t3}`, passing `{t3}` first", "t0 @ t1 @ t2 @ t3",
             order=(3, 0, 1, 2), tensors=("A B C D", "P Q R S"),
             why=_CHAIN + " The order the operands are passed in does not change the result's layout."),
        Case("bqd,bpd,bpv->bqv", "`out[n] = ({t0}[n] @ {t1}[n].T) @ {t2}[n]`" + _EACH +
             " (attention without the softmax)", "(t0 @ np.swapaxes(t1, -1, -2)) @ t2",
             tensors=("Q K V",), why=_BATCH),
        Case("bi,bi,i->b", "`out[n] = ({t0}[n] * {t1}[n] * {t2}).sum()`" + _EACH +
             " (a weighted dot product)", "np.sum(t0 * t1 * t2, -1)", tensors=("x y w", "u v g"),
             why="Each `out[n]` is one number: only the {b} axis is kept, the feature axis is summed over all three."),
    ),
    axes={"i": "i:i m:m", "j": "j:j r:r", "k": "k:k t:t", "l": "l:l o:o", "m": "m:m z:z",
          "b": "b:batch s:sample", "q": "q:query a:q_pos", "d": "d:d_head e:d_k",
          "p": "p:key c:k_pos", "v": "v:d_v f:d_value"},
    tensors=("A B C", "P Q R", "X Y Z"),
    concept="einsum takes any number of operands: a letter missing after `->` is summed over all of them at once.",
    value_sizes={"b": (2,), "i": (2,), "k": (2,), "l": (2,), "m": (2,), "q": (2,), "p": (2,), "v": (2,)},
    task='A chain of matrix products (per example where the inputs have a batch axis), the factors taken in the '
         'order the shapes allow (each one transposed where the shapes require it), the result laid out as its shape '
         'below shows.',
    task_cases=_TASK_CASES,
)

FAMILY = Family(
    id="einsum.chain",
    title="Chains of three or more operands",
    forms=("write", "shape", "value", "task"),
    difficulty=2,
    summary="A @ B @ C (and batched chains) in one einsum: inner letters summed, outer ones kept in the asked order.",
    make=einsum_maker(SPEC),
)
