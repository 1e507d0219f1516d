"""The loss-optimal phase of 2 features in 1 dimension, from the exact expected loss.

The trained phase diagram (``_runs``' ``phase_diagram``) is "superposed" in every cell below
p ~ 0.14 and over most of the row p ~ 0.27. Is that the setting or a training artefact? This
module answers it without sampling or a training budget: for feature 0 of importance 1 and
feature 1 of importance ``r``, both present with probability ``p`` and uniform on [0, 1] when
present (the notebook's batches), the expected loss
``E[(x0 - ReLU(w0 h + b0))^2 + r (x1 - ReLU(w1 h + b1))^2]``, ``h = w0 x0 + w1 x1``, splits into
the four cases none / only x0 / only x1 / both present, each an integral over the unit interval
or square (midpoint rule, :data:`QUAD` points per axis). Then

* ignored (``W = [[1], [0]]``, ``b1 = p / 2``) loses ``r (p/3 - p^2/4)`` (feature 1's variance),
* dedicated loses ``p/3 - p^2/4`` (feature 0's),
* superposed (``W = [[a], [-c]]``, ``a, c > 0``) loses the minimum over ``a, c, b0, b1``, found by
  Adam from :data:`INITS` on the exact integral.

The phase with the lowest loss is the optimum the paper's (theoretical) diagram shows; a
superposed optimum counts only when both norms clear 0.5, as ``classify_phase`` reads a run.
"""
from __future__ import annotations

QUAD = 32  # midpoint-rule points per axis
STEPS = 1500  # Adam steps per start
LR = 0.02
INITS = ((1.0, 1.0, 0.0, 0.0), (1.0, 1.0, -0.3, -0.3), (1.0, 0.7, -0.1, -0.1), (0.7, 1.0, -0.1, -0.1))


def _superposed_loss(theta, r, p, n: int = QUAD):
    """Exact expected loss (midpoint rule) of ``W = [[a], [-c]]``, biases ``b0, b1``; ``theta``
    ``[K, 4]`` = ``(a, c, b0, b1)``, ``r``/``p`` ``[K]``."""
    import torch

    x = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    X0, X1 = (t.flatten() for t in torch.meshgrid(x, x, indexing="ij"))
    relu = torch.relu
    a, c, b0, b1 = theta.unbind(-1)
    A, C, B0, B1, Rr = (t[:, None] for t in (a, c, b0, b1, r))
    none = relu(b0) ** 2 + r * relu(b1) ** 2
    only0 = ((x - relu(A * A * x + B0)) ** 2 + Rr * relu(-C * A * x + B1) ** 2).mean(-1)
    only1 = (relu(-A * C * x + B0) ** 2 + Rr * (x - relu(C * C * x + B1)) ** 2).mean(-1)
    h = A * X0 - C * X1
    both = ((X0 - relu(A * h + B0)) ** 2 + Rr * (X1 - relu(-C * h + B1)) ** 2).mean(-1)
    return (1 - p) ** 2 * none + p * (1 - p) * (only0 + only1) + p**2 * both


def optimal_phases(importances, probabilities) -> list[list[dict]]:
    """Per ``(probability row, importance column)``: ``{"phase", "W", "losses", "margin"}`` --
    the loss-optimal phase, its ``W`` (``[[w0], [w1]]``), the best loss of each phase and how
    much lower the optimum's loss is than the runner-up's (a fraction of it)."""
    import torch

    cells = [(p, r) for p in probabilities for r in importances]
    P = torch.tensor([p for p, _ in cells], dtype=torch.float64)
    Rr = torch.tensor([r for _, r in cells], dtype=torch.float64)
    best_loss, best_theta = None, None
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for init in INITS:
            theta = torch.tensor(init, dtype=torch.float64).repeat(len(cells), 1).requires_grad_()
            opt = torch.optim.Adam([theta], lr=LR)
            for _ in range(STEPS):
                opt.zero_grad()
                _superposed_loss(theta, Rr, P).sum().backward()
                opt.step()
            with torch.no_grad():
                loss = _superposed_loss(theta, Rr, P)
                if best_loss is None:
                    best_loss, best_theta = loss.clone(), theta.detach().clone()
                else:
                    better = loss < best_loss
                    best_loss[better], best_theta[better] = loss[better], theta.detach()[better]
    finally:
        torch.set_num_threads(threads)
    out, k = [], 0
    for p in probabilities:
        row = []
        for r in importances:
            var = p / 3 - p * p / 4
            a, c = (abs(float(v)) for v in best_theta[k, :2])
            losses = {"ignored": r * var, "dedicated": var, "superposed": float(best_loss[k])}
            single = "ignored" if r < 1 else "dedicated"
            both = a > 0.5 and c > 0.5  # a superposed optimum (else it collapsed onto one feature)
            phase = "superposed" if both and losses["superposed"] < losses[single] else single
            # the runner-up: the other phases (a collapsed superposed point is none)
            rivals = [v for q, v in losses.items() if q != phase and (q != "superposed" or both)]
            other = min(rivals)
            W = {"ignored": [[1.0], [0.0]], "dedicated": [[0.0], [1.0]], "superposed": [[a], [-c]]}[phase]
            row.append({"phase": phase, "W": W, "losses": losses,
                        "margin": (other - losses[phase]) / other if other > 0 else 0.0})
            k += 1
        out.append(row)
    return out


NAMESPACE = "superposition-phase-theory"
VERSION = 1  # bump when the computation above changes


def payload() -> dict:
    """Everything that determines :func:`theory` (the trained diagram's grid and the method)."""
    import torch

    from exercises.superposition import _runs as R
    from superpos_core.sweep import default_importances, default_probabilities

    spec = R.RUNS["phase_diagram"]
    return {"version": VERSION, "importances": default_importances(spec["cols"]),
            "probabilities": default_probabilities(spec["rows"]), "quad": QUAD, "steps": STEPS, "lr": LR,
            "inits": [list(i) for i in INITS], "torch": torch.__version__}


def theory() -> list[list[dict]]:
    """:func:`optimal_phases` on the trained phase diagram's grid (rows = probabilities), cached
    and shipped prebuilt like the trained runs (a minute of CPU)."""
    from exercises.cache import cached_json
    from exercises.superposition._prebuilt import PREBUILT

    spec = payload()
    return cached_json(NAMESPACE, spec, lambda: optimal_phases(spec["importances"], spec["probabilities"]),
                       prebuilt=PREBUILT)
