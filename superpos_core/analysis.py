"""Measurements of superposition from the paper, per instance and feature.

Every function takes ``W`` of shape ``[n_instances, n_features, n_hidden]`` or a
:class:`Model`; a 2-D ``[n_features, n_hidden]`` matrix is read as a single
instance and the instance axis is dropped from the result. ``W_i`` below is
row ``i`` of one instance's ``W``: the direction feature ``i`` is embedded as.
"""

from __future__ import annotations

import torch

__all__ = [
    "feature_norms",
    "gram",
    "interference",
    "feature_dimensionality",
    "dimensions_per_feature",
    "represented",
    "n_represented",
    "antipodal_pairs",
    "instance_summary",
    "REPRESENTED_THRESHOLD",
    "ANTIPODAL_COSINE",
    "NEURON_THRESHOLD",
    "features_per_neuron",
    "neuron_features",
    "neuron_kinds",
]

REPRESENTED_THRESHOLD = 0.5
"""A feature counts as represented when ``||W_i|| > 0.5``: trained features end near
norm 1 and ignored ones near 0, so the midpoint separates them robustly."""

ANTIPODAL_COSINE = -0.9
"""Two represented features form an antipodal pair when their cosine is below -0.9.
Trained pairs sit at about -1; a regular pentagon's non-neighbours sit at
cos(144 deg) = -0.81, so -0.9 tells "pair" from "pentagon" with margin."""


NEURON_THRESHOLD = 0.5
"""In the hidden-ReLU model a feature drives neuron ``k`` when ``W[i, k] > 0.5``: only a
positive weight can make a ReLU neuron fire (a negative one just inhibits it), and
trained driving weights sit near 1 while stray ones stay near 0."""


def _W(W) -> tuple[torch.Tensor, bool]:
    """Detached float tensor ``[I, F, H]`` and whether the input was a single instance."""
    if hasattr(W, "W") and isinstance(getattr(W, "W"), torch.Tensor):
        W = W.W
    W = torch.as_tensor(W).detach()
    if not W.is_floating_point():
        W = W.to(torch.get_default_dtype())
    if W.ndim == 2:
        return W[None], True
    if W.ndim != 3:
        raise ValueError(f"expected W of shape [instances, features, hidden], got {tuple(W.shape)}")
    return W, False


def _out(t: torch.Tensor, single: bool) -> torch.Tensor:
    return t[0] if single else t


def feature_norms(W) -> torch.Tensor:
    """``||W_i||`` ``[I, F]``: how strongly each feature is embedded (0 = dropped)."""
    W, single = _W(W)
    return _out(torch.linalg.vector_norm(W, dim=-1), single)


def gram(W) -> torch.Tensor:
    """``W W^T`` ``[I, F, F]``: diagonal = squared norms, off-diagonal = overlaps
    (the paper's main picture of superposition)."""
    W, single = _W(W)
    return _out(W @ W.transpose(-1, -2), single)


def _projections_sq(W: torch.Tensor, eps: float) -> torch.Tensor:
    """``(Ŵ_i · W_j)^2`` ``[I, F, F]`` with ``Ŵ_i = W_i / (||W_i|| + eps)``."""
    norms = torch.linalg.vector_norm(W, dim=-1)  # [I, F]
    G = W @ W.transpose(-1, -2)
    return (G / (norms + eps)[..., :, None]).square()


def interference(W, eps: float = 1e-8) -> torch.Tensor:
    """``sum_{j != i} (Ŵ_i · W_j)^2`` ``[I, F]``: how much the other features leak
    into feature ``i``'s direction (0 = it has a dimension to itself)."""
    W, single = _W(W)
    P = _projections_sq(W, eps)
    P = P - torch.diag_embed(torch.diagonal(P, dim1=-2, dim2=-1))
    return _out(P.sum(-1), single)


def feature_dimensionality(W, eps: float = 1e-8) -> torch.Tensor:
    """Feature dimensionality ``D_i = ||W_i||^2 / sum_j (Ŵ_i · W_j)^2`` (sum over all
    ``j``, including ``i``) ``[I, F]``: the fraction of a dimension feature ``i`` gets --
    1 alone, 1/2 in an antipodal pair, 2/5 in a pentagon. 0 for a zero row."""
    W, single = _W(W)
    num = torch.linalg.vector_norm(W, dim=-1).square()
    den = _projections_sq(W, eps).sum(-1)
    D = torch.where(den > 0, num / torch.where(den > 0, den, 1), torch.zeros((), dtype=W.dtype))
    return _out(D, single)


def dimensions_per_feature(W) -> torch.Tensor:
    """``n_hidden / ||W||_F^2`` ``[I]``: hidden dimensions per (norm-weighted) embedded
    feature; the paper's sticky points are 1, 1/2, 2/5, ..."""
    W, single = _W(W)
    return _out(W.shape[-1] / W.square().sum(dim=(-2, -1)), single)


def represented(W, threshold: float = REPRESENTED_THRESHOLD) -> torch.Tensor:
    """Boolean ``[I, F]``: ``||W_i|| > threshold`` (see :data:`REPRESENTED_THRESHOLD`)."""
    return feature_norms(W) > threshold


def n_represented(W, threshold: float = REPRESENTED_THRESHOLD) -> torch.Tensor:
    """Number of represented features per instance ``[I]``."""
    return represented(W, threshold).sum(-1)


def antipodal_pairs(
    W_instance,
    threshold: float = ANTIPODAL_COSINE,
    norm_threshold: float = REPRESENTED_THRESHOLD,
) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of represented features of one instance
    (``W_instance: [F, H]``) whose directions have cosine ``< threshold``
    (default -0.9, see :data:`ANTIPODAL_COSINE`)."""
    W, single = _W(W_instance)
    if not single:
        if W.shape[0] != 1:
            raise ValueError("antipodal_pairs takes one instance, W of shape [features, hidden]")
    W = W[0]
    norms = torch.linalg.vector_norm(W, dim=-1)
    rep = (norms > norm_threshold).tolist()
    cos = (W @ W.T) / (norms[:, None] * norms[None, :]).clamp_min(torch.finfo(W.dtype).tiny)
    n = W.shape[0]
    return [(i, j) for i in range(n) for j in range(i + 1, n) if rep[i] and rep[j] and cos[i, j] < threshold]


def instance_summary(W_instance, threshold: float = REPRESENTED_THRESHOLD) -> dict:
    """Everything above for one instance ``[F, H]``, as plain Python values (handy for
    card text and tables)."""
    W, single = _W(W_instance)
    if not single:
        raise ValueError("instance_summary takes one instance, W of shape [features, hidden]")
    W = W[0]
    return {
        "norms": feature_norms(W).tolist(),
        "represented": [i for i, r in enumerate(represented(W, threshold).tolist()) if r],
        "dimensionality": feature_dimensionality(W).tolist(),
        "interference": interference(W).tolist(),
        "dimensions_per_feature": float(dimensions_per_feature(W)),
        "antipodal_pairs": antipodal_pairs(W, norm_threshold=threshold),
    }


# -- neurons (the hidden-ReLU model of "Superposition in a Privileged Basis") ------------------
def features_per_neuron(W, threshold: float = NEURON_THRESHOLD) -> torch.Tensor:
    """Number of features driving each neuron, ``#{i : W[i, k] > threshold}`` ``[I, H]``:
    1 = monosemantic, more = polysemantic, 0 = dead. Meaningful only for a model
    with a ReLU on the hidden layer (elsewhere the hidden basis is arbitrary)."""
    W, single = _W(W)
    return _out((W > threshold).sum(-2), single)


def neuron_features(W_instance, threshold: float = NEURON_THRESHOLD) -> list[list[int]]:
    """For one instance ``[F, H]``: per neuron ``k``, the features ``i`` with
    ``W[i, k] > threshold`` (see :data:`NEURON_THRESHOLD`), in index order."""
    W, single = _W(W_instance)
    if not single:
        raise ValueError("neuron_features takes one instance, W of shape [features, hidden]")
    drives = (W[0] > threshold).T.tolist()  # [H][F]
    return [[i for i, d in enumerate(row) if d] for row in drives]


def neuron_kinds(W_instance, threshold: float = NEURON_THRESHOLD) -> list[str]:
    """Per neuron of one instance: ``"monosemantic"`` (one feature drives it),
    ``"polysemantic"`` (several) or ``"dead"`` (none)."""
    names = {0: "dead", 1: "monosemantic"}
    return [names.get(len(f), "polysemantic") for f in neuron_features(W_instance, threshold)]
