"""A faithful, fast implementation of the model from Anthropic's "Toy Models of
Superposition" notebook: :class:`Model`, :func:`optimize`, superposition metrics
and small PNG plots (matplotlib is imported only when a plot is drawn)."""

from .analysis import (
    ANTIPODAL_COSINE,
    REPRESENTED_THRESHOLD,
    antipodal_pairs,
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
    gram,
    instance_summary,
    interference,
    n_represented,
    represented,
)
from .model import Config, Model, default_device
from .plots import feature_geometry_png, gram_heatmap_png
from .train import constant_lr, cosine_decay_lr, linear_lr, loss_and_grads, optimize

__all__ = [
    "Config",
    "Model",
    "default_device",
    "optimize",
    "linear_lr",
    "constant_lr",
    "cosine_decay_lr",
    "loss_and_grads",
    "paper_model",
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
    "gram_heatmap_png",
    "feature_geometry_png",
]


def paper_model(device=None, seed=None, generator=None) -> Model:
    """The notebook's setting: 5 features, 2 hidden, 10 instances, importance
    ``0.9**i``, feature probability ``20**-linspace(0, 1, 10)`` (dense to 5%)."""
    import torch

    config = Config(n_features=5, n_hidden=2, n_instances=10)
    return Model(
        config,
        importance=(0.9 ** torch.arange(5))[None, :],
        feature_probability=(20 ** -torch.linspace(0, 1, 10))[:, None],
        device=device,
        seed=seed,
        generator=generator,
    )
