"""The paper's W against the notebook's: the same weights, transposed.

The paper writes one instance's weights as \\(W \\in \\mathbb{R}^{m \\times n}\\) (hidden × features,
column i is feature i's direction) and studies the n × n Gram matrix \\(W^T W\\); the notebook
stores ``W[instance]`` as features × hidden, one row per feature, so the same Gram matrix is
``W[0] @ W[0].T``. Each card gives W in one convention and asks an entry of the feature Gram
matrix written in the other; the classic slip multiplies the wrong way round (the m × m Gram of
hidden dimensions). Answers are ``superpos_core.gram`` run on the notebook-layout tensor.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import (
    clean,
    fmt,
    give,
    indent_rows,
    number_mistakes,
    number_spellings,
    variant,
)
from exercises.superposition._small_w import ENTRIES

ID = "superposition.w_convention"
DIRECTIONS = ("notebook_to_paper", "paper_to_notebook")


def feature_gram(rows: list[list[float]]) -> list[list[float]]:
    """The features × features Gram matrix of notebook-layout rows, from ``superpos_core.gram``."""
    import torch

    import superpos_core

    G = superpos_core.gram(torch.tensor(rows, dtype=torch.float64))
    return [[clean(v, 9) for v in r] for r in G.tolist()]


def _mistakes(rows, i: int, j: int) -> list[tuple[str, float]]:
    import numpy as np

    W = np.array(rows)  # notebook layout [features, hidden]
    H = W.T @ W  # the hidden × hidden Gram: the product taken the wrong way round
    return [
        ("multiplied the wrong way round: the hidden x hidden Gram", float(H[i, j])),
        (f"feature {i}'s squared norm (the diagonal)", float(W[i] @ W[i])),
        (f"the product of the stored entries [{i}, {j}] and [{j}, {i}]", float(W[i, j] * W[j, i])),
    ]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.exact()
    direction = DIRECTIONS[seed % 2]
    m = 3

    def draw():
        F = rng.randint(4, 6)
        rows = [[rng.choice(ENTRIES) for _ in range(m)] for _ in range(F)]
        if any(not any(r) for r in rows):
            return None
        i, j = rng.sample(range(m), 2)
        value = feature_gram(rows)[i][j]
        if value == 0:
            return None
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, _mistakes(rows, i, j))
        return None if mistakes is None else (F, rows, i, j, value, check, mistakes)

    F, rows, i, j, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    if direction == "notebook_to_paper":
        code = indent_rows("W[0]", rows, f"notebook layout: {F} features x {m} hidden")
        prompt = (
            f"The notebook's `W[0]` below stores one row per feature. The paper writes the same weights as a matrix "
            f"\\(W\\) of {m} rows (hidden dimensions) and {F} columns (features) and studies \\(W^T W\\). "
            f"What is entry \\((W^T W)_{{{i}{j}}}\\) (row {i}, column {j}, counting from 0)?"
        )
    else:
        cols = [list(c) for c in zip(*rows)]
        code = indent_rows("W_paper", cols, f"the paper's layout: {m} hidden x {F} features")
        prompt = (
            f"The paper's matrix `W_paper` below has one row per hidden dimension and one column per feature. Load it "
            f"into the notebook's model as `W[0]` (one row per feature). What is `(W[0] @ W[0].T)[{i}, {j}]`?"
        )
    return variant(
        ID, form, seed,
        params={"direction": direction, "W": rows, "entry": [i, j]},
        prompt=prompt + give(precision),
        answer=value,
        check=check,
        code=code,
        explanation=(
            f"Both are the features × features Gram matrix: entry [{i}, {j}] is the dot product of feature {i}'s and "
            f"feature {j}'s directions, i.e. of the notebook's rows {i} and {j} (the paper's columns {i} and {j}): "
            f"{fmt(value)}. Multiplying the other way round gives the {m} × {m} Gram of hidden dimensions."
        ),
        hints=(
            "Paper: columns of W are features, so WᵀW is features × features. Notebook: rows of W[0] are features.",
            f"Entry [{i}, {j}] is the dot product of the directions of features {i} and {j}.",
            f"Feature {i}'s direction is {rows[i]}; feature {j}'s is {rows[j]}.",
        ),
        wrong=[r for _, r in mistakes],
        right=number_spellings(value),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="The paper's W and the notebook's W",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Convert between the paper's W (hidden × features, WᵀW) and the notebook's rows-as-features W[0].",
)
