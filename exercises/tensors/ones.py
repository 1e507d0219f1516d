"""Constant and step vectors (Tensor-Puzzles' ``ones``): a comparison of an arange turned into 0/1.

The value form runs where-over-arange steps, running counts of ones (times an entry); the
misreadings (``>`` for ``>=``, 1 and 0 swapped, starting at 0) run too and must differ. The code
exercise is ``ones`` as a tensor puzzle.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, ints, value_variant

ID = "tensors.ones"
L = "dtype=torch.long"


def _step(rng):
    n = rng.randint(4, 7)
    return {"n": n, "k": rng.randint(1, n - 2)}


def _vec(rng):
    return {"a": ints(rng, rng.randint(3, 5), -3, 9)}


STRUCTURES = (
    Structure("torch.where(torch.arange(n) >= k, 1, 0)", _step, (("read >= as >", "torch.where(torch.arange(n) > k, 1, 0)"),
                                                               ("swapped 1 and 0", "torch.where(torch.arange(n) >= k, 0, 1)"))),
    Structure("torch.where(torch.arange(n) < k, 1, 0)", _step, (("read < as <=", "torch.where(torch.arange(n) <= k, 1, 0)"),
                                                              ("swapped 1 and 0", "torch.where(torch.arange(n) < k, 0, 1)"))),
    Structure(f"torch.ones(n, {L}).cumsum(0) - k", _step, (("started the count at 0", "torch.arange(n) - k"),
                                                          ("forgot the cumsum", f"torch.ones(n, {L}) - k"))),
    Structure("torch.ones_like(a).cumsum(0) * a[-1]", _vec, (("took the first entry", "torch.ones_like(a).cumsum(0) * a[0]"),
                                                             ("summed a, not ones", "a.cumsum(0) * a[-1]"))),
    Structure("torch.where(torch.arange(n) % k == 0, 1, 0)", _step, (("read it as < k", "torch.where(torch.arange(n) < k, 1, 0)"),
                                                                     ("swapped 1 and 0", "torch.where(torch.arange(n) % k == 0, 0, 1)"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a list.",
        precision=None,
        hints=(
            "torch.arange(n) is 0, 1, ..., n - 1; a comparison with it is True/False per index, and where turns that into 1/0.",
            "ones(n).cumsum(0) counts 1, 2, ..., n; ones_like(a) has a's shape and dtype.",
        ),
        explain=lambda s, a: f"`{s.expr}`: write out the arange, then apply the comparison index by index.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(i):
    import torch

    return torch.ones(i, dtype=torch.long)


def first_zero(i):
    import torch

    return (torch.arange(i) > 0).long()


def make_inputs(rng: random.Random, case: int) -> dict:
    return {"i": (0, 1)[case] if case < 2 else rng.randint(2, 20)}


CODE = CodeSpec(
    function="ones",
    signature="def ones(i: int) -> torch.Tensor:",
    doc="A 1-D int tensor of i ones, like torch.ones(i, dtype=torch.long). A tensor puzzle: arange and where only.",
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("first_zero", first_zero, "out[0] must be 1 too: compare with >= 0 (every index), not > 0."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=12,
)


FAMILY = Family(
    id=ID,
    title="Constant and step vectors",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run where-over-arange steps and constant fills by hand; write ones as a tensor puzzle.",
    code_spec=CODE,
)
