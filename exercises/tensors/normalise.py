"""Normalising rows or columns: to unit length (L2), to sum 1 (L1) or by the largest entry.

The value form uses rows that are Pythagorean multiples ([3, 4] → [0.6, 0.8]) or small positive
counts, so the answer follows by hand; misreadings (the other axis, L1 for L2, the keepdim
dropped) run too and must give another answer. The code exercise is ``normalise_rows``: unit L2
rows, the step ARENA's SAE decoder and TMS's feature directions both need.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import Precision
from exercises.tensors._common import Structure, generator, value_variant
from exercises.tensors._task import Case, with_task

ID = "tensors.normalise"

PAIRS = ((3, 4), (4, 3), (6, 8), (8, 6), (5, 12), (12, 5), (0, 2), (0, 5), (-3, 4), (4, -3))
TRIPLES = ((1, 2, 2), (2, 1, 2), (2, 2, 1), (2, 3, 6), (6, 2, 3), (4, 4, 2), (0, 3, 4), (2, -2, 1), (1, -2, 2))


def _pyth_rows(rng):
    n = rng.randint(2, 3)
    table = rng.choice((PAIRS, TRIPLES))
    return {"x": [list(rng.choice(table)) for _ in range(n)]}


def _pyth_cols(rng):
    rows = _pyth_rows(rng)["x"]
    return {"x": [list(col) for col in zip(*rows)]}


def _counts(rng):
    n = rng.randint(2, 3)
    k = rng.choice([kk for kk in (2, 3, 4) if kk != n])
    return {"x": [[rng.randint(1, 4) for _ in range(k)] for _ in range(n)]}


def _square_pyth(rng):
    while True:
        rows = [list(rng.choice(PAIRS)) for _ in range(2)]
        if any(r[0] != 0 for r in rows):
            return {"x": rows}


STRUCTURES = (
    Structure("x / x.norm(dim=1, keepdim=True)", _pyth_rows, (
        ("normalised the columns", "x / x.norm(dim=0, keepdim=True)"),
        ("divided by the sum (L1)", "x / x.abs().sum(1, keepdim=True)"),
        ("divided by the squared norm", "x / (x ** 2).sum(1, keepdim=True)"),
    ), setup=("x = x.float()",)),
    Structure("x / x.norm(dim=0, keepdim=True)", _pyth_cols, (
        ("normalised the rows", "x / x.norm(dim=1, keepdim=True)"),
        ("divided by the sum (L1)", "x / x.abs().sum(0, keepdim=True)"),
    ), setup=("x = x.float()",)),
    Structure("x / x.sum(1, keepdim=True)", _counts, (
        ("normalised the columns", "x / x.sum(0, keepdim=True)"),
        ("divided by the norm (L2)", "x / x.norm(dim=1, keepdim=True)"),
    ), setup=("x = x.float()",)),
    Structure("x / x.sum(0, keepdim=True)", _counts, (
        ("normalised the rows", "x / x.sum(1, keepdim=True)"),
        ("divided by the total", "x / x.sum()"),
    ), setup=("x = x.float()",)),
    Structure("x / x.norm(dim=1)", _square_pyth, (
        ("read it as row normalisation (keepdim)", "x / x.norm(dim=1, keepdim=True)"),
        ("divided by the column norms", "x / x.norm(dim=0)"),
    ), setup=("x = x.float()",), comment="no keepdim"),
    Structure("x / x.abs().max(1, keepdim=True).values", _counts, (
        ("took the column maxima", "x / x.abs().max(0, keepdim=True).values"),
        ("divided by the row sums", "x / x.sum(1, keepdim=True)"),
    ), setup=("x = x.float()",)),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a nested list.",
        precision=Precision.decimals(3),
        hints=(
            "x.norm(dim=1) is each row's length sqrt(sum of squares); keepdim=True keeps it as a column, one value per row.",
            "Without keepdim the [n] vector lines up with the LAST axis: entry [r, c] is divided by the value of row c.",
        ),
        explain=lambda s, a: f"`{s.expr}`: compute the norms or sums along the stated axis, then divide, broadcasting as the shapes say.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(x):
    return x / x.norm(dim=-1, keepdim=True)


def columns(x):
    return x / x.norm(dim=0, keepdim=True)


def no_keepdim(x):
    return x / x.norm(dim=-1)


def l1(x):
    return x / x.abs().sum(-1, keepdim=True)


def squared(x):
    return x / (x ** 2).sum(-1, keepdim=True)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(2, 6)
    d = n if case % 4 == 0 else rng.randint(2, 6)
    return {"x": torch.randn(n, d, generator=g) * rng.choice([0.5, 1.0, 3.0])}


CODE = CodeSpec(
    function="normalise_rows",
    signature="def normalise_rows(x: torch.Tensor) -> torch.Tensor:",
    doc=(
        "x ([n, d]) with every row scaled to unit Euclidean (L2) length: out[i] = x[i] / |x[i]|.\n"
        "Same shape as x. One line; no F.normalize."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("columns", columns, "That normalises the columns: take the norm along the last axis (dim=-1)."),
        Mistake("no_keepdim", no_keepdim, "The norms lost their axis and broadcast along the columns: use keepdim=True."),
        Mistake("l1", l1, "Unit length is the L2 norm (sqrt of the sum of squares), not the sum of absolute values."),
        Mistake("squared", squared, "Divide by the norm, not its square: take the square root of the sum of squares."),
    ),
    rules=("one_line", "no_loops"),
    n_cases=20,
)


# ------------------------------------------------------------------ the task form

_ROWS = "`x` holds one vector per row."
_COLS = "`x` holds one vector per column."
_SEQ = "`x` holds one block per sequence, in it one row per position and one column per coordinate."


def _mat(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "nonzero"),), solutions, mistakes)


def _seq(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "btd", "nonzero"),), solutions, mistakes)


_CENTRED = "(x - x.mean(1, keepdim=True))"
TASK_CASES = (
    _mat(f"{_ROWS} Scale each vector to length 1 (its squares add up to 1), keeping its direction.",
         ("x / x.norm(dim=1, keepdim=True)", "F.normalize(x, dim=1)", "x / (x ** 2).sum(1, keepdim=True).sqrt()"),
         (("scaled the columns", "x / x.norm(dim=0, keepdim=True)"), ("divided by the squared length", "x / (x ** 2).sum(1, keepdim=True)"))),
    _mat(f"{_COLS} Scale each vector to length 1 (its squares add up to 1), keeping its direction.",
         ("x / x.norm(dim=0, keepdim=True)", "F.normalize(x, dim=0)", "x / (x ** 2).sum(0).sqrt()"),
         (("scaled the rows", "x / x.norm(dim=1, keepdim=True)"),)),
    _mat(f"{_ROWS} Scale each vector so the absolute values of its entries add up to 1 (signs kept).",
         ("x / x.abs().sum(1, keepdim=True)", "F.normalize(x, p=1, dim=1)", "x / x.norm(p=1, dim=1, keepdim=True)"),
         (("divided by the plain sum", "x / x.sum(1, keepdim=True)"),)),
    _mat(f"{_COLS} Scale each vector so the absolute values of its entries add up to 1 (signs kept).",
         ("x / x.abs().sum(0)", "F.normalize(x, p=1, dim=0)", "x / x.norm(p=1, dim=0, keepdim=True)"),
         (("scaled the rows", "x / x.abs().sum(1, keepdim=True)"),)),
    _mat(f"{_ROWS} Scale each vector so its largest absolute value is 1 (signs kept).",
         ("x / x.abs().amax(1, keepdim=True)", "x / x.abs().max(1, keepdim=True).values"),
         (("divided by the largest value, sign and all", "x / x.amax(1, keepdim=True)"),)),
    _mat(f"{_ROWS} Shift each vector so its entries average 0.",
         ("x - x.mean(1, keepdim=True)", "x - x.sum(1, keepdim=True) / x.shape[1]"),
         (("subtracted the column means", "x - x.mean(0)"),)),
    _mat(f"{_COLS} Shift each vector so its entries average 0.",
         ("x - x.mean(0)", "x - x.mean(0, keepdim=True)", "x - x.sum(0) / x.shape[0]"),
         (("subtracted the row means", "x - x.mean(1, keepdim=True)"),)),
    _mat(f"{_ROWS} Shift and scale each vector so its entries average 0 and their squares average 1.",
         (f"{_CENTRED} / x.std(1, keepdim=True, correction=0)", f"{_CENTRED} / ({_CENTRED} ** 2).mean(1, keepdim=True).sqrt()"),
         (("divided by the unbiased spread (n - 1)", f"{_CENTRED} / x.std(1, keepdim=True)"),
          ("scaled without shifting", "x / (x ** 2).mean(1, keepdim=True).sqrt()"))),
    _mat(f"{_ROWS} The length of each vector (the square root of the sum of its squares).",
         ("x.norm(dim=1)", "(x ** 2).sum(1).sqrt()", "torch.norm(x, dim=1)"),
         (("left out the square root", "(x ** 2).sum(1)"),)),
    _mat(f"{_COLS} The sum of the absolute values of each vector's entries.",
         ("x.abs().sum(0)", "x.norm(p=1, dim=0)", "torch.norm(x, p=1, dim=0)"),
         (("added up the values, signs and all", "x.sum(0)"),)),
    _mat(f"{_ROWS} The cosine of the angle between every two vectors (each row against each row).",
         ("F.normalize(x, dim=1) @ F.normalize(x, dim=1).T", "(x @ x.T) / (x.norm(dim=1)[:, None] * x.norm(dim=1))",
          "torch.einsum('ik,jk->ij', F.normalize(x, dim=1), F.normalize(x, dim=1))"),
         (("did not scale the vectors", "x @ x.T"),)),
    _seq(f"{_SEQ} Scale each position's vector (its coordinates) to length 1, keeping its direction.",
         ("F.normalize(x, dim=-1)", "x / x.norm(dim=-1, keepdim=True)", "x / (x ** 2).sum(2, keepdim=True).sqrt()"),
         (("scaled over the positions", "F.normalize(x, dim=1)"),)),
    _seq(f"{_SEQ} For each sequence and coordinate, scale the values across the positions so their absolute "
         "values add up to 1 (signs kept).",
         ("x / x.abs().sum(1, keepdim=True)", "F.normalize(x, p=1, dim=1)", "x / x.norm(p=1, dim=1, keepdim=True)"),
         (("scaled over the coordinates", "x / x.abs().sum(2, keepdim=True)"),)),
    _seq(f"{_SEQ} Shift each position's vector so its coordinates average 0.",
         ("x - x.mean(-1, keepdim=True)", "x - x.mean(2)[..., None]", "x - x.sum(-1, keepdim=True) / x.shape[-1]"),
         (("averaged over the positions", "x - x.mean(1, keepdim=True)"),)),
)

TASK_HINTS = ("Along which axis do the entries of one vector lie?",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="Row and column normalisation",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Normalise rows or columns by hand (L2, L1, max; with and without keepdim); write normalise_rows in one line.",
    code_spec=CODE,
)
