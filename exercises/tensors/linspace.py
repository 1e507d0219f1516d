"""Evenly spaced values (Tensor-Puzzles' ``linspace``): n points from i to j, both ends included.

The value form runs ``linspace``, ``arange`` with a step and the arange formula; the misreadings
(n steps of (j - i) / n, an arange that includes its end, forgetting the start, the other
direction) run too and must differ. The code exercise is ``linspace`` as a tensor puzzle.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, value_variant

ID = "tensors.linspace"


def _span(rng):
    n = rng.randint(3, 5)
    a = rng.randint(-4, 4)
    return {"a": a, "b": a + rng.choice([1, 2, 3]) * (n - 1), "n": n}


def _step(rng):
    a, s = rng.randint(-3, 3), rng.randint(2, 3)
    return {"a": a, "b": a + s * rng.randint(3, 4), "s": s}


STRUCTURES = (
    Structure("torch.linspace(a, b, n)", _span, (("took n steps of (b - a) / n", "a + (b - a) * torch.arange(n) / n"),
                                                 ("stopped before b, as arange does", "torch.arange(a, b, (b - a) / (n - 1))"))),
    Structure("torch.linspace(b, a, n)", _span, (("went from a to b", "torch.linspace(a, b, n)"),
                                                 ("took n steps", "b + (a - b) * torch.arange(n) / n"))),
    Structure("a + (b - a) * torch.arange(n) / (n - 1)", _span, (("divided by n", "a + (b - a) * torch.arange(n) / n"),
                                                                 ("forgot the start", "(b - a) * torch.arange(n) / (n - 1)"))),
    Structure("torch.arange(a, b, s)", _step, (("included b", "torch.arange(a, b + s, s)"),
                                               ("read s as the count", "torch.linspace(a, b, s)"))),
    Structure("torch.arange(b, a, -s)", _step, (("included a", "torch.arange(b, a - s, -s)"),
                                                ("went from a up", "torch.arange(a, b, s)"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a list.",
        precision=None,
        hints=(
            "torch.linspace(i, j, n) has n points and includes BOTH ends: the step is (j - i) / (n - 1).",
            "torch.arange(i, j, s) steps by s from i and stops before j (j itself is never included).",
        ),
        explain=lambda s, a: f"`{s.expr}`: find the step first, then list the points.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(i, j, n):
    import torch

    return torch.linspace(i, j, n)


def n_steps(i, j, n):
    import torch

    return i + (j - i) * torch.arange(n) / n


def no_start(i, j, n):
    import torch

    return (j - i) * torch.arange(n) / max(n - 1, 1)


def make_inputs(rng: random.Random, case: int) -> dict:
    i = round(rng.uniform(-5, 5), 2)
    j = round(i + rng.choice([-1, 1]) * rng.uniform(0.5, 6), 2)
    return {"i": i, "j": j, "n": (1, 2)[case] if case < 2 else rng.randint(3, 12)}


CODE = CodeSpec(
    function="linspace",
    signature="def linspace(i: float, j: float, n: int) -> torch.Tensor:",
    doc=(
        "n evenly spaced floats from i to j, both included (n = 1 gives [i]), like torch.linspace.\n"
        "A tensor puzzle: arange, where and arithmetic only."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("n_steps", n_steps, "The last point must be j: divide j - i by n - 1 (the gaps), not n (the points)."),
        Mistake("no_start", no_start, "The points start at i: add i to every one."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Evenly spaced values",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run linspace and stepped aranges by hand (which ends are included); write linspace as a tensor puzzle.",
    code_spec=CODE,
)
