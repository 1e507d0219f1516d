"""The toy model of "Toy Models of Superposition" (Elhage et al., 2022).

Semantics follow the paper's notebook: ``n_instances`` independent models are
trained side by side, each maps ``n_features`` sparse inputs through
``n_hidden`` dimensions and back with the tied weights ``W`` (``x -> W^T W x``
in the paper's notation, here ``x @ W @ W^T`` per instance), a bias and a ReLU.

The paper's other models differ from this one only in where a ReLU sits, so they
are subclasses that flip the class flags :attr:`Model.relu_output` and
:attr:`Model.relu_hidden` (see :mod:`superpos_core.variants`); the forward pass
and the hand-written training step read the flags. ``correlation=`` switches the
batches to the paper's correlated or anticorrelated feature groups (see
:mod:`superpos_core.correlated`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Config", "Model", "default_device"]


@dataclass
class Config:
    n_features: int
    n_hidden: int
    n_instances: int


def default_device() -> str:
    """``"cuda"`` when a GPU is usable, else ``"cpu"`` (the notebook hard-coded cuda)."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def device_and_generator(device, seed: int | None, generator: torch.Generator | None):
    """The device (CUDA when available by default) and the generator that ``seed`` makes —
    one rule for every model of this package: pass a seed or a generator, not both."""
    device = torch.device(default_device() if device is None else device)
    if seed is not None and generator is not None:
        raise ValueError("pass seed or generator, not both")
    if seed is not None:
        generator = torch.Generator(device=device).manual_seed(int(seed))
    return device, generator


def _as_float_tensor(value, device) -> torch.Tensor:
    t = torch.as_tensor(value)
    if not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    return t.to(device)


def _check_broadcast(name: str, t: torch.Tensor, shape: tuple[int, int]) -> None:
    # t.expand, not torch.broadcast_shapes: the latter loads sympy (~1 s) on first use.
    try:
        t.expand(shape)
    except RuntimeError:
        raise ValueError(
            f"{name} of shape {tuple(t.shape)} must broadcast to "
            f"[n_instances, n_features] = {list(shape)}"
        ) from None


class Model(nn.Module):
    """Per instance: ``relu(W W^T x + b_final)`` with ``W: [instance, feature, hidden]``.

    ``feature_probability`` and ``importance`` broadcast against
    ``[n_instances, n_features]`` (the notebook passes shapes ``[instances, 1]``
    and ``[1, features]``); both default to 1.

    ``seed`` (or an explicit torch ``generator``) makes the Xavier-normal init of
    ``W`` reproducible; the generator is kept as ``self.generator`` and is the
    default source of randomness for :meth:`generate_batch` and
    :func:`superpos_core.optimize`, so ``Model(cfg, seed=s)`` trains the same way
    every time. With neither, torch's global RNG is used, as in the notebook.

    ``correlation`` (``None``, ``"correlated"`` or ``"anticorrelated"``) groups
    consecutive features ``group_size`` at a time, as in the paper's section on
    correlated features: a group's features are all present or all absent, or
    never more than one of them is present (see :mod:`superpos_core.correlated`).
    """

    relu_output: bool = True
    """ReLU on the output (the paper's main model); ``False`` in :class:`~superpos_core.variants.LinearModel`."""
    relu_hidden: bool = False
    """ReLU on the hidden layer; ``True`` in :class:`~superpos_core.variants.HiddenReLUModel`."""

    def __init__(
        self,
        config: Config,
        feature_probability=None,
        importance=None,
        device=None,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        *,
        correlation: str | None = None,
        group_size: int = 2,
    ):
        super().__init__()
        device, generator = device_and_generator(device, seed, generator)
        self.config = config
        self.generator = generator

        self.W = nn.Parameter(
            torch.empty((config.n_instances, config.n_features, config.n_hidden), device=device)
        )
        # Same fans as the notebook: for a 3-D tensor fan_in = F*H, fan_out = I*H.
        nn.init.xavier_normal_(self.W, generator=generator)
        self.b_final = nn.Parameter(torch.zeros((config.n_instances, config.n_features), device=device))

        shape = (config.n_instances, config.n_features)
        if feature_probability is None:
            feature_probability = torch.ones(())
        self.feature_probability = _as_float_tensor(feature_probability, device)
        _check_broadcast("feature_probability", self.feature_probability, shape)
        if importance is None:
            importance = torch.ones(())
        self.importance = _as_float_tensor(importance, device)
        _check_broadcast("importance", self.importance, shape)
        self.correlation = None
        if correlation is not None:
            from .correlated import FeatureGroups

            self.correlation = FeatureGroups.for_model(self, correlation, group_size)

    # -- helpers shared with train.py -------------------------------------------------
    def _per_instance_feature(self, t: torch.Tensor) -> torch.Tensor:
        """``t`` broadcast to a contiguous ``[n_instances, n_features]`` tensor in W's dtype."""
        c = self.config
        return t.to(device=self.W.device, dtype=self.W.dtype).expand(c.n_instances, c.n_features).contiguous()

    # -- the notebook's API ---------------------------------------------------------------
    def forward(self, features: torch.Tensor) -> torch.Tensor:
        # features: [..., instance, n_features]; W: [instance, n_features, n_hidden]
        hidden = torch.einsum("...if,ifh->...ih", features, self.W)
        if self.relu_hidden:
            hidden = F.relu(hidden)
        out = torch.einsum("...ih,ifh->...if", hidden, self.W)
        out = out + self.b_final
        return F.relu(out) if self.relu_output else out

    @torch.no_grad()
    def generate_batch(self, n_batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A ``[n_batch, n_instances, n_features]`` batch: feature present with probability p,
        then uniform on [0, 1).

        One uniform draw per entry instead of the notebook's two: with ``u ~ U[0,1)``
        the feature is present iff ``u < p``, and given that, ``u / p`` is again
        uniform on [0, 1) -- the same distribution at half the random numbers.
        (IEEE division is correctly rounded, so ``u < p`` implies ``u / p < 1``.)
        With ``correlation`` set, the groups decide presence instead
        (:meth:`superpos_core.correlated.FeatureGroups.generate_batch`).
        """
        if generator is None:
            generator = self.generator
        c = self.config
        if self.correlation is not None:
            return self.correlation.generate_batch(n_batch, generator)
        u = torch.rand(
            (n_batch, c.n_instances, c.n_features),
            generator=generator,
            device=self.W.device,
            dtype=self.W.dtype,
        )
        p = self._per_instance_feature(self.feature_probability)
        # where() picks 0 for absent entries, so u / 0 for p == 0 never leaks out.
        return torch.where(u < p, u / p, torch.zeros((), device=u.device, dtype=u.dtype))
