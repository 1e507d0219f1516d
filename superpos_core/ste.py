"""Straight-through estimators for thresholds: the Heaviside step and JumpReLU as
``torch.autograd.Function`` s (Rajamanoharan et al., 2024, "Jumping Ahead: Improving
Reconstruction Fidelity with JumpReLU Sparse Autoencoders").

A threshold ``θ`` enters the output only through a step, ``H(z - θ) = 1[z > θ]``, whose true
derivative with respect to ``θ`` is zero almost everywhere: autograd would never move ``θ``.
The straight-through estimator replaces that derivative, in the backward pass only, by a
*pseudo-derivative* built from the rectangle kernel ``K(u) = 1[|u| < 1/2]`` of bandwidth ``ε``::

    H(z, θ)    = 1[z > θ]            dH/dz := 0 (the true gradient)
                                     dH/dθ := -(1/ε) K((z - θ)/ε)
    J(z, θ)    = z · 1[z > θ]        dJ/dz := 1[z > θ] (the true gradient)
                                     dJ/dθ := -(θ/ε) K((z - θ)/ε)

``-(1/ε) K((z - θ)/ε)`` is the derivative of a step smoothed over a window of width ``ε``:
averaged over inputs, it estimates ``d/dθ E[1[z > θ]] = -p(θ)``, the density of ``z`` at the
threshold (what the L0 penalty needs). For JumpReLU the jump at ``θ`` has height ``θ``, hence the
factor ``θ``. The pseudo-derivative goes to ``θ`` only: the input gets its true gradient
(zero for the step, the mask for JumpReLU). ``θ`` is broadcast against ``z`` (``[d_sae]`` or
``[instances, d_sae]`` against ``[batch, ..., d_sae]``); its gradient is summed back to its
shape. :func:`heaviside_backward` and :func:`jumprelu_backward` are the backward passes as
plain functions (the references of the code exercises).
"""
from __future__ import annotations

from typing import Any

import torch

__all__ = [
    "rectangle",
    "Heaviside",
    "JumpReLU",
    "heaviside",
    "jumprelu",
    "heaviside_backward",
    "jumprelu_backward",
]


def rectangle(x: torch.Tensor) -> torch.Tensor:
    """The rectangle kernel ``K(x) = 1[|x| < 1/2]`` (width 1, centred at 0), in ``x``'s dtype."""
    return (x.abs() < 0.5).to(x.dtype)


def _window(z: torch.Tensor, theta: torch.Tensor, eps: float) -> torch.Tensor:
    """``(1/ε) K((z - θ)/ε)``: 1/ε where ``z`` lies within ``ε/2`` of ``θ``, else 0."""
    if not eps > 0:
        raise ValueError(f"the bandwidth eps must be > 0, got {eps}")
    return rectangle((z - theta) / eps) / eps


def heaviside_backward(z: torch.Tensor, theta: torch.Tensor, eps: float,
                       grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(grad_z, grad_theta)`` of the Heaviside step ``1[z > θ]``: zero for ``z`` (its true
    gradient) and ``-(1/ε) K((z-θ)/ε) · grad_output`` for ``θ``, summed to ``θ``'s shape."""
    grad_theta = -_window(z, theta, eps) * grad_output
    return torch.zeros_like(z), grad_theta.sum_to_size(theta.shape)


def jumprelu_backward(z: torch.Tensor, theta: torch.Tensor, eps: float,
                      grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(grad_z, grad_theta)`` of JumpReLU ``z · 1[z > θ]``: ``1[z > θ] · grad_output`` for ``z``
    (its true gradient) and ``-(θ/ε) K((z-θ)/ε) · grad_output`` for ``θ``, summed to ``θ``'s shape."""
    grad_z = (z > theta).to(z.dtype) * grad_output
    grad_theta = -theta * _window(z, theta, eps) * grad_output
    return grad_z, grad_theta.sum_to_size(theta.shape)


class Heaviside(torch.autograd.Function):
    """``1[z > θ]`` with the straight-through pseudo-derivative for ``θ`` (module docstring)."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, theta: torch.Tensor, eps: float) -> torch.Tensor:
        ctx.save_for_backward(z, theta)
        ctx.eps = float(eps)
        return (z > theta).to(z.dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor):
        z, theta = ctx.saved_tensors
        grad_z, grad_theta = heaviside_backward(z, theta, ctx.eps, grad_output)
        return grad_z, grad_theta, None


class JumpReLU(torch.autograd.Function):
    """``z · 1[z > θ]`` with the straight-through pseudo-derivative for ``θ`` (module docstring)."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, theta: torch.Tensor, eps: float) -> torch.Tensor:
        ctx.save_for_backward(z, theta)
        ctx.eps = float(eps)
        return z * (z > theta).to(z.dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor):
        z, theta = ctx.saved_tensors
        grad_z, grad_theta = jumprelu_backward(z, theta, ctx.eps, grad_output)
        return grad_z, grad_theta, None


def heaviside(z: torch.Tensor, theta: torch.Tensor, eps: float) -> torch.Tensor:
    """``Heaviside.apply(z, θ, ε)``."""
    return Heaviside.apply(z, theta, eps)


def jumprelu(z: torch.Tensor, theta: torch.Tensor, eps: float) -> torch.Tensor:
    """``JumpReLU.apply(z, θ, ε)``."""
    return JumpReLU.apply(z, theta, eps)
