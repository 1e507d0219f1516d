"""Indexing with index tensors and ``gather``: one entry per row, whole rows, whole columns.

The value form runs ``x[torch.arange(R), idx]``, ``x.gather(...)``, ``x[idx]`` or ``x[:, idx]``
on a tiny non-square matrix; each misreading (per-row pick read as whole columns, the gather
axis swapped...) is run too and must give another answer. The code exercise is Tensor-Puzzles'
kind: pick ``x[i, idx[i]]`` for every row with indexing and ``arange`` only.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, matrix, value_variant

ID = "tensors.gather"


def _rows_cols(rng: random.Random) -> tuple[int, int]:
    R = rng.randint(2, 4)
    C = rng.choice([c for c in range(2, 6) if c != R])
    return R, C


def _per_row(rng):
    R, C = _rows_cols(rng)
    return {"x": matrix(rng, R, C, 0, 9), "idx": [rng.randrange(C) for _ in range(R)]}


def _per_col(rng):
    R, C = _rows_cols(rng)
    return {"x": matrix(rng, R, C, 0, 9), "idx": [rng.randrange(R) for _ in range(C)]}


def _some_rows(rng):
    R, C = _rows_cols(rng)
    return {"x": matrix(rng, R, C, 0, 9), "idx": [rng.randrange(R) for _ in range(rng.randint(2, 3))]}


def _some_cols(rng):
    R, C = _rows_cols(rng)
    return {"x": matrix(rng, R, C, 0, 9), "idx": [rng.randrange(C) for _ in range(rng.randint(2, 3))]}


ROW_PICK_MISTAKES = (
    ("took whole columns (x[:, idx])", "x[:, idx]"),
    ("swapped the index order (x[idx, arange])", "x[idx, torch.arange(len(idx))]"),
    ("picked along the other axis", "x.gather(0, idx[None, :])[0]"),
)
COL_PICK_MISTAKES = (
    ("took whole rows (x[idx])", "x[idx]"),
    ("picked along the other axis", "x.gather(1, idx[:, None])[:, 0]"),
    ("swapped the index order", "x[torch.arange(len(idx)), idx]"),
)
STRUCTURES = (
    Structure("x[torch.arange(x.shape[0]), idx]", _per_row, ROW_PICK_MISTAKES),
    Structure("x.gather(1, idx[:, None])[:, 0]", _per_row, ROW_PICK_MISTAKES),
    Structure("x[idx, torch.arange(x.shape[1])]", _per_col, COL_PICK_MISTAKES),
    Structure("x.gather(0, idx[None, :])[0]", _per_col, COL_PICK_MISTAKES),
    Structure("x[idx]", _some_rows, (("took columns", "x[:, idx]"), ("took the rows' first entries", "x[idx, 0]"))),
    Structure("x[:, idx]", _some_cols, (("took rows", "x[idx]"), ("took row 0 only", "x[0, idx]"),
                                        ("transposed the result", "x[:, idx].T"))),
    Structure("x[idx].sum(0)", _some_rows, (("summed columns instead", "x[:, idx].sum(0)"),
                                            ("summed each row", "x[idx].sum(1)"))),
    Structure("x[:, idx].sum(1)", _some_cols, (("summed over rows", "x[:, idx].sum(0)"),
                                               ("indexed rows", "x[idx].sum(1)"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a (nested) list.",
        precision=None,
        hints=(
            "An index tensor in one position picks along that axis; two index tensors are paired entry by entry.",
            "`x[rows, cols]` with two 1-D index tensors of length n gives n entries: x[rows[k], cols[k]]; "
            "`gather(d, idx)` reads x at idx along axis d and keeps every other index as it is.",
        ),
        explain=lambda s, a: f"`{s.expr}`: pair the index tensors position by position (a lone index tensor picks whole rows or columns).",
    )


# ------------------------------------------------------------------ the code exercise


def reference(x, idx):
    return x.gather(1, idx[:, None])[:, 0]


def whole_columns(x, idx):
    return x[:, idx]


def swapped(x, idx):
    import torch

    return x[idx, torch.arange(x.shape[0])]


def whole_rows(x, idx):
    return x[idx]


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    R = rng.randint(1, 6)
    C = R if case % 4 == 0 else rng.choice([c for c in range(1, 8) if c != R] or [R])
    x = torch.randn(R, C, generator=g)
    idx = torch.randint(0, C, (R,), generator=g)
    return {"x": x, "idx": idx}


CODE = CodeSpec(
    function="pick",
    signature="def pick(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:",
    doc=(
        "For every row i of x ([rows, cols]), the entry in column idx[i] (idx: [rows], integers).\n"
        "Returns [rows]: out[i] = x[i, idx[i]]. Write it with indexing and torch.arange only."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("whole_columns", whole_columns,
                "x[:, idx] takes whole columns ([rows, rows]): index both axes at once, x[rows, idx] with "
                "rows = torch.arange(x.shape[0])."),
        Mistake("swapped", swapped, "The row index comes first: x[torch.arange(rows), idx], not x[idx, torch.arange(rows)]."),
        Mistake("whole_rows", whole_rows, "x[idx] picks whole rows; pair idx with a row index to pick one entry per row."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Indexing and gather",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run x[arange, idx], x[idx], x[:, idx] and gather on a tiny matrix; write pick(x, idx) as a tensor puzzle.",
    code_spec=CODE,
)
