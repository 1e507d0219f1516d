"""Computation in superposition: the paper's model that computes |x| (ARENA 1.3.1's
NeuronComputationModel).

Unlike the main model it has separate weights in and out and a ReLU on the hidden layer:
``h = ReLU(W1 x)``, ``out = ReLU(W2 h + b_final)`` per instance, with ``W1: [instance, hidden,
feature]`` and ``W2: [instance, feature, hidden]``. Inputs are signed (present with probability
p, then uniform on [-1, 1)), and the target is |x|, weighted by importance: a neuron pair
ReLU(x) + ReLU(-x) computes one |x| exactly, so with fewer neurons than 2·features the model
must compute in superposition.

The asymmetric superposition motif (the paper's "computation in superposition" section; ARENA
1.3.1's bonus): one neuron reads feature i with a large input weight and feature j with a small
one, and writes them back the other way round (small to i, large to j). Alone, j is computed
right (small in, large out) and leaks only small·small into i; alone, i is computed right too
(large in, small out) but leaks large·large into j. Another neuron, driven by i, writes a large
*negative* weight to j: the output ReLU cuts the negative sum to 0, so the leak costs nothing.
:func:`asymmetric_motif` builds that model by hand; :func:`one_hot_response` runs any |x| model
on each feature alone, which is how the leak and its cure are read.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["AbsModel", "abs_forward", "abs_loss", "asymmetric_motif", "one_hot_response", "optimize_abs"]


class AbsModel(nn.Module):
    """``n_instances`` independent |x| models, initialised Xavier-normal like :class:`Model`."""

    def __init__(self, n_instances: int, n_features: int, n_hidden: int, feature_probability=1.0,
                 importance=1.0, seed: int | None = None):
        super().__init__()
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        self.W1 = nn.Parameter(torch.empty(n_instances, n_hidden, n_features))
        self.W2 = nn.Parameter(torch.empty(n_instances, n_features, n_hidden))
        nn.init.xavier_normal_(self.W1, generator=g)
        nn.init.xavier_normal_(self.W2, generator=g)
        self.b_final = nn.Parameter(torch.zeros(n_instances, n_features))
        self.feature_probability = torch.as_tensor(feature_probability, dtype=torch.float32)
        self.importance = torch.as_tensor(importance, dtype=torch.float32)
        self.generator = g

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return abs_forward(self.W1, self.W2, self.b_final, features)

    @torch.no_grad()
    def generate_batch(self, n_batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``[n_batch, instances, features]``: present with probability p, then uniform on [-1, 1)."""
        generator = generator if generator is not None else self.generator
        I, _, F = self.W1.shape
        u = torch.rand(n_batch, I, F, generator=generator)
        values = torch.rand(n_batch, I, F, generator=generator) * 2 - 1
        return torch.where(u < self.feature_probability, values, torch.zeros(()))


def abs_loss(out: torch.Tensor, features: torch.Tensor, importance) -> torch.Tensor:
    """importance * (|x| - out)^2, mean over batch and features per instance, summed over instances."""
    return (importance * (features.abs() - out) ** 2).mean(dim=(0, 2)).sum()


def optimize_abs(model: AbsModel, steps: int = 1000, n_batch: int = 512, lr: float = 1e-2) -> list[float]:
    """Adam on :func:`abs_loss`; returns the loss every step (for tests and the cards' runs)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        batch = model.generate_batch(n_batch)
        loss = abs_loss(model(batch), batch, model.importance)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def abs_forward(W1: torch.Tensor, W2: torch.Tensor, b_final: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """:class:`AbsModel`'s forward pass on given weights: ``ReLU(W2 ReLU(W1 x) + b_final)`` per instance."""
    hidden = torch.relu(torch.einsum("ihf,...if->...ih", W1, features))
    return torch.relu(torch.einsum("ifh,...ih->...if", W2, hidden) + b_final)


def one_hot_response(W1: torch.Tensor, W2: torch.Tensor, b_final: torch.Tensor, value: float = 1.0) -> torch.Tensor:
    """``[instances, features (out), features (in)]``: entry ``[i, o, k]`` is instance i's output o
    when feature k alone is present, at ``value`` (the model run on ``value`` times each basis
    vector). Off the diagonal is interference; after the output ReLU only its positive part is left."""
    n_inst, _, n_feat = W1.shape
    batch = value * torch.eye(n_feat, dtype=W1.dtype).unsqueeze(1).expand(n_feat, n_inst, n_feat)
    return abs_forward(W1, W2, b_final, batch).permute(1, 2, 0)


def asymmetric_motif(big: float, small: float, inhibit: float = 0.0, b_final=(0.0, 0.0), inhibit_in: float = 1.0):
    """``(W1 [1, 4, 2], W2 [1, 2, 4], b_final [1, 2])``: a hand-built |x| model of two features with
    the asymmetric motif. Neuron 0 reads (big, small) and writes (1/big, 1/small), so each feature
    alone and positive comes out exact, but feature 0 alone leaks (big/small)·x into feature 1.
    Neuron 1 reads feature 0 with weight ``inhibit_in`` and writes ``-inhibit`` to feature 1: with
    ``inhibit * inhibit_in >= big/small`` (and b_final[1] <= 0) the leak's sum is negative and the
    output ReLU removes it.
    Neurons 2 and 3 compute ReLU(-x) of each feature, so negative values come out exact too."""
    W1 = torch.tensor([[[big, small], [float(inhibit_in), 0.0], [-1.0, 0.0], [0.0, -1.0]]])
    W2 = torch.tensor([[[1.0 / big, 0.0, 1.0, 0.0], [1.0 / small, -float(inhibit), 0.0, 1.0]]])
    return W1, W2, torch.tensor([list(map(float, b_final))])
