"""Correlated and anticorrelated features, as in the paper's section on them.

The paper's main model draws every feature independently. Its section
"Correlated and Anticorrelated Features" asks what the model does when features
are not independent, with the simplest dependence there is, inside groups of
consecutive features (pairs by default: features ``0,1``, ``2,3``, ...):

* **correlated** -- a group is present with probability ``p``, and then *all* of
  its features are; the paper finds such features are put in orthogonal
  directions (they would interfere every time they fire), superposed, if at all,
  with other groups;
* **anticorrelated** -- a group is present with probability ``g p`` (``g`` its
  size), and then exactly *one* of its features, chosen uniformly; the paper
  finds such features are put antipodally (they never fire together, so they
  never interfere).

Either way each feature is present with probability ``p``, as in the independent
case, and a present feature's value is uniform on [0, 1), drawn independently of
the others -- only *which* features co-occur changes. ``p`` must therefore be the
same for every feature of a group (it is the group's probability).

One uniform per group decides presence (for anticorrelated groups also which
member: ``u < p`` the first, ``p <= u < 2p`` the second, ...), one per feature
gives its value; the hand-written training step draws those ``F + G`` numbers
per row with its fast generator and calls :meth:`FeatureGroups.from_uniform`, so
training and :meth:`Model.generate_batch` share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["KINDS", "FeatureGroups"]

KINDS = ("correlated", "anticorrelated")


@dataclass(frozen=True, eq=False)
class FeatureGroups:
    """How a model's features are grouped; built by :meth:`for_model` from ``Model(correlation=...)``.

    ``group_probability`` is ``[n_instances, n_groups]``: the ``p`` shared by a group's features.
    """

    kind: str
    group_size: int
    n_features: int
    group_probability: torch.Tensor

    @property
    def n_groups(self) -> int:
        return self.n_features // self.group_size

    @property
    def n_uniforms(self) -> int:
        """Uniform numbers per instance and batch row: one per feature and one per group."""
        return self.n_features + self.n_groups

    @classmethod
    def for_model(cls, model, kind: str, group_size: int = 2) -> FeatureGroups:
        if kind not in KINDS:
            raise ValueError(f"correlation must be one of {', '.join(map(repr, KINDS))} or None, got {kind!r}")
        F = model.config.n_features
        if int(group_size) != group_size or group_size < 2:
            raise ValueError(f"group_size must be an integer >= 2, got {group_size!r}")
        group_size = int(group_size)
        if F % group_size:
            raise ValueError(f"n_features = {F} is not a multiple of group_size = {group_size}")
        p = model._per_instance_feature(model.feature_probability)  # [I, F]
        groups = p.view(p.shape[0], F // group_size, group_size)
        if not torch.all(groups == groups[:, :, :1]):
            raise ValueError(
                "feature_probability must be equal within each group of "
                f"{group_size} consecutive features (it is the group's probability)"
            )
        gp = groups[:, :, 0].contiguous()
        if kind == "anticorrelated" and float((gp * group_size).max()) > 1:
            raise ValueError(
                f"anticorrelated groups of {group_size} need feature_probability <= 1/{group_size} "
                "(a group is present with probability group_size * p)"
            )
        return cls(kind, group_size, F, gp)

    def from_uniform(self, u: torch.Tensor) -> torch.Tensor:
        """Features ``[I, F, B]`` (feature-major, like the trainer) from uniforms ``u``
        of shape ``[I, F + G, B]``: rows ``:F`` are the values, rows ``F:`` decide
        each group's presence (and, if anticorrelated, which member)."""
        I, _, B = u.shape
        G, g, F = self.n_groups, self.group_size, self.n_features
        values = u[:, :F].reshape(I, G, g, B)
        p = self.group_probability.to(device=u.device, dtype=u.dtype)[:, :, None]  # [I, G, 1]
        decide = u[:, F:]  # [I, G, B]
        if self.kind == "correlated":
            mask = (decide < p)[:, :, None, :]
        else:
            # member k is present iff k p <= u < (k + 1) p; p == 0 gives inf/nan: nobody
            member = torch.floor(decide / p)
            ks = torch.arange(g, device=u.device, dtype=u.dtype)[None, None, :, None]
            mask = member[:, :, None, :] == ks
        return (values * mask).reshape(I, F, B)

    @torch.no_grad()
    def generate_batch(self, n_batch: int, generator=None, device=None, dtype=None) -> torch.Tensor:
        """A notebook-layout batch ``[n_batch, I, F]`` drawn with ``torch.rand``."""
        device = self.group_probability.device if device is None else device
        dtype = self.group_probability.dtype if dtype is None else dtype
        I = self.group_probability.shape[0]
        u = torch.rand((I, self.n_uniforms, n_batch), generator=generator, device=device, dtype=dtype)
        return self.from_uniform(u).permute(2, 0, 1).contiguous()
