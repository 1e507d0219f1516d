"""Rolling a tensor (Tensor-Puzzles' ``roll``): entries shift along an axis and wrap around.

The value form runs ``torch.roll`` or its arange-index form on a tiny tensor; the misreadings
(the other direction, a shift without wrapping, the other axis) run too and must differ. The
code exercise is ``roll`` as a tensor puzzle: index with a shifted ``arange`` taken modulo n.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, matrix, value_variant

ID = "tensors.roll"


def _vec(rng):
    n = rng.randint(4, 6)
    return {"a": ints(rng, n, -3, 9), "n": n}


def _mat(rng):
    R = rng.randint(2, 3)
    return {"x": matrix(rng, R, rng.choice([c for c in range(3, 5) if c != R]), -3, 9)}


STRUCTURES = (
    Structure("torch.roll(a, 1)", _vec, (("rolled the other way", "torch.roll(a, -1)"),
                                         ("shifted without wrapping", "torch.cat([a[:1] * 0, a[:-1]])"))),
    Structure("torch.roll(a, -1)", _vec, (("rolled the other way", "torch.roll(a, 1)"),
                                          ("shifted without wrapping", "torch.cat([a[1:], a[:1] * 0])"))),
    Structure("a[(torch.arange(n) + 1) % n]", _vec, (("read it as out[k + 1] = a[k]", "torch.roll(a, 1)"),
                                                     ("shifted by 2", "torch.roll(a, -2)"))),
    Structure("a[(torch.arange(n) - 2) % n]", _vec, (("read it as out[k - 2] = a[k]", "torch.roll(a, -2)"),
                                                     ("shifted by 1", "torch.roll(a, 1)"))),
    Structure("torch.roll(x, 1, 1)", _mat, (("rolled the rows", "torch.roll(x, 1, 0)"),
                                            ("rolled the other way", "torch.roll(x, -1, 1)"))),
    Structure("torch.roll(x, 1, 0)", _mat, (("rolled within each row", "torch.roll(x, 1, 1)"),
                                            ("rolled the other way", "torch.roll(x, -1, 0)"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "torch.roll(a, s) moves every entry s places towards the end: out[(k + s) % n] = a[k].",
            "Indexing with an index vector reads: out[k] = a[index[k]]; % n wraps the index around.",
        ),
        explain=lambda s, a: f"`{s.expr}`: every entry moves by the shift and the ones that fall off wrap around.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a):
    import torch

    return torch.roll(a, -1, 0)


def rolled_right(a):
    import torch

    return torch.roll(a, 1, 0)


def no_wrap(a):
    import torch

    return torch.cat([a[1:], a[:1] * 0])


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    n = rng.randint(3, 10) if case else 1
    return {"a": torch.randn(n, generator=generator(rng))}


CODE = CodeSpec(
    function="roll",
    signature="def roll(a: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The 1-D tensor a moved one place towards the front, wrapping around: out[k] = a[(k + 1) % n]\n"
        "(so the last entry is a[0]). A tensor puzzle: index a with an arange."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("rolled_right", rolled_right, "That rolls towards the end (out[k] = a[k - 1]): add 1 to the index, not subtract."),
        Mistake("no_wrap", no_wrap, "The last entry must wrap around to a[0]: take the index modulo n."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Rolling a tensor",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run torch.roll and its arange-modulo index by hand; write roll as a tensor puzzle.",
    code_spec=CODE,
)
