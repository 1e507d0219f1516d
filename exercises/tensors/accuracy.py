"""Accuracy: argmax along the class axis, compare with the labels, average (or count, or top-k).

The value form runs one of these on a tiny logits matrix with unique row maxima; misreadings
(argmax over the batch axis, argmin, count for fraction, top-1 for top-2, ``>`` for ``>=``) run
too and must give another answer. The code exercise is ``accuracy(logits, labels)``.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import Precision
from exercises.tensors._common import Structure, generator, value_variant

ID = "tensors.accuracy"


def _logits(rng):
    n = rng.randint(4, 6)
    k = rng.choice([kk for kk in (3, 4) if kk != n])
    rows = []
    for _ in range(n):
        row = rng.sample(range(-4, 8), k)  # distinct: argmax and argmin are unique
        rows.append(row)
    y = [rng.randrange(k) if rng.random() < 0.6 else max(range(k), key=lambda j: rows[i][j]) for i in range(n)]
    return {"x": rows, "y": y} if _mixed(rows, y) else None


def _mixed(rows, y) -> bool:
    """Some row right at top-1 and some row wrong even at top-2: no answer of 0 or 1 (nor n)."""
    top = [sorted(range(len(r)), key=lambda j: -r[j]) for r in rows]
    return any(t[0] == c for t, c in zip(top, y)) and any(c not in t[:2] for t, c in zip(top, y))


def _square(rng):
    n = rng.randint(3, 4)
    rows = [rng.sample(range(-4, 8), n) for _ in range(n)]
    y = [rng.randrange(n) if rng.random() < 0.6 else max(range(n), key=lambda j: rows[i][j]) for i in range(n)]
    return {"x": rows, "y": y} if _mixed(rows, y) else None


def _probs(rng):
    n = rng.randint(5, 7)
    p = [rng.choice([0.1, 0.3, 0.5, 0.5, 0.6, 0.8, 0.9]) for _ in range(n)]
    y = [rng.randint(0, 1) for _ in range(n)]
    hits = sum((q > 0.5) == bool(c) for q, c in zip(p, y))
    return {"p": p, "y": y} if 0 < hits < n else None


STRUCTURES = (
    Structure("(x.argmax(-1) == y).float().mean()", _logits, (
        ("took argmin", "(x.argmin(-1) == y).float().mean()"),
        ("counted instead of averaging", "(x.argmax(-1) == y).sum()"),
    )),
    Structure("(x.argmax(1) == y).float().mean()", _square, (
        ("took the argmax down each column", "(x.argmax(0) == y).float().mean()"),
        ("took argmin", "(x.argmin(1) == y).float().mean()"),
    )),
    Structure("(x.argmax(-1) == y).sum()", _logits, (
        ("took argmin", "(x.argmin(-1) == y).sum()"),
        ("counted the misses", "(x.argmax(-1) != y).sum()"),
    )),
    Structure("(x.topk(2, dim=-1).indices == y[:, None]).any(-1).float().mean()", _logits, (
        ("took top-1", "(x.argmax(-1) == y).float().mean()"),
        ("counted instead of averaging", "(x.topk(2, dim=-1).indices == y[:, None]).any(-1).sum()"),
    )),
    Structure("((p > 0.5).long() == y).float().mean()", _probs, (
        ("read > as >=", "((p >= 0.5).long() == y).float().mean()"),
        ("counted instead of averaging", "((p > 0.5).long() == y).sum()"),
    )),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`?",
        precision=Precision.decimals(3),
        hints=(
            "x is [batch, classes]: argmax over the class axis gives each row's predicted class.",
            "Compare predictions with y entry by entry; .float().mean() is the fraction right, .sum() the count.",
        ),
        explain=lambda s, a: f"Predict each row's class, compare with y, then reduce as `{s.expr}` says.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(logits, labels):
    return (logits.argmax(-1) == labels).float().mean()


def batch_axis(logits, labels):
    return (logits.argmax(0) == labels).float().mean()


def count(logits, labels):
    return (logits.argmax(-1) == labels).float().sum()


def max_values(logits, labels):
    return (logits.max(-1).values == labels).float().mean()


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(2, 9)
    k = n if case % 4 == 0 else rng.randint(2, 6)
    logits = torch.randn(n, k, generator=g)
    pred = logits.argmax(-1)
    labels = torch.where(torch.rand(n, generator=g) < 0.6, pred, torch.randint(0, k, (n,), generator=g))
    return {"logits": logits, "labels": labels}


CODE = CodeSpec(
    function="accuracy",
    signature="def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The fraction of rows of logits ([batch, classes]) whose largest logit is at the row's label\n"
        "(labels: [batch], integers). Returns a 0-d float tensor. One line."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("batch_axis", batch_axis, "argmax over the class axis (dim=-1): one prediction per row."),
        Mistake("count", count, "That is the number right; accuracy is the fraction (mean)."),
        Mistake("max_values", max_values, "max(...).values are the largest logits; compare their positions, argmax, with the labels."),
    ),
    rules=("one_line", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Accuracy",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Compute accuracy, hit counts and top-2 accuracy from a tiny logits matrix; write accuracy(logits, labels) in one line.",
    code_spec=CODE,
)
