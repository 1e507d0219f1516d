"""Broadcasting: which axis a 1-D tensor lines up with, and where ``None`` puts a new one.

The value form runs an outer difference, a row or column scaling or a "subtract the first
row/column" on tiny integer tensors; the misreadings (the outer product transposed, scaling
the other axis, aligning from the left) are run too and must give other answers. The code
exercise is the pairwise squared distance, the broadcast every attention and k-means uses.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, matrix, value_variant

ID = "tensors.broadcast"


def _two_vectors(rng):
    n = rng.randint(2, 4)
    m = rng.choice([k for k in range(2, 5) if k != n])
    return {"a": ints(rng, n, -3, 6), "b": ints(rng, m, -3, 6)}


def _square_and_vector(rng):
    n = rng.randint(2, 3)
    return {"x": matrix(rng, n, n, -3, 6), "w": ints(rng, n, -2, 3)}


def _matrix(rng):
    R = rng.randint(2, 3)
    C = rng.choice([c for c in range(2, 5) if c != R])
    return {"x": matrix(rng, R, C, -3, 9)}


STRUCTURES = (
    Structure("a[:, None] - b", _two_vectors, (("transposed the table (b down, a across)", "a - b[:, None]"),
                                               ("subtracted the other way", "b - a[:, None]"))),
    Structure("a - b[:, None]", _two_vectors, (("transposed the table", "a[:, None] - b"),
                                               ("subtracted the other way", "b[:, None] - a"))),
    Structure("a[:, None] * b[None, :] + a[:, None]", _two_vectors,
              (("transposed the table", "(a[:, None] * b[None, :] + a[:, None]).T"),
               ("added b instead of a", "a[:, None] * b[None, :] + b"))),
    Structure("x * w[:, None]", _square_and_vector, (("scaled the columns (x * w)", "x * w"),
                                                      ("did a matrix-vector product", "x @ w"))),
    Structure("x * w", _square_and_vector, (("scaled the rows (x * w[:, None])", "x * w[:, None]"),
                                             ("did a matrix-vector product", "x @ w"))),
    Structure("x + w[:, None] - w", _square_and_vector, (("swapped which axis gets w", "x + w - w[:, None]"),
                                                          ("read it as x", "x"))),
    Structure("x - x[:, :1]", _matrix, (("subtracted the first row", "x - x[:1]"),
                                        ("subtracted the first row's first entries", "x - x[0, :1]"))),
    Structure("x - x[:1]", _matrix, (("subtracted the first column", "x - x[:, :1]"),
                                     ("subtracted the first entry", "x - x[0, 0]"))),
    Structure("x - x.max(1, keepdim=True).values", _matrix,
              (("took the column maxima", "x - x.max(0, keepdim=True).values"),
               ("took the global maximum", "x - x.max()"))),
    Structure("x - x.min(0, keepdim=True).values", _matrix,
              (("took the row minima", "x - x.min(1, keepdim=True).values"),
               ("took the global minimum", "x - x.min()"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "Shapes are aligned from the right; a size-1 axis (or one made by `None`) is repeated to match.",
            "A 1-D tensor of length n lines up with the LAST axis; `w[:, None]` is a column, one value per row.",
        ),
        explain=lambda s, a: f"In `{s.expr}` align the shapes from the right and repeat every size-1 axis.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def transposed(x, y):
    return ((y[:, None, :] - x[None, :, :]) ** 2).sum(-1)


def not_squared(x, y):
    return (x[:, None, :] - y[None, :, :]).sum(-1)


def distances(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1).sqrt()


def mean_not_sum(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).mean(-1)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n, m, d = rng.randint(1, 6), rng.randint(1, 6), rng.randint(1, 5)
    if case % 5 == 0:
        m = n
    if case % 7 == 1:
        d = 2
    return {"x": torch.randn(n, d, generator=g), "y": torch.randn(m, d, generator=g)}


CODE = CodeSpec(
    function="pairwise_sq_dists",
    signature="def pairwise_sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:",
    doc=(
        "Squared Euclidean distances between every row of x ([n, d]) and every row of y ([m, d]).\n"
        "Returns [n, m]: out[i, j] = sum_k (x[i, k] - y[j, k])^2. One line, by broadcasting."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("transposed", transposed, "Rows of x go down, rows of y across: x[:, None, :] - y[None, :, :] gives [n, m, d]."),
        Mistake("not_squared", not_squared, "Square the differences before summing: sum of (x - y)^2, not of (x - y)."),
        Mistake("distances", distances, "These are squared distances: no square root."),
        Mistake("mean_not_sum", mean_not_sum, "Sum over the d coordinates; the mean divides by d."),
    ),
    rules=("one_line", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Broadcasting",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run outer differences, row/column scalings and keepdim reductions by hand; write pairwise squared distances in one line.",
    code_spec=CODE,
)
