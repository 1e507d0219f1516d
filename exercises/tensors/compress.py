"""Compressing by a mask (Tensor-Puzzles' ``compress``): keep the entries where g holds, packed
to the front, zeros after.

The value form runs masking, packing and the target positions (an exclusive running count of g);
the misreadings (zeroing in place instead of packing, keeping where g is False, the inclusive
count) run too and must differ. The code exercise is ``compress`` as a tensor puzzle.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, value_variant

ID = "tensors.compress"
G1 = "torch.where(g, 1, 0)"


def _draw(rng):
    n = rng.randint(4, 6)
    g = [rng.random() < 0.5 for _ in range(n)]
    g[rng.randrange(n)] = True
    return {"keep": [int(b) for b in g], "v": ints(rng, n, 1, 9)}


SETUP = ("g = keep == 1",)
STRUCTURES = (
    Structure("torch.where(g, v, 0)", _draw, (("packed the kept entries to the front", "torch.cat([v[g], v[~g] * 0])"),
                                              ("kept where g is False", "torch.where(g, 0, v)")), SETUP),
    Structure("torch.cat([v[g], v[~g] * 0])", _draw, (("left them in place", "torch.where(g, v, 0)"),
                                                      ("kept where g is False", "torch.cat([v[~g], v[g] * 0])")), SETUP),
    Structure(f"({G1}.cumsum(0) - 1) * g", _draw, (("forgot the - 1", f"{G1}.cumsum(0) * g"),
                                                   ("forgot to mask", f"{G1}.cumsum(0) - 1")), SETUP),
    Structure("v[g]", _draw, (("kept where g is False", "v[~g]"), ("zeroed instead of dropping", "torch.where(g, v, 0)")), SETUP),
    Structure("v[~g]", _draw, (("kept where g is True", "v[g]"), ("zeroed the kept ones", "torch.where(g, 0, v)")), SETUP),
    Structure("v[g].sum()", _draw, (("summed every entry", "v.sum()"), ("summed where g is False", "v[~g].sum()")), SETUP),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a list (a number if it is one).",
        precision=None,
        hints=(
            "v[g] with a boolean g keeps the entries where g is True, in order, and drops the rest (out is shorter).",
            "torch.where(g, v, 0) keeps the shape: entries where g is False become 0 in place.",
        ),
        explain=lambda s, a: f"`{s.expr}`: mark the entries where g is True, then follow the expression.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(g, v):
    import torch

    return torch.cat([v[g], torch.zeros(int((~g).sum()), dtype=v.dtype)])


def in_place(g, v):
    import torch

    return torch.where(g, v, torch.zeros_like(v))


def off_by_one(g, v):
    import torch

    return torch.cat([torch.zeros(1, dtype=v.dtype), reference(g, v)])[: v.shape[0]]


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    n = rng.randint(1, 10)
    gen = generator(rng)
    p = (0.5, 0.0, 1.0)[case] if case < 3 else rng.random()
    return {"g": torch.rand(n, generator=gen) < p, "v": torch.randn(n, generator=gen)}


CODE = CodeSpec(
    function="compress",
    signature="def compress(g: torch.Tensor, v: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The entries of the float tensor v where the bool tensor g is True, in order, moved to the front;\n"
        "zeros fill the rest (out has v's length). A tensor puzzle: arange, where, indexing and @ only\n"
        "(an entry's target is the number of True entries of g before it)."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("in_place", in_place, "The kept entries must move to the FRONT (packed), not stay where they are."),
        Mistake("off_by_one", off_by_one,
                "Everything landed one place late: count the True entries BEFORE each one (strict <), not up to it."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Compressing by a mask",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Run masking, packing and running-count targets by hand; write compress as a tensor puzzle.",
    code_spec=CODE,
)
