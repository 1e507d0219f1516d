"""Flipping a tensor (Tensor-Puzzles' ``flip``): read it back to front along an axis.

The value form runs ``flip`` or its arange-index form; the misreadings (the index ``-arange(n)``
that keeps a[0] first, the other axis, no flip) run too and must differ. The code exercise is
``flip`` as a tensor puzzle: index with ``n - 1 - arange(n)``.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, matrix, value_variant

ID = "tensors.flip"


def _vec(rng):
    n = rng.randint(4, 6)
    return {"a": ints(rng, n, -3, 9), "n": n}


def _mat(rng):
    R = rng.randint(2, 3)
    return {"x": matrix(rng, R, rng.choice([c for c in range(2, 5) if c != R]), -3, 9)}


STRUCTURES = (
    Structure("a[n - 1 - torch.arange(n)]", _vec, (("forgot the - 1 (so a[0] stays first)", "a[-torch.arange(n)]"),
                                                   ("did not flip", "a"))),
    Structure("a[-torch.arange(n)]", _vec, (("read it as a full flip", "a.flip(0)"), ("did not flip", "a"))),
    Structure("a[n - 2 - torch.arange(n)]", _vec, (("read it as a full flip", "a.flip(0)"),
                                                   ("rolled instead of flipping", "torch.roll(a, 1)"))),
    Structure("x.flip(1)", _mat, (("flipped the rows' order", "x.flip(0)"), ("flipped both axes", "x.flip(0).flip(1)"))),
    Structure("x.flip(0)", _mat, (("flipped within each row", "x.flip(1)"), ("flipped both axes", "x.flip(0).flip(1)"))),
    Structure("x[:, -1 - torch.arange(2)]", _mat, (("took the first two columns", "x[:, torch.arange(2)]"),
                                                   ("flipped the rows", "x.flip(0)[:2]"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "Indexing with an index vector reads: out[k] = a[index[k]]; a negative index counts from the end (-1 is the last).",
            "x.flip(d) reverses the order along axis d only: flip(1) reverses each row, flip(0) the order of the rows.",
        ),
        explain=lambda s, a: f"`{s.expr}`: write down the index each entry reads, then read it off.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a):
    return a.flip(0)


def kept_first(a):
    import torch

    return torch.cat([a[:1], a[1:].flip(0)])


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    n = rng.randint(2, 10) if case else 1
    return {"a": torch.randn(n, generator=generator(rng))}


CODE = CodeSpec(
    function="flip",
    signature="def flip(a: torch.Tensor) -> torch.Tensor:",
    doc="The 1-D tensor a back to front: out[k] = a[n - 1 - k]. A tensor puzzle: index a with an arange.",
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("kept_first", kept_first,
                "a[0] stayed first: the index -k (or n - k) is one off; the last entry is n - 1 - k at k = 0."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Flipping a tensor",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run flips and reversed-arange indexing by hand; write flip as a tensor puzzle.",
    code_spec=CODE,
)
