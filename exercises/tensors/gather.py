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
from exercises.tensors._task import Case, with_task

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


# ------------------------------------------------------------------ the task form

_R = "torch.arange(x.shape[0])"
_C = "torch.arange(x.shape[1])"
_TABLE = "`x` is a table of numbers, one row per item and one column per feature"


def _case(story: str, idx: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    axes = {"r": "r", "c": "c", "kr": "k", "kc": "k", "rk": "rk", "kcc": "kc"}[idx]
    within = {"r": "c", "c": "r", "kr": "r", "kc": "c", "rk": "c", "kcc": "r"}[idx]
    return Case(story, (("x", "rc", "float"), ("idx", axes, f"index:{within}")), solutions, mistakes)


TASK_CASES = (
    # one entry per row or per column: a result of one axis
    _case(f"{_TABLE}; `idx` names one column for each row. For each row, the entry in the column `idx` names for it.",
          "r", (f"x[{_R}, idx]", "x.gather(1, idx[:, None])[:, 0]", "torch.take_along_dim(x, idx[:, None], dim=1)[:, 0]"),
          (("took whole columns", "x[:, idx]"), ("picked down the columns", f"x[idx, {_C}]"))),
    _case(f"{_TABLE}; `idx` names one row for each column. For each column, the entry in the row `idx` names for it.",
          "c", (f"x[idx, {_C}]", "x.gather(0, idx[None, :])[0]", "torch.take_along_dim(x, idx[None, :], dim=0)[0]"),
          (("took whole rows", "x[idx]"),)),
    _case(f"{_TABLE}; `idx` lists rows (a row may be listed more than once). The total, feature by feature, of the "
          "listed rows, each counted as often as it is listed.",
          "kr", ("x[idx].sum(0)", "x.index_select(0, idx).sum(0)", "F.one_hot(idx, x.shape[0]).sum(0).double() @ x"),
          (("took the listed columns", "x[:, idx].sum(0)"),)),
    _case(f"{_TABLE}; `idx` lists columns (a column may be listed more than once). For each row, the total of its "
          "entries in the listed columns, each counted as often as it is listed.",
          "kc", ("x[:, idx].sum(1)", "x.index_select(1, idx).sum(1)", "x @ F.one_hot(idx, x.shape[1]).sum(0).double()")),
    _case(f"{_TABLE}; `idx` names one column for each row. For each row, the total of its entries except the one in "
          "the column `idx` names for it.",
          "r", (f"x.sum(1) - x[{_R}, idx]", "x.sum(1) - x.gather(1, idx[:, None])[:, 0]")),
    _case(f"{_TABLE}; `idx` names one row for each column. For each column, how far the entry in the row `idx` names "
          "falls below the column's largest entry.",
          "c", (f"x.max(0).values - x[idx, {_C}]", "x.amax(0) - x.gather(0, idx[None, :])[0]")),
    # whole rows or columns, in the table's layout or turned over
    _case(f"{_TABLE}; `idx` lists rows (a row may be listed twice). The listed rows, in the order listed, each still "
          "a row of the result.",
          "kr", ("x[idx]", "x.index_select(0, idx)", "x.gather(0, idx[:, None].expand(-1, x.shape[1]))"),
          (("took columns", "x[:, idx]"),)),
    _case(f"{_TABLE}; `idx` lists columns (a column may be listed twice). The listed columns, in the order listed, "
          "each still a column of the result.",
          "kc", ("x[:, idx]", "x.index_select(1, idx)", "x.gather(1, idx[None, :].expand(x.shape[0], -1))"),
          (("took rows", "x[idx]"),)),
    _case(f"{_TABLE}; `idx` lists rows (a row may be listed twice). The listed rows, in the order listed, each laid "
          "down as a column of the result.",
          "kr", ("x[idx].T", "x.T[:, idx]", "x.index_select(0, idx).mT")),
    _case(f"{_TABLE}; `idx` lists columns (a column may be listed twice). The listed columns, in the order listed, "
          "each laid out as a row of the result.",
          "kc", ("x[:, idx].T", "x.T[idx]", "x.index_select(1, idx).mT")),
    _case(f"{_TABLE}; `idx` names one column for each row. For each row, the entry in the column `idx` names for "
          "it, kept as a row of one entry.",
          "r", ("x.gather(1, idx[:, None])", f"x[{_R}, idx][:, None]", "torch.take_along_dim(x, idx[:, None], dim=1)")),
    _case(f"{_TABLE}; `idx` names one row for each column. For each column, the entry in the row `idx` names for "
          "it, all of them in one row.",
          "c", ("x.gather(0, idx[None, :])", f"x[idx, {_C}][None, :]", "torch.take_along_dim(x, idx[None, :], dim=0)")),
    # several picks per row or per column
    _case(f"{_TABLE}; each row of `idx` lists columns for the same row of `x`. For each row, its entries in the "
          "columns listed for it, in the order listed.",
          "rk", ("x.gather(1, idx)", "torch.take_along_dim(x, idx, dim=1)", f"x[{_R}[:, None], idx]")),
    _case(f"{_TABLE}; each column of `idx` lists rows for the same column of `x`. For each column, its entries in "
          "the rows listed for it, in the order listed, down the column.",
          "kcc", ("x.gather(0, idx)", "torch.take_along_dim(x, idx, dim=0)", f"x[idx, {_C}]")),
)

TASK_HINTS = ("Which axis does each listed number choose along, and which axes stay as they are?",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="Indexing and gather",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Run x[arange, idx], x[idx], x[:, idx] and gather on a tiny matrix; write pick(x, idx) as a tensor puzzle.",
    code_spec=CODE,
)
