"""Code exercises ARENA 1.3.1 asks a learner to write (issue 24, items 7, 8 and 11), kept in one
helper so the families that offer them (loss, dimensionality, forward_arena, hidden_relu,
generate_batch) stay small. Every reference is the project's own implementation: the trainer's
loss (checked against ``superpos_core`` in the tests), ``superpos_core.feature_dimensionality``,
``superpos_core.Model`` / ``HiddenReLUModel`` with their parameters set to the case's tensors.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Mistake


def _g(rng: random.Random):
    import torch

    return torch.Generator().manual_seed(rng.getrandbits(62))


# ------------------------------------------------------------------ the importance-weighted loss


def loss_reference(out, features, importance):
    """The trainer's loss: importance * (|x| - out)^2, mean over batch and features, sum over instances."""
    err = importance * (features.abs() - out) ** 2
    return err.mean(dim=(0, 2)).sum()


def _loss_mistake(reduce):
    def fn(out, features, importance):
        return reduce(importance * (features - out) ** 2)
    return fn


def _no_importance(out, features, importance):
    return ((features - out) ** 2).mean(dim=(0, 2)).sum()


def _abs_error(out, features, importance):
    return (importance * (features - out).abs()).mean(dim=(0, 2)).sum()


def _importance_squared(out, features, importance):
    return (importance ** 2 * (features - out) ** 2).mean(dim=(0, 2)).sum()


def loss_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = _g(rng)
    B, I, F = rng.randint(1, 6), rng.randint(2, 4), rng.randint(2, 6)
    if case % 5 == 0:
        B = F  # batch == features: a mean over the wrong axis still runs
    x = torch.rand(B, I, F, generator=g) * (torch.rand(B, I, F, generator=g) < 0.5)
    out = torch.relu(torch.randn(B, I, F, generator=g) * 0.5 + 0.3)
    imp = 0.9 ** torch.arange(F, dtype=torch.float32)[None, :] * torch.rand(I, 1, generator=g).add(0.5)
    return {"out": out, "features": x, "importance": imp}


LOSS_CODE = CodeSpec(
    function="importance_loss",
    signature="def importance_loss(out: torch.Tensor, features: torch.Tensor, importance: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The TMS training loss (ARENA 1.3.1's calculate_loss): out and features are [batch, instances,\n"
        "features], importance is [instances, features]. Weight each squared error (features - out)^2 by its\n"
        "feature's importance, average over batch AND features for each instance, then SUM the instances\n"
        "(each instance trains as if alone). Returns a 0-d tensor."
    ),
    reference=loss_reference,
    make_inputs=loss_inputs,
    mistakes=(
        Mistake("mean_over_instances", _loss_mistake(lambda e: e.mean()),
                "Sum over the instances (mean only over batch and features): each instance is a separate model."),
        Mistake("summed", _loss_mistake(lambda e: e.sum()), "Average over batch and features; only the instances are summed."),
        Mistake("batch_only", _loss_mistake(lambda e: e.mean(dim=0).sum()),
                "Average over the features too (dims 0 and 2), not only over the batch."),
        Mistake("no_importance", _no_importance, "Weight each squared error by its feature's importance."),
        Mistake("abs_error", _abs_error, "Square the error: importance * (features - out) ** 2."),
        Mistake("importance_squared", _importance_squared, "The importance multiplies the squared error once; do not square it."),
    ),
    rules=("no_loops",),
    n_cases=20,
)


# ------------------------------------------------------------------ feature dimensionality, vectorised


def dim_reference(W):
    from superpos_core.analysis import feature_dimensionality

    return feature_dimensionality(W)


def _dim_unnormalised(W):
    dots = W @ W.transpose(-1, -2)
    return (W ** 2).sum(-1) / (dots ** 2).sum(-1)


def _dim_no_self(W):
    import torch

    norms = W.norm(dim=-1, keepdim=True)
    proj = ((W / norms) @ W.transpose(-1, -2)) ** 2
    proj = proj - torch.diag_embed(torch.diagonal(proj, dim1=-2, dim2=-1))
    return (W ** 2).sum(-1) / proj.sum(-1)


def _dim_norm_not_squared(W):
    norms = W.norm(dim=-1, keepdim=True)
    return W.norm(dim=-1) / (((W / norms) @ W.transpose(-1, -2)) ** 2).sum(-1)


def _dim_mixed_instances(W):
    import torch

    norms = W.norm(dim=-1, keepdim=True)
    proj = torch.einsum("ifh,jgh->ifg", W / norms, W) ** 2
    return (W ** 2).sum(-1) / proj.sum(-1)


def dim_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = _g(rng)
    I, F, H = rng.randint(1, 4), rng.randint(2, 7), rng.randint(2, 4)
    W = torch.randn(I, F, H, generator=g)
    if case % 3 == 0:  # an antipodal pair and a feature alone: D = 1/2 and 1
        W[0, 1] = -W[0, 0]
    return {"W": W}


DIM_CODE = CodeSpec(
    function="feature_dimensionality",
    signature="def feature_dimensionality(W: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The dimensionality of every feature of every instance, vectorised (no loops): W is\n"
        "[instances, features, hidden] with no zero row. Returns [instances, features] with\n"
        "D[i, f] = ||W_f||^2 / sum_g (W_f / ||W_f|| . W_g)^2, all within instance i (the sum includes g = f)."
    ),
    reference=dim_reference,
    make_inputs=dim_inputs,
    mistakes=(
        Mistake("unnormalised", _dim_unnormalised, "Normalise W_f in the denominator's dot products: (Ŵ_f · W_g)^2, Ŵ_f = W_f / ||W_f||."),
        Mistake("no_self", _dim_no_self, "The denominator's sum includes g = f (the feature's own ||W_f||^2)."),
        Mistake("norm_not_squared", _dim_norm_not_squared, "The numerator is the SQUARED norm ||W_f||^2."),
        Mistake("mixed_instances", _dim_mixed_instances, "Each instance is a separate model: sum only over features g of the same instance."),
    ),
    rules=("no_loops",),
    n_cases=20,
)
