"""Stacking and concatenating (Tensor-Puzzles' ``vstack``): a new axis versus a longer one.

The value form runs ``stack``, ``cat``, ``hstack`` and the where form on tiny tensors; the
misreadings (stacking as columns, concatenating instead of stacking, the other order) run too
and must differ. The code exercise is ``vstack`` as a tensor puzzle: a where over a 2-row arange.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, matrix, value_variant

ID = "tensors.vstack"


def _two(rng):
    n = rng.randint(3, 4)
    return {"a": ints(rng, n, -3, 9), "b": ints(rng, n, -3, 9)}


def _mats(rng):
    return {"x": matrix(rng, 2, 2, -3, 9), "y": matrix(rng, 2, 2, -3, 9)}


STRUCTURES = (
    Structure("torch.stack([a, b])", _two, (("stacked as columns", "torch.stack([a, b], 1)"),
                                            ("concatenated", "torch.cat([a, b])"))),
    Structure("torch.stack([a, b], 1)", _two, (("stacked as rows", "torch.stack([a, b])"),
                                               ("concatenated", "torch.cat([a, b])"))),
    Structure("torch.cat([b, a])", _two, (("stacked", "torch.stack([b, a])"), ("kept the order a, b", "torch.cat([a, b])"))),
    Structure("torch.where(torch.arange(2)[:, None] == 1, a, b)", _two,
              (("read it as row 0 = a", "torch.stack([a, b])"), ("stacked as columns", "torch.stack([b, a], 1)"))),
    Structure("torch.cat([x, y], 1)", _mats, (("joined along the rows", "torch.cat([x, y], 0)"),
                                              ("stacked", "torch.stack([x, y], 1)"))),
    Structure("torch.cat([x, y], 0)", _mats, (("joined along the columns", "torch.cat([x, y], 1)"),
                                              ("stacked", "torch.stack([x, y])"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "torch.stack adds a NEW axis at dim (stack([a, b]) of two length-n vectors is 2 x n); torch.cat makes an existing axis longer.",
            "torch.where(cond, a, b) broadcasts: a [2, 1] condition against length-n rows gives a 2 x n result.",
        ),
        explain=lambda s, a: f"`{s.expr}`: work out the output's shape first, then fill it.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a, b):
    import torch

    return torch.stack([a, b])


def swapped(a, b):
    import torch

    return torch.stack([b, a])


def columns(a, b):
    import torch

    return torch.stack([a, b], 1)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(1, 8) if case else 2
    return {"a": torch.randn(n, generator=g), "b": torch.randn(n, generator=g)}


CODE = CodeSpec(
    function="vstack",
    signature="def vstack(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The 1-D tensors a and b (same length n) as the two rows of a [2, n] tensor: out[0] = a, out[1] = b.\n"
        "A tensor puzzle: arange, where and broadcasting only."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("swapped", swapped, "Row 0 must be a and row 1 b: the condition picks its first argument where it holds."),
        Mistake("columns", columns, "a and b are the ROWS ([2, n]), not the columns ([n, 2]): the arange goes down the rows."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Stacking and concatenating",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run stack, cat and where-stacking by hand (new axis or longer axis); write vstack as a tensor puzzle.",
    code_spec=CODE,
)
