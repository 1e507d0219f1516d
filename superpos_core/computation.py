"""Computation in superposition: the paper's model that computes |x| (ARENA 1.3.1's
NeuronComputationModel).

Unlike the main model it has separate weights in and out and a ReLU on the hidden layer:
``h = ReLU(W1 x)``, ``out = ReLU(W2 h + b_final)`` per instance, with ``W1: [instance, hidden,
feature]`` and ``W2: [instance, feature, hidden]``. Inputs are signed (present with probability
p, then uniform on [-1, 1)), and the target is |x|, weighted by importance: a neuron pair
ReLU(x) + ReLU(-x) computes one |x| exactly, so with fewer neurons than 2·features the model
must compute in superposition.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["AbsModel", "abs_loss", "optimize_abs"]


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
        hidden = torch.relu(torch.einsum("ihf,...if->...ih", self.W1, features))
        return torch.relu(torch.einsum("ifh,...ih->...if", self.W2, hidden) + self.b_final)

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
