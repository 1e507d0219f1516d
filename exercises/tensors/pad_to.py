"""Padding and cropping to a length (Tensor-Puzzles' ``pad_to``): zeros go at the end.

The value form runs ``F.pad`` (positive pads, negative crops) or the arange/where form on a
tiny tensor; the misreadings (padding the front, both sides, tiling instead of zeros, ``<=``
for ``<``) run too and must differ. The code exercise is ``pad_to`` as a tensor puzzle.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, matrix, value_variant

ID = "tensors.pad_to"
F = "torch.nn.functional.pad"


def _pad(rng):
    return {"a": ints(rng, rng.randint(3, 5), 1, 9), "p": rng.randint(1, 2)}


def _crop(rng):
    n = rng.randint(4, 6)
    return {"a": ints(rng, n, 1, 9), "p": rng.randint(1, n - 2)}


def _longer(rng):
    n = rng.randint(2, 4)
    return {"a": ints(rng, n, 1, 9), "n": n, "j": n + rng.randint(2, 3)}


def _mat(rng):
    return {"x": matrix(rng, 2, rng.randint(2, 3), 1, 9)}


STRUCTURES = (
    Structure(f"{F}(a, (0, p))", _pad, (("padded at the front", f"{F}(a, (p, 0))"),
                                        ("padded on both sides", f"{F}(a, (p, p))"))),
    Structure(f"{F}(a, (p, 0))", _pad, (("padded at the end", f"{F}(a, (0, p))"),
                                        ("padded on both sides", f"{F}(a, (p, p))"))),
    Structure(f"{F}(a, (0, -p))", _crop, (("padded instead of cropping", f"{F}(a, (0, p))"),
                                          ("cropped the front", f"{F}(a, (-p, 0))"))),
    Structure("torch.where(torch.arange(j) < n, a[torch.arange(j) % n], 0)", _longer,
              (("forgot the zeros (a tiles)", "a[torch.arange(j) % n]"),
               ("read < as <=", "torch.where(torch.arange(j) <= n, a[torch.arange(j) % n], 0)"))),
    Structure(f"{F}(x, (0, 1, 1, 0))", _mat, (("padded the first axis first", f"{F}(x, (1, 0, 0, 1))"),
                                              ("padded only the last axis", f"{F}(x, (0, 1))"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "F.pad(t, (left, right, top, bottom)) pads the LAST axis with the first pair; a negative pad crops.",
            "torch.where(cond, a, b) takes a where cond holds and b elsewhere; % n wraps an index around.",
        ),
        explain=lambda s, a: f"`{s.expr}`: count the zeros added (or entries cut) at each end of each axis.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(a, j):
    import torch

    return torch.nn.functional.pad(a[:j], (0, max(0, j - a.shape[0])))


def tiled(a, j):
    import torch

    return a[torch.arange(j) % a.shape[0]]


def padded_front(a, j):
    import torch

    return torch.nn.functional.pad(a[:j], (max(0, j - a.shape[0]), 0))


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    n = rng.randint(1, 8)
    j = (n + rng.randint(1, 4), max(1, n - rng.randint(1, 3)), n)[case % 3]
    return {"a": torch.randn(n, generator=generator(rng)), "j": j}


CODE = CodeSpec(
    function="pad_to",
    signature="def pad_to(a: torch.Tensor, j: int) -> torch.Tensor:",
    doc=(
        "The 1-D tensor a cut or zero-padded at the end to length j: out[k] = a[k] for k < len(a),\n"
        "0 after it. A tensor puzzle: arange, where and indexing only."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("tiled", tiled, "Past the end of a the entries must be 0: that wraps around and repeats a."),
        Mistake("padded_front", padded_front, "The zeros go at the END: out starts with a[0]."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=21,
)


FAMILY = Family(
    id=ID,
    title="Padding and cropping to a length",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run F.pad (pads and crops) and the where/arange form by hand; write pad_to as a tensor puzzle.",
    code_spec=CODE,
)
