"""Masks built from ``arange``: triangles, diagonals and bands as comparisons of two index grids.

The value form shows ``i = torch.arange(R)[:, None]`` and ``j = torch.arange(C)`` and a
comparison of them (``j - i >= k``, ``i == j + k``, ``(i - j).abs() <= k``...); the learner
types the 0/1 matrix. Misreadings (the comparison flipped, strict for non-strict, the offset's
sign) run too and must give another matrix. The code exercise is Tensor-Puzzles' ``triu`` with
an offset: a comparison of aranges, nothing else.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, value_variant

ID = "tensors.masks"


def _grid(rng):
    R = rng.randint(2, 4)
    C = rng.randint(2, 5)
    return {"R": R, "C": C, "k": rng.choice([-2, -1, 0, 1, 2])}


def _grid_pos(rng):
    return {**_grid(rng), "k": rng.choice([1, 2])}


SETUP = ("i = torch.arange(R)[:, None]", "j = torch.arange(C)")


def _s(cond: str, mistakes: tuple[tuple[str, str], ...], draw=_grid) -> Structure:
    return Structure(f"({cond}).long()", draw, tuple((w, f"({m}).long()") for w, m in mistakes), setup=SETUP)


STRUCTURES = (
    _s("j - i >= k", (("compared i - j instead", "i - j >= k"), ("made it strict (>)", "j - i > k"),
                      ("flipped the offset's sign", "j - i >= -k"))),
    _s("i - j >= k", (("compared j - i instead", "j - i >= k"), ("made it strict (>)", "i - j > k"),
                      ("flipped the offset's sign", "i - j >= -k"))),
    _s("j - i < k", (("compared i - j instead", "i - j < k"), ("made it non-strict (<=)", "j - i <= k"),
                     ("flipped the offset's sign", "j - i < -k"))),
    _s("i == j + k", (("put the offset on i", "i + k == j"), ("read == as <=", "i <= j + k"))),
    _s("(i - j).abs() <= k", (("made it strict (<)", "(i - j).abs() < k"), ("kept only j >= i", "(j - i <= k) & (j >= i)")),
       draw=_grid_pos),
    _s("(i + j) % 2 == 0", (("used i - j", "(i - j) % 2 == 1"), ("tested odd", "(i + j) % 2 == 1")),
       draw=lambda rng: {"R": rng.randint(2, 4), "C": rng.randint(3, 5)}),
    _s("(i + j < k + 2)", (("made it non-strict (<=)", "i + j <= k + 2"), ("used j - i", "j - i < k + 2"))),
    _s("(j >= i) & (j - i <= k)", (("read & as |", "(j >= i) | (j - i <= k)"),
                                   ("took the lower band", "(i >= j) & (i - j <= k)")), draw=_grid_pos),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out` (0s and 1s)? Give it as a nested list, one row per line of `i`.",
        precision=None,
        hints=(
            "`i` is a column (row index), `j` a row (column index): any expression of both broadcasts to [R, C].",
            "Entry [r, c] is the condition with i = r and j = c; j - i >= 0 is the upper triangle with its diagonal.",
        ),
        explain=lambda s, a: f"Entry [r, c] of `{s.expr}` is the condition at i = r, j = c.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(n, k):
    import torch

    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=k)


def lower(n, k):
    import torch

    i, j = torch.arange(n)[:, None], torch.arange(n)
    return i - j >= k


def strict(n, k):
    import torch

    i, j = torch.arange(n)[:, None], torch.arange(n)
    return j - i > k


def offset_sign(n, k):
    import torch

    i, j = torch.arange(n)[:, None], torch.arange(n)
    return j - i >= -k


def make_inputs(rng: random.Random, case: int) -> dict:
    n = rng.randint(1, 7)
    k = [0, 1, -1, 2, -2][case % 5] if case < 10 else rng.randint(-n, n)
    return {"n": n, "k": k}


CODE = CodeSpec(
    function="triu",
    signature="def triu(n: int, k: int) -> torch.Tensor:",
    doc=(
        "The [n, n] bool mask of entries on or above diagonal k: out[r, c] is True when c - r >= k\n"
        "(k = 0: the upper triangle with the diagonal; k = 1: strictly above it; k = -1: one below too).\n"
        "A tensor puzzle: compare two torch.arange grids."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("lower", lower, "That is the lower triangle: rows are i = arange(n)[:, None], columns j = arange(n); keep j - i >= k."),
        Mistake("strict", strict, "Diagonal k itself belongs to the mask: j - i >= k, not > k."),
        Mistake("offset_sign", offset_sign, "k counts diagonals above the main one: j - i >= k, so k = 1 drops the diagonal."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Masks from arange",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Type the 0/1 matrix of a comparison of two arange grids (triangles, diagonals, bands); write triu as a tensor puzzle.",
    code_spec=CODE,
)
