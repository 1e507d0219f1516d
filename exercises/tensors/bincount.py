"""Counting values (Tensor-Puzzles' ``bincount``): out[k] is how many entries of a equal k.

The value form runs ``torch.bincount`` (with and without ``minlength``) and its one-hot form;
the misreadings (counting from the smallest value, the distinct values, summing the wrong axis
or the matched values) run too and must differ. The code exercise is ``bincount`` as a puzzle.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, value_variant

ID = "tensors.bincount"
ONE_HOT = "(a[:, None] == torch.arange(m))"


def _vals(rng):
    return {"a": ints(rng, rng.randint(5, 7), 1, 4)}


def _with_m(rng):
    a = ints(rng, rng.randint(5, 7), 0, 3)
    return {"a": a, "m": max(a) + rng.randint(2, 3)}


STRUCTURES = (
    Structure("torch.bincount(a)", _vals, (("counted from the smallest value", "torch.bincount(a - a.min())"),
                                           ("listed the distinct values", "torch.unique(a)"))),
    Structure("torch.bincount(a, minlength=m)", _with_m, (("stopped at the largest value", "torch.bincount(a)"),
                                                          ("counted from the smallest value",
                                                           "torch.bincount(a - a.min(), minlength=m)"))),
    Structure(f"{ONE_HOT}.sum(0)", _with_m, (("summed over the classes", f"{ONE_HOT}.sum(1)"),
                                             ("summed the matched values", f"torch.where({ONE_HOT}, a[:, None], 0).sum(0)"))),
    Structure("torch.bincount(a).argmax()", _vals, (("gave the count", "torch.bincount(a).max()"),
                                                    ("gave the largest value", "a.max()"))),
    Structure("torch.bincount(a)[a]", _vals, (("gave the counts by value", "torch.bincount(a)"), ("gave the values", "a"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a list (a number if it is one).",
        precision=None,
        hints=(
            "torch.bincount(a) has max(a) + 1 entries (at least minlength): out[k] = how many entries of a equal k.",
            "a[:, None] == torch.arange(m) is one row per entry of a, one column per value k; summing a column counts.",
        ),
        explain=lambda s, a: f"`{s.expr}`: tally how often each value 0, 1, 2, ... occurs (or follow the one-hot grid).",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a, j):
    import torch

    return torch.bincount(a, minlength=j)


def summed_values(a, j):
    import torch

    return torch.bincount(a, weights=a.double(), minlength=j).long()


def presence(a, j):
    return (reference(a, j) > 0).long()


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    j = rng.randint(1, 6)
    n = rng.randint(2, 12) if case else 0
    return {"a": torch.randint(0, j, (n,), generator=generator(rng)), "j": j}


CODE = CodeSpec(
    function="bincount",
    signature="def bincount(a: torch.Tensor, j: int) -> torch.Tensor:",
    doc=(
        "Counts of the values of the 1-D int tensor a (each in 0..j-1): out has length j and out[k] is\n"
        "how many entries of a equal k. A tensor puzzle: arange, where, broadcasting and @ only."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("summed_values", summed_values, "out[k] counts the entries equal to k; that adds them up (k times the count)."),
        Mistake("presence", presence, "out[k] is how MANY entries equal k, not whether one does: sum the one-hot rows."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Counting values",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run bincount and its one-hot sum by hand; write bincount as a tensor puzzle.",
    code_spec=CODE,
)
