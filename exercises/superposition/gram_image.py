"""Reading a Gram-matrix heatmap \\(W W^T\\): norms on the diagonal, overlaps off it.

Each variant builds a small W with a clear-cut answer (margins, not knife edges), renders
it with ``superpos_core.plots.gram_heatmap_png`` and asks either for the pair of distinct
features with the most negative dot product or for the features whose norm is near 0;
both answers come from ``superpos_core.gram`` / ``represented``.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import SetCheck
from exercises.superposition._common import clean, png_image, variant

ID = "superposition.gram_image"
MARGIN = 0.5  # the most negative overlap beats the runner-up by at least this much
SMALL, LARGE = 0.2, 0.8  # "norm near 0" rows are at most SMALL, the others at least LARGE


def _unit(rng: random.Random, H: int) -> list[float]:
    while True:
        v = [rng.uniform(-1, 1) for _ in range(H)]
        n = sum(x * x for x in v) ** 0.5
        if n > 0.3:
            return [x / n for x in v]


def _draw_negative(rng: random.Random, F: int, H: int):
    """Rows with one strongly negative pair (a, b) and every other overlap clearly higher."""
    import superpos_core
    import torch

    while True:
        a, b = rng.sample(range(F), 2)
        rows = []
        for f in range(F):
            scale = rng.choice([0.8, 0.9, 1.0, 1.1])
            rows.append([clean(round(x * scale, 1)) for x in _unit(rng, H)])
        rows[b] = [clean(round(-x * rng.choice([0.8, 0.9, 1.0]), 1)) for x in rows[a]]
        G = superpos_core.gram(torch.tensor([rows], dtype=torch.float64))[0]
        off = sorted(
            (float(G[i, j]), (i, j)) for i in range(F) for j in range(i + 1, F)
        )
        if all(any(r) for r in rows) and off[0][0] <= off[1][0] - MARGIN:
            return rows, off[0][1], off[1][1], off[-1][1]


def _draw_dead(rng: random.Random, F: int, H: int):
    """Rows where some features have norm <= SMALL and the others >= LARGE."""
    n_dead = rng.randint(1, F - 2)
    dead = set(rng.sample(range(F), n_dead))
    rows = []
    for f in range(F):
        if f in dead:
            rows.append([clean(round(x * rng.choice([0.0, 0.1, 0.15]), 2)) for x in _unit(rng, H)])
        else:
            rows.append([clean(round(x * rng.choice([0.9, 1.0, 1.1]), 1)) for x in _unit(rng, H)])
    return rows


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import superpos_core
    import torch

    from superpos_core.plots import gram_heatmap_png

    F = rng.choice([4, 5, 6])
    H = rng.choice([2, 3])
    kind = rng.choice(["negative", "dead"])
    if kind == "negative":
        rows, pair, runner_up, most_positive = _draw_negative(rng, F, H)
        W = torch.tensor([rows], dtype=torch.float64)
        answer = sorted(pair)
        question = "Which two distinct features have the most negative dot product \\(W_i \\cdot W_j\\)?"
        mistakes = [("the second most negative pair", f"{runner_up[0]}, {runner_up[1]}"),
                    ("the most positive pair", f"{most_positive[0]}, {most_positive[1]}")]
        wrong = [r for _, r in mistakes] + [str(answer[0])]
        hints = (
            "Off-diagonal cells are dot products between two different features; the diagonal holds squared norms.",
            "Look for the cell with the strongest negative colour, away from the diagonal.",
            f"One of them is feature {answer[0]}.",
        )
        explanation = (
            f"Features {answer[0]} and {answer[1]} point in nearly opposite directions, so their dot product is "
            "strongly negative: an antipodal pair."
        )
    else:
        rows = _draw_dead(rng, F, H)
        W = torch.tensor([rows], dtype=torch.float64)
        mask = superpos_core.represented(W, threshold=0.5)[0]
        answer = sorted(i for i in range(F) if not bool(mask[i]))
        alive = sorted(set(range(F)) - set(answer))
        question = "Which features have a norm near 0 (not represented)? List their indices."
        mistakes = [("listed the represented features instead", ", ".join(map(str, alive)))]
        wrong = [r for _, r in mistakes] + [", ".join(map(str, range(F))), ", ".join(map(str, answer[:-1])) or "none"]
        hints = (
            "The diagonal of \\(W W^T\\) holds each feature's squared norm \\(\\|W_i\\|^2\\).",
            "A feature that is not represented has a whole row and column of (near) zeros, diagonal included.",
            f"{len(answer)} feature{'s are' if len(answer) > 1 else ' is'} not represented.",
        )
        which = ", ".join(map(str, answer))
        if len(answer) > 1:
            explanation = (f"The diagonal entries of features {which} are near 0: those features have (almost) "
                           "no direction in the hidden space, so they are not represented.")
        else:
            explanation = (f"The diagonal entry of feature {which} is near 0: that feature has (almost) "
                           "no direction in the hidden space, so it is not represented.")
    png = gram_heatmap_png(W[0])
    check = SetCheck(frozenset(answer))
    return variant(
        ID, form, seed,
        params={"W": rows, "kind": kind},
        prompt=(
            f"The heatmap shows the Gram matrix \\(W W^T\\) of one instance with {F} features in {H} hidden "
            f"dimensions (entry (i, j) is \\(W_i \\cdot W_j\\)). {question}"
        ),
        answer=answer,
        check=check,
        answer_text=check.expected_text,
        image=png_image("gram", png),
        explanation=explanation,
        hints=hints,
        wrong=wrong,
        right=["[" + ", ".join(map(str, answer)) + "]", " and ".join(map(str, reversed(answer)))],
        mistakes=[(w, r) for w, r in mistakes if not check.check(r).correct],
    )


FAMILY = Family(
    id=ID,
    title="Reading a Gram-matrix heatmap",
    make=make,
    forms=("read",),
    difficulty=2,
    summary="Read W Wᵀ as a heatmap: find the most negative overlap or the features with norm near 0.",
)
