"""Sums along an axis (Tensor-Puzzles' ``sum``): which axis disappears, and keepdim.

The value form runs ``sum`` over an axis (with and without keepdim, after slicing); the
misreadings (the other axis, everything, keepdim dropped) run too and must differ. The code
exercise is ``sum`` as a tensor puzzle: ``@`` with a column of ones built by where/arange, the
result of shape [1] as in Tensor-Puzzles (a scalar is the classic slip).
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, matrix, value_variant

ID = "tensors.sum"


def _mat(rng):
    R = rng.randint(2, 3)
    return {"x": matrix(rng, R, rng.choice([c for c in range(2, 5) if c != R]), -3, 9)}


STRUCTURES = (
    Structure("x.sum(0)", _mat, (("summed along the rows", "x.sum(1)"), ("summed everything", "x.sum()"))),
    Structure("x.sum(1)", _mat, (("summed down the columns", "x.sum(0)"), ("summed everything", "x.sum()"))),
    Structure("x.sum(1, keepdim=True)", _mat, (("summed down the columns", "x.sum(0, keepdim=True)"),
                                               ("dropped the kept axis", "x.sum(1)"))),
    Structure("x.sum(0, keepdim=True)", _mat, (("summed along the rows", "x.sum(1, keepdim=True)"),
                                               ("dropped the kept axis", "x.sum(0)"))),
    Structure("x[:, 1:].sum(1)", _mat, (("kept column 0", "x.sum(1)"), ("summed down the columns", "x[:, 1:].sum(0)"))),
    Structure("x.sum(-1) - x.sum(-1).max()", _mat, (("summed the first axis", "x.sum(0) - x.sum(0).max()"),
                                                    ("took the max of x", "x.sum(-1) - x.max()"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "x.sum(d) removes axis d: x.sum(0) adds the rows together (one entry per column), x.sum(1) one entry per row.",
            "keepdim=True keeps the summed axis with length 1, so the result stays 2-D.",
        ),
        explain=lambda s, a: f"`{s.expr}`: name the axis that disappears, then add along it.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a):
    return a.sum(0, keepdim=True)


def scalar(a):
    return a.sum()


def first_dropped(a):
    return a[1:].sum(0, keepdim=True)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    n = rng.randint(2, 12) if case else 1
    return {"a": torch.randn(n, generator=generator(rng))}


CODE = CodeSpec(
    function="sum",
    signature="def sum(a: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The sum of the 1-D tensor a, as a tensor of shape [1] (as in Tensor-Puzzles).\n"
        "A tensor puzzle: build a vector of ones from arange and where, and use @."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("scalar", scalar, "out has shape [1], not a scalar: a @ v with a 1-D v gives a 0-d tensor; use a column v[:, None]."),
        Mistake("first_dropped", first_dropped, "a[0] is left out: the ones vector needs every index (>= 0, not > 0)."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Sums along an axis",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run sums over an axis, with keepdim and after slicing, by hand; write sum as a tensor puzzle.",
    code_spec=CODE,
)
