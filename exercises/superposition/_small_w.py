"""Small, round feature matrices (one instance, 2 hidden dimensions) that a learner can
work through by hand, and the glue that runs superpos_core's analysis on them.

The feature asked about gets a direction whose length is "nice" (1, 2, 0.5, or a 3-4-5
triangle), so normalising it needs no calculator.
"""
from __future__ import annotations

import random
from typing import Any

from exercises.superposition._common import clean, indent_rows

# vectors with an easy norm, for the feature whose direction \hat W_i is needed
NICE = (
    (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (2.0, 0.0), (0.0, 2.0), (0.0, -2.0),
    (0.6, 0.8), (0.8, -0.6), (-0.6, 0.8), (0.8, 0.6), (0.5, 0.0), (0.0, 0.5), (3.0, 4.0),
)
ENTRIES = (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)


def small_w(rng: random.Random, n_features: int, nice: int) -> list[list[float]]:
    """A [n_features, 2] matrix; row ``nice`` has an easy norm, no row is zero, rows differ."""
    while True:
        rows = []
        for f in range(n_features):
            if f == nice:
                rows.append(list(rng.choice(NICE)))
            else:
                rows.append([rng.choice(ENTRIES), rng.choice(ENTRIES)])
        if all(any(r) for r in rows) and len({tuple(r) for r in rows}) == n_features:
            return rows


def show(rows: list[list[float]], name: str = "W") -> str:
    """The matrix as code, with W[0] rows = features, as the model stores it."""
    return (
        indent_rows(f"{name}[0]", rows, f"instance 0: {len(rows)} features x {len(rows[0])} hidden")
    )


def as_model_W(rows: list[list[float]]):
    """The [1, features, hidden] float32 tensor superpos_core expects."""
    import torch

    return torch.tensor([rows], dtype=torch.float32)


def first_instance(x: Any) -> list:
    """Instance 0 of an analysis result (tensor or array) as plain floats, float noise removed."""
    import numpy as np

    arr = np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x, dtype=float)
    arr = arr[0]
    return [clean(v, 6) for v in np.atleast_1d(arr).tolist()] if arr.ndim <= 1 else arr.tolist()
