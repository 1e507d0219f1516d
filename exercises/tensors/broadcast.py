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
from exercises.tensors._task import Case, with_task

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


# ------------------------------------------------------------------ the task form


def _two(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("a", "n", "float"), ("b", "m", "float")), solutions, mistakes)


def _scale(story: str, v: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "float"), ("v", v, "float")), solutions, mistakes)


def _one(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "float"),), solutions, mistakes)


def _pairs(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rd", "float"), ("y", "sd", "float")), solutions, mistakes)


_A = "`a` and `b` hold two lists of measurements."
_T = "`x` is a table: one row per item, one column per feature."
_P = "`x` and `y` hold points, one per row (the same coordinates in both)."
TASK_CASES = (
    _two(f"{_A} Every difference of a measurement of `a` minus a measurement of `b`: one row per measurement of `a`.",
         ("a[:, None] - b", "a.unsqueeze(1) - b.unsqueeze(0)", "a[:, None] - b[None, :]"),
         (("subtracted the other way round", "b[None, :] - a[:, None]"),)),
    _two(f"{_A} For every pair, how much the measurement of `b` exceeds the measurement of `a`: one row per "
         "measurement of `b`.",
         ("b[:, None] - a", "b.unsqueeze(1) - a.unsqueeze(0)", "-(a[None, :] - b[:, None])"),
         (("subtracted the other way round", "a[None, :] - b[:, None]"),)),
    _two(f"{_A} Every product of a measurement of `a` with a measurement of `b`: one row per measurement of `a`.",
         ("a[:, None] * b", "torch.outer(a, b)", "torch.einsum('i,j->ij', a, b)")),
    _two(f"{_A} For every pair, the larger of the two measurements: one row per measurement of `a`.",
         ("torch.maximum(a[:, None], b)", "torch.where(a[:, None] > b, a[:, None], b)",
          "torch.maximum(a.unsqueeze(1), b.unsqueeze(0))"),
         (("took the smaller", "torch.minimum(a[:, None], b)"),)),
    _two(f"{_A} For every pair, the distance between the two measurements (never negative): one row per "
         "measurement of `a`.",
         ("(a[:, None] - b).abs()", "torch.abs(a.unsqueeze(1) - b)", "((a[:, None] - b) ** 2).sqrt()"),
         (("kept the sign", "a[:, None] - b"),)),
    _scale(f"{_T} `v` holds one weight per feature. Every entry multiplied by its feature's weight.", "c",
           ("x * v", "x * v[None, :]", "torch.einsum('rc,c->rc', x, v)"),
           (("added the weights", "x + v"),)),
    _scale(f"{_T} `v` holds one weight per item. Every entry multiplied by its item's weight.", "r",
           ("x * v[:, None]", "x * v.unsqueeze(1)", "torch.einsum('rc,r->rc', x, v)"),
           (("added the weights", "x + v[:, None]"),)),
    _scale(f"{_T} `v` holds one reference value per feature. Every entry minus its feature's reference value.", "c",
           ("x - v", "x - v[None, :]", "x - v.expand_as(x)"),
           (("subtracted the other way round", "v - x"),)),
    _scale(f"{_T} `v` holds one offset per item. Every entry plus its item's offset.", "r",
           ("x + v[:, None]", "x + v.unsqueeze(1)", "(x.T + v).T"),
           (("multiplied instead", "x * v[:, None]"),)),
    _one(f"{_T} Every entry minus the largest entry of its row.",
         ("x - x.max(1, keepdim=True).values", "x - x.amax(1, keepdim=True)", "x - x.amax(1)[:, None]"),
         (("took the largest entry of its column", "x - x.amax(0)"),)),
    _one(f"{_T} Every entry minus the smallest entry of its column.",
         ("x - x.amin(0)", "x - x.min(0).values", "x - x.amin(0, keepdim=True)"),
         (("took the smallest entry of its row", "x - x.amin(1, keepdim=True)"),)),
    _one("`x` holds points, one per row. The squared distance between every two points (each row against each row).",
         ("((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)", "(x ** 2).sum(1)[:, None] + (x ** 2).sum(1) - 2 * x @ x.T",
          "((x.unsqueeze(1) - x.unsqueeze(0)) ** 2).sum(2)"),
         (("took the distance, not its square", "((x[:, None, :] - x[None, :, :]) ** 2).sum(-1).sqrt()"),)),
    _one("`x` holds points, one per row. The distance between every two points measured by the sum of the absolute "
         "differences of their coordinates (each row against each row).",
         ("(x[:, None, :] - x[None, :, :]).abs().sum(-1)", "(x.unsqueeze(1) - x.unsqueeze(0)).abs().sum(2)"),
         (("kept the signs", "(x[:, None, :] - x[None, :, :]).sum(-1)"),)),
    _pairs(f"{_P} The squared distance from every point of `x` to every point of `y`: one row per point of `x`.",
           ("((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)", "(x ** 2).sum(1)[:, None] + (y ** 2).sum(1) - 2 * x @ y.T",
            "((x.unsqueeze(1) - y.unsqueeze(0)) ** 2).sum(2)"),
           (("took the distance, not its square", "((x[:, None, :] - y[None, :, :]) ** 2).sum(-1).sqrt()"),)),
    _pairs(f"{_P} The distance from every point of `x` to every point of `y` measured by the sum of the absolute "
           "differences of their coordinates: one row per point of `y`.",
           ("(y[:, None, :] - x[None, :, :]).abs().sum(-1)", "(y.unsqueeze(1) - x.unsqueeze(0)).abs().sum(2)",
            "(x[None, :, :] - y[:, None, :]).abs().sum(2)"),
           (("one row per point of x", "(x[:, None, :] - y[None, :, :]).abs().sum(-1)"),)),
)

TASK_HINTS = ("Line up the axes of the inputs so that each pair (or each entry and its weight) meets.",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="Broadcasting",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Run outer differences, row/column scalings and keepdim reductions by hand; write pairwise squared distances in one line.",
    code_spec=CODE,
)
