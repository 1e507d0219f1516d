"""Cumulative sums: inclusive, exclusive, reversed, along either axis, and as a product with a
triangular mask (how Tensor-Puzzles and ARENA build them without ``cumsum``).

The value form runs one of those on a tiny integer tensor; the misreadings (exclusive for
inclusive, the other direction, the other axis, the mask transposed) run too and must give
another answer. The code exercise is ``cumsum`` as a tensor puzzle: ``@`` with an arange mask.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, matrix, value_variant

ID = "tensors.cumsum"


def _vec(rng):
    return {"a": ints(rng, rng.randint(4, 6), -3, 6)}


def _mat(rng):
    R = rng.randint(2, 3)
    C = rng.choice([c for c in range(2, 5) if c != R])
    return {"x": matrix(rng, R, C, -3, 6)}


def _vec_mask(rng):
    n = rng.randint(3, 5)
    return {"a": ints(rng, n, -3, 6), "n": n}


STRUCTURES = (
    Structure("a.cumsum(0)", _vec, (("left out each entry itself (exclusive)", "a.cumsum(0) - a"),
                                    ("summed from the right", "a.flip(0).cumsum(0).flip(0)"))),
    Structure("a.cumsum(0) - a", _vec, (("kept each entry (inclusive)", "a.cumsum(0)"),
                                        ("subtracted the total", "a.cumsum(0) - a.sum()"))),
    Structure("a.flip(0).cumsum(0).flip(0)", _vec, (("summed from the left", "a.cumsum(0)"),
                                                    ("did not flip back", "a.flip(0).cumsum(0)"))),
    Structure("a.flip(0).cumsum(0)", _vec, (("flipped back", "a.flip(0).cumsum(0).flip(0)"),
                                            ("summed from the left", "a.cumsum(0)"))),
    Structure("x.cumsum(1)", _mat, (("summed down the columns", "x.cumsum(0)"),
                                    ("left out each entry", "x.cumsum(1) - x"))),
    Structure("x.cumsum(0)", _mat, (("summed along the rows", "x.cumsum(1)"),
                                    ("left out each entry", "x.cumsum(0) - x"))),
    Structure("a @ (torch.arange(n)[:, None] <= torch.arange(n)).long()", _vec_mask,
              (("transposed the mask", "a @ (torch.arange(n)[:, None] >= torch.arange(n)).long()"),
               ("made the mask strict", "a @ (torch.arange(n)[:, None] < torch.arange(n)).long()"))),
    Structure("(torch.arange(n)[:, None] > torch.arange(n)).long() @ a", _vec_mask,
              (("read > as >=", "(torch.arange(n)[:, None] >= torch.arange(n)).long() @ a"),
               ("transposed the mask", "(torch.arange(n)[:, None] < torch.arange(n)).long() @ a"))),
    Structure("a[1:] - a[:-1]", _vec, (("subtracted the other way", "a[:-1] - a[1:]"),
                                       ("took a running sum", "a[1:] + a[:-1]"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "cumsum(d) keeps the shape: entry k is the sum of entries 0..k along axis d (itself included).",
            "A product with a 0/1 mask sums the entries the mask lets through: a @ M gives out[c] = sum_r a[r] M[r, c].",
        ),
        explain=lambda s, a: f"`{s.expr}`: add up along the stated axis, entry by entry.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a):
    return a.cumsum(0)


def exclusive(a):
    return a.cumsum(0) - a


def reversed_sum(a):
    return a.flip(0).cumsum(0).flip(0)


def total(a):
    return a.sum().expand_as(a)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(1, 10) if case else 1
    return {"a": torch.randn(n, generator=g)}


CODE = CodeSpec(
    function="cumsum",
    signature="def cumsum(a: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The running sum of the 1-D float tensor a: out[k] = a[0] + ... + a[k] (a[k] included).\n"
        "A tensor puzzle: build a 0/1 triangular matrix from torch.arange and multiply with @."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("exclusive", exclusive, "out[k] includes a[k] itself: the mask needs its diagonal (<=, not <)."),
        Mistake("reversed", reversed_sum, "That sums from the right (out[k] = a[k] + ... + a[-1]): transpose the mask."),
        Mistake("total", total, "Every entry got the full sum: the mask must be triangular, not all ones."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Cumulative sums",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run inclusive, exclusive, reversed and mask-product cumulative sums by hand; write cumsum as a tensor puzzle.",
    code_spec=CODE,
)
