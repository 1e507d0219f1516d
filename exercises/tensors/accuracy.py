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
from exercises.tensors._task import Case, with_task

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


# ------------------------------------------------------------------ the task form

_EX = ("`x` holds a classifier's scores: one row per example, one column per class; `y` holds each example's "
       "correct class. An example's predicted class is the class with its highest score.")
_CL = ("`x` holds a classifier's scores: one row per class, one column per example; `y` holds each example's "
       "correct class. An example's predicted class is the class with its highest score.")
_SEQ = ("`x` holds a model's scores: one block per sequence, in it one row per position and one column per "
        "vocabulary token; `y` holds the correct token at each position. The predicted token is the one with the "
        "highest score.")


def _some_right(dim: int, whole: bool = False):
    """Labels that agree with the prediction (the argmax along ``dim``) for some examples and not for
    others (with ``whole``: some sequences right at every position, the others wrong at every one), so
    that no count, fraction or 0/1 answer is the same for every response (zero correct, all correct)."""
    def fix(env: dict, rng: random.Random) -> dict:
        pred, y, classes = env["x"].argmax(dim), env["y"].clone(), env["x"].shape[dim]
        units = y.shape[0] if whole else y.numel()
        right = set(rng.sample(range(units), rng.randint(1, units - 1)))
        flat_pred, flat_y = pred.reshape(units, -1), y.reshape(units, -1)
        for u in range(units):
            flat_y[u] = flat_pred[u] if u in right else (flat_pred[u] + rng.randrange(1, classes)) % classes
        return {**env, "y": flat_y.reshape(y.shape)}
    return fix


def _mat(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = (), rows: str = "r") -> Case:
    return Case(story, (("x", "rc", "nonzero"), ("y", rows, "index:" + ("c" if rows == "r" else "r"))),
                solutions, mistakes, fix=_some_right(1 if rows == "r" else 0))


def _seq(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = (), whole: bool = False) -> Case:
    return Case(story, (("x", "btv", "nonzero"), ("y", "bt", "index:v")), solutions, mistakes,
                fix=_some_right(2, whole))


TASK_CASES = (
    _mat(f"{_EX} The fraction of examples whose predicted class is the correct one.",
         ("x.argmax(1).eq(y).double().mean()", "(x.argmax(1) == y).float().mean()", "torch.eq(x.max(1).indices, y).double().mean()"),
         (("predicted along the examples", "x.argmax(0).eq(y).double().mean()"),)),
    _mat(f"{_EX} The number of examples whose predicted class is the correct one.",
         ("x.argmax(1).eq(y).sum()", "torch.eq(x.max(1).indices, y).sum()", "(x.argmax(1) == y).sum()"),
         (("took the fraction", "x.argmax(1).eq(y).double().mean()"),)),
    _mat(f"{_CL} The fraction of examples whose predicted class is the correct one.",
         ("x.argmax(0).eq(y).double().mean()", "(x.argmax(0) == y).float().mean()", "torch.eq(x.T.argmax(1), y).float().mean()"),
         (("predicted along the classes' rows", "x.argmax(1).eq(y).double().mean()"),), rows="c"),
    _mat(f"{_CL} The number of examples whose predicted class is the correct one.",
         ("x.argmax(0).eq(y).sum()", "torch.eq(x.max(0).indices, y).sum()", "(x.argmax(0) == y).sum()"),
         rows="c"),
    _mat(f"{_EX} The fraction of examples whose correct class is among their two highest-scoring classes.",
         ("x.gt(x.gather(1, y[:, None])).sum(1).le(1).double().mean()",
          "torch.le(torch.gt(x, x[torch.arange(x.shape[0]), y][:, None]).sum(1), 1).float().mean()",
          "((x > x[torch.arange(x.shape[0]), y][:, None]).sum(1) <= 1).float().mean()"),
         (("only the highest-scoring class", "x.argmax(1).eq(y).double().mean()"),)),
    _mat(f"{_EX} For each example, 1 if its predicted class is the correct one and 0 if not.",
         ("x.argmax(1).eq(y).long()", "torch.eq(x.max(1).indices, y).float()", "(x.argmax(1) == y).long()"),
         (("predicted along the examples", "x.argmax(0).eq(y).long()"),)),
    _mat(f"{_CL} For each example, 1 if its predicted class is the correct one and 0 if not.",
         ("x.argmax(0).eq(y).long()", "torch.eq(x.T.argmax(-1), y).float()", "(x.argmax(0) == y).long()"),
         rows="c"),
    _mat(f"{_EX} For each example, its correct class's score minus its highest score (0 when the prediction is right).",
         ("x.gather(1, y[:, None])[:, 0] - x.amax(1)", "x[torch.arange(x.shape[0]), y] - x.max(1).values"),
         (("subtracted the other way round", "x.amax(1) - x.gather(1, y[:, None])[:, 0]"),)),
    _mat(f"{_CL} For each example, its correct class's score minus its highest score (0 when the prediction is right).",
         ("x.gather(0, y[None, :])[0] - x.amax(0)", "x[y, torch.arange(x.shape[1])] - x.max(0).values"),
         rows="c"),
    _seq(f"{_SEQ} The fraction of positions, over all sequences, whose predicted token is the correct one.",
         ("x.argmax(2).eq(y).double().mean()", "torch.eq(x.max(-1).indices, y).float().mean()", "(x.argmax(2) == y).float().mean()"),
         (("predicted along the positions", "x.argmax(1).eq(y[:, :1]).double().mean()"),)),
    _seq(f"{_SEQ} The number of positions, over all sequences, whose predicted token is the correct one.",
         ("x.argmax(2).eq(y).sum()", "torch.eq(x.max(-1).indices, y).sum()", "(x.argmax(2) == y).sum()")),
    _seq(f"{_SEQ} The fraction of sequences whose predicted tokens are correct at every position.",
         ("x.argmax(2).ne(y).sum(1).eq(0).double().mean()", "torch.eq(x.argmax(2), y).all(1).float().mean()",
          "(x.argmax(-1) == y).all(1).float().mean()"),
         (("the fraction of correct positions", "x.argmax(-1).eq(y).double().mean()"),), whole=True),
)

TASK_HINTS = ("Along which axis are the classes, so along which axis is the prediction taken?",
              "Does the result keep one number per example, count them, or take a fraction?")


FAMILY = Family(
    id=ID,
    title="Accuracy",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Compute accuracy, hit counts and top-2 accuracy from a tiny logits matrix; write accuracy(logits, labels) in one line.",
    code_spec=CODE,
)
