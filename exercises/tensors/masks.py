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
from exercises.tensors._task import Case, with_task

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


# ------------------------------------------------------------------ the task form

_S = "`x` holds attention scores: one row per query position, one column per key position (position 0 first in both)."
_G = "`x` is a table of numbers; entry (i, j) sits in row i and column j, both counted from 0."
_ONES = "torch.ones_like(x)"


def _mat(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "float"),), solutions, mistakes)


def _where(cond: str) -> str:
    """The arange-and-where solution (shown where the evaluator takes comparisons)."""
    return (f"torch.where(torch.arange(x.shape[0])[:, None] - torch.arange(x.shape[1]) {cond}, x, torch.zeros_like(x))")


TASK_CASES = (
    _mat(f"{_S} Each query may look only at its own position and earlier ones: keep those scores and set every "
         "other score to 0.",
         ("x.tril()", "torch.tril(x)", _where(">= 0")),
         (("kept the later positions", "x.triu()"), ("dropped each query's own position", "x.tril(-1)"))),
    _mat(f"{_S} Each query may look only at its own position and later ones: keep those scores and set every other "
         "score to 0.",
         ("x.triu()", "torch.triu(x)", _where("<= 0")),
         (("kept the earlier positions", "x.tril()"),)),
    _mat(f"{_S} Each query may look only at strictly earlier positions: keep those scores and set every other "
         "score to 0.",
         ("x.tril(-1)", "torch.tril(x, diagonal=-1)", _where("> 0")),
         (("kept each query's own position", "x.tril()"),)),
    _mat(f"{_S} Each query may look only at strictly later positions: keep those scores and set every other score "
         "to 0.",
         ("x.triu(1)", "torch.triu(x, diagonal=1)", _where("< 0")),
         (("kept each query's own position", "x.triu()"),)),
    _mat(f"{_S} Each query may look at its own position and at most one position before or after it: keep those "
         "scores and set every other score to 0.",
         ("x.tril(1).triu(-1)", "torch.triu(torch.tril(x, diagonal=1), diagonal=-1)",
          "torch.where((torch.arange(x.shape[0])[:, None] - torch.arange(x.shape[1])).abs() <= 1, x, torch.zeros_like(x))"),
         (("kept only its own position", "x.tril().triu()"),)),
    _mat(f"{_S} Each query may look only at positions at least two before its own: keep those scores and set every "
         "other score to 0.",
         ("x.tril(-2)", "torch.tril(x, diagonal=-2)", _where(">= 2")),
         (("counted one before as allowed", "x.tril(-1)"),)),
    _mat(f"{_S} Each query may look only at its own position and earlier ones: keep those scores and set every "
         "other score to -100.",
         ("x.tril() - 100 * " + _ONES + ".triu(1)", "x.masked_fill(" + _ONES + ".triu(1).bool(), -100)",
          "torch.where(torch.arange(x.shape[0])[:, None] >= torch.arange(x.shape[1]), x, -100 * torch.ones_like(x))"),
         (("set them to 0", "x.tril()"),)),
    _mat(f"{_G} Keep the entries where the row and the column are the same and set every other entry to 0.",
         ("x * torch.eye(x.shape[0], x.shape[1])", "x.tril().triu()", "torch.triu(torch.tril(x))"),
         (("kept everything off the diagonal instead", "x - x.tril().triu()"),)),
    _mat(f"{_G} Set the entries where the row and the column are the same to 0 and keep every other entry.",
         ("x - x.tril().triu()", "x * (1 - torch.eye(x.shape[0], x.shape[1]))", "x.tril(-1) + x.triu(1)"),
         (("kept only those entries", "x.tril().triu()"),)),
    _mat(f"{_G} The entries where the row and the column are the same, in order of the row.",
         ("x.diagonal()", "torch.diagonal(x)", "x.tril().triu().sum(1)[:min(x.shape)]"),
         (("took the last column's", "x[:, -1]"),)),
    _mat(f"{_S} For each query, the total of the scores at its own position and earlier ones.",
         ("x.tril().sum(1)", "torch.tril(x).sum(-1)", "x.sum(1) - x.triu(1).sum(1)"),
         (("added up the later positions", "x.triu().sum(1)"),)),
    _mat(f"{_S} For each key position, the total of the scores that queries at strictly later positions give it.",
         ("x.tril(-1).sum(0)", "torch.tril(x, diagonal=-1).sum(0)", "x.sum(0) - x.triu().sum(0)"),
         (("added up along each query", "x.tril(-1).sum(1)"),)),
    _mat(f"{_G} The total of the entries whose column is greater than their row.",
         ("x.triu(1).sum()", "torch.triu(x, diagonal=1).sum()", "x.sum() - x.tril().sum()"),
         (("included the entries where they are equal", "x.triu().sum()"),)),
    _mat(f"{_G} The total of the entries whose row is at least their column.",
         ("x.tril().sum()", "torch.tril(x).sum()", "x.sum() - x.triu(1).sum()"),
         (("left out the entries where they are equal", "x.tril(-1).sum()"),)),
)

TASK_HINTS = ("Which entries does the story keep: compare each entry's row with its column.",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="Masks from arange",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Type the 0/1 matrix of a comparison of two arange grids (triangles, diagonals, bands); write triu as a tensor puzzle.",
    code_spec=CODE,
)
