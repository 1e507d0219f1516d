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
from exercises.tensors._task import Case, with_task

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


# ------------------------------------------------------------------ the task form

_ARRIVALS = "`a` holds amounts in the order they arrived, one entry per arrival."
_BY_ACCOUNT = "`x` holds payments: one row per account, one column per day (the amount paid that day)."
_BY_DAY = "`x` holds payments: one row per day, one column per account (the amount paid that day)."
_UP = "torch.ones({n}, {n}).triu({k}).double()"
_LOW = "torch.ones({n}, {n}).tril({k}).double()"


def _vec(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("a", "n", "float"),), solutions, mistakes)


def _mat(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "float"),), solutions, mistakes)


_N = "a.shape[0]"
TASK_CASES = (
    _vec(f"{_ARRIVALS} The running total after each arrival, that arrival included.",
         ("a.cumsum(0)", "torch.cumsum(a, dim=0)", "a @ " + _UP.format(n=_N, k=0)),
         (("left out each arrival itself", "a.cumsum(0) - a"), ("added up from the last arrival", "a.flip(0).cumsum(0).flip(0)"))),
    _vec(f"{_ARRIVALS} For each arrival, the total that had arrived before it (itself not included).",
         ("a.cumsum(0) - a", "torch.cumsum(a, dim=0) - a", "a @ " + _UP.format(n=_N, k=1)),
         (("included each arrival itself", "a.cumsum(0)"),)),
    _vec(f"{_ARRIVALS} For each arrival, the total of it and of everything that arrived after it.",
         ("a.flip(0).cumsum(0).flip(0)", "a.sum() - a.cumsum(0) + a", _UP.format(n=_N, k=0) + " @ a"),
         (("added up from the first arrival", "a.cumsum(0)"), ("did not turn the result back", "a.flip(0).cumsum(0)"))),
    _vec(f"{_ARRIVALS} For each arrival, the total of everything that arrived after it (itself not included).",
         ("a.sum() - a.cumsum(0)", "a.flip(0).cumsum(0).flip(0) - a", _UP.format(n=_N, k=1) + " @ a"),
         (("included each arrival itself", "a.flip(0).cumsum(0).flip(0)"),)),
    _vec(f"{_ARRIVALS} After each arrival, the average amount of the arrivals so far (that one included).",
         ("a.cumsum(0) / torch.arange(1, a.shape[0] + 1)", "torch.cumsum(a, dim=0) / torch.arange(1.0, a.shape[0] + 1)",
          "a @ (" + _UP.format(n=_N, k=0) + " / torch.arange(1, a.shape[0] + 1))"),
         (("divided by the position counted from 0, plus the total", "a.cumsum(0) / a.shape[0]"),)),
    _vec("`a` holds a running total, read after each arrival. The amount of each arrival after the first "
         "(the first arrival's amount cannot be told apart from the starting total).",
         ("a[1:] - a[:-1]", "torch.diff(a)", "a.diff()"),
         (("subtracted the other way round", "a[:-1] - a[1:]"),)),
    _vec("`a` holds a running total that started from zero, read after each arrival. The amount of every arrival, "
         "the first one included.",
         ("torch.cat([a[:1], a[1:] - a[:-1]])", "a - torch.cat([a[:1] * 0, a[:-1]])", "torch.cat([a[:1], a.diff()])"),
         (("left out the first arrival", "a[1:] - a[:-1]"),)),
    _mat(f"{_BY_ACCOUNT} For each account, the total paid by the end of each day (that day included).",
         ("x.cumsum(1)", "torch.cumsum(x, dim=1)", "x @ " + _UP.format(n="x.shape[1]", k=0)),
         (("ran down the columns", "x.cumsum(0)"), ("left out each day itself", "x.cumsum(1) - x"))),
    _mat(f"{_BY_ACCOUNT} For each account, the average daily payment so far, after each day (that day included).",
         ("x.cumsum(1) / torch.arange(1, x.shape[1] + 1)", "torch.cumsum(x, dim=1) / torch.arange(1.0, x.shape[1] + 1)",
          "x @ (" + _UP.format(n="x.shape[1]", k=0) + " / torch.arange(1, x.shape[1] + 1))"),
         (("averaged over the accounts", "x.cumsum(0) / torch.arange(1, x.shape[0] + 1)[:, None]"),)),
    _mat(f"{_BY_ACCOUNT} For each account and day, what that account pays from that day on (that day included).",
         ("x.flip(1).cumsum(1).flip(1)", "x.sum(1, keepdim=True) - x.cumsum(1) + x",
          "x @ " + _LOW.format(n="x.shape[1]", k=0)),
         (("added up from the first day", "x.cumsum(1)"),)),
    _mat(f"{_BY_ACCOUNT} For each account and day, the total that account had paid before that day.",
         ("x.cumsum(1) - x", "torch.cumsum(x, dim=1) - x", "x @ " + _UP.format(n="x.shape[1]", k=1)),
         (("included that day", "x.cumsum(1)"), ("ran down the columns", "x.cumsum(0) - x"))),
    _mat(f"{_BY_ACCOUNT} The total paid by all accounts together by the end of each day (that day included).",
         ("x.sum(0).cumsum(0)", "x.cumsum(1).sum(0)", "torch.cumsum(x.sum(0), dim=0)"),
         (("added up over days, per account", "x.sum(1).cumsum(0)"),)),
    _mat(f"{_BY_DAY} The total paid by all accounts together by the end of each day (that day included).",
         ("x.sum(1).cumsum(0)", "x.cumsum(0).sum(1)", "torch.cumsum(x.sum(1), dim=0)"),
         (("added up over days, per account", "x.sum(0).cumsum(0)"),)),
    _mat("`x` holds balances: one row per account, one column per day (the balance at the end of that day). For "
         "each account, the change from each day to the next.",
         ("x[:, 1:] - x[:, :-1]", "x.diff(dim=1)", "torch.diff(x, dim=1)"),
         (("took the change between accounts", "x[1:] - x[:-1]"), ("subtracted the other way round", "x[:, :-1] - x[:, 1:]"))),
)

TASK_HINTS = ("Which entries does each entry of the result add up: the ones before it, after it, itself?",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="Cumulative sums",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Run inclusive, exclusive, reversed and mask-product cumulative sums by hand; write cumsum as a tensor puzzle.",
    code_spec=CODE,
)
