"""Sampling a categorical by inverse CDF: cumulative probabilities compared with uniform draws.

The value form shows probabilities in eighths (so the cumulative sums are exact) and uniform
draws, some exactly on a boundary, and runs the comparison-and-count (or ``searchsorted``) that
turns them into sampled indices; misreadings (``<`` for ``<=``, no cumulative sum, the
broadcast the other way) run too and must give another answer. The code exercise is
``sample(probs, u)``: one index per row.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, value_variant

ID = "tensors.sample"


def _eighths(rng, k):
    cuts = sorted(rng.sample(range(1, 8), k - 1))
    edges = [0] + cuts + [8]
    return [b - a for a, b in zip(edges, edges[1:])]


def _one_dist(rng):
    k = rng.randint(3, 4)
    c = _eighths(rng, k)
    cdf = [sum(c[: i + 1]) for i in range(k)]
    m = rng.randint(3, 5)
    u = [rng.choice(cdf[:-1]) if rng.random() < 0.4 else rng.randrange(8) for _ in range(m)]
    return {"c": c, "u8": u}


def _rows(rng):
    n = rng.randint(2, 4)
    k = 3
    c = [_eighths(rng, k) for _ in range(n)]
    u = [rng.randrange(8) for _ in range(n)]
    return {"c": c, "u8": u}


SETUP = ("p = c / 8  # probabilities", "u = u8 / 8  # uniform draws in [0, 1)")

STRUCTURES = (
    Structure("(p.cumsum(0) <= u[:, None]).sum(1)", _one_dist, (
        ("used < instead of <=", "(p.cumsum(0) < u[:, None]).sum(1)"),
        ("compared p, not its cumulative sum", "(p <= u[:, None]).sum(1)"),
    ), setup=SETUP),
    Structure("torch.searchsorted(p.cumsum(0), u, right=True)", _one_dist, (
        ("searched with right=False", "torch.searchsorted(p.cumsum(0), u)"),
        ("searched p itself", "torch.searchsorted(p, u, right=True)"),
    ), setup=SETUP),
    Structure("(p.cumsum(0) < u[:, None]).sum(1)", _one_dist, (
        ("used <= instead of <", "(p.cumsum(0) <= u[:, None]).sum(1)"),
        ("counted from the right", "(p.cumsum(0) > u[:, None]).sum(1)"),
    ), setup=SETUP),
    Structure("(p.cumsum(1) <= u[:, None]).sum(1)", _rows, (
        ("summed down the columns", "(p.cumsum(0) <= u[:, None]).sum(1)"),
        ("used < instead of <=", "(p.cumsum(1) < u[:, None]).sum(1)"),
        ("took each row's most likely class", "p.argmax(1)"),
    ), setup=SETUP),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out` (the sampled indices)? Give it as a list.",
        precision=None,
        hints=(
            "The cumulative sum of p splits [0, 1) into one interval per class; a draw u lands in one of them.",
            "(cdf <= u).sum() counts the boundaries at or below u: that count is the index of u's interval.",
        ),
        explain=lambda s, a: "Write out the cumulative probabilities, then count for each draw the boundaries it reaches.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(probs, u):
    import torch

    return torch.searchsorted(probs.cumsum(-1), u[:, None], right=True)[:, 0].clamp(max=probs.shape[-1] - 1)


def strict(probs, u):
    return (probs.cumsum(-1) < u[:, None]).sum(-1)


def no_cumsum(probs, u):
    return (probs <= u[:, None]).sum(-1)


def no_broadcast(probs, u):
    return (probs.cumsum(-1) <= u).sum(-1)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    n = rng.randint(1, 6)
    k = rng.randint(2, 5)
    if case % 4 == 0:
        k = n
    rows = []
    for _ in range(n):
        cuts = sorted(rng.sample(range(1, 16), min(k - 1, 15)))
        edges = [0] + cuts + [16]
        rows.append([(b - a) / 16 for a, b in zip(edges, edges[1:])])
    probs = torch.tensor(rows)
    cdf = probs.cumsum(-1)
    u = torch.tensor([float(cdf[i, rng.randrange(k - 1)]) if k > 1 and rng.random() < 0.4 else rng.randrange(16) / 16
                      for i in range(n)])
    return {"probs": probs, "u": u}


CODE = CodeSpec(
    function="sample",
    signature="def sample(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:",
    doc=(
        "Inverse-CDF sampling, one draw per row: probs is [batch, classes] (each row sums to 1),\n"
        "u is [batch] with entries in [0, 1). Returns [batch] integer indices: for row i, the\n"
        "smallest class k with u[i] < probs[i, 0] + ... + probs[i, k]. One line."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("strict", strict, "A draw exactly on a boundary belongs to the next class: count cdf <= u, not cdf < u."),
        Mistake("no_cumsum", no_cumsum, "Compare u with the CUMULATIVE probabilities (cumsum along the classes)."),
        Mistake("no_broadcast", no_broadcast, "u[i] belongs to row i: compare cdf with u[:, None] so it lines up with the batch axis."),
    ),
    rules=("one_line", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="Sampling by inverse CDF",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="Turn probabilities and uniform draws into sampled indices (cumsum and a comparison, or searchsorted); write sample(probs, u).",
    code_spec=CODE,
)
