"""A faithful, fast implementation of the model from Anthropic's "Toy Models of
Superposition" notebook: :class:`Model`, :func:`optimize`, superposition metrics
and small PNG plots (matplotlib is imported only when a plot is drawn); the
paper's linear and hidden-ReLU models (:mod:`.variants`), correlated features
(:mod:`.correlated`) and sweeps such as the phase diagram (:mod:`.sweep`)."""

from .analysis import (
    ANTIPODAL_COSINE,
    NEURON_THRESHOLD,
    REPRESENTED_THRESHOLD,
    antipodal_pairs,
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
    features_per_neuron,
    gram,
    instance_summary,
    interference,
    n_represented,
    neuron_features,
    neuron_kinds,
    represented,
)
from .model import Config, Model, default_device
from .plots import feature_geometry_png, gram_heatmap_png
from .sae import (
    RECOVERED_COSINE,
    SAE,
    SAE_D_SAE,
    SAE_SEEDS,
    SAE_TRAINING,
    SAEConfig,
    SAEMetrics,
    feature_cosines,
    feature_recovery,
    hidden_activations,
    match_latents,
    optimize_sae,
    sae_decode,
    sae_encode,
    sae_forward,
    sae_loss,
    sae_loss_and_grads,
    sae_loss_terms,
    sae_metrics,
)
from .sae_plots import sae_directions_png
from .sweep import PHASES, Sweep, classify_phase, phase_diagram, phase_grid, train_size_sweep, train_sweep
from .train import constant_lr, cosine_decay_lr, linear_lr, loss_and_grads, optimize
from .variants import MODEL_KINDS, HiddenReLUModel, LinearModel, model_class

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
    "LinearModel",
    "HiddenReLUModel",
    "MODEL_KINDS",
    "model_class",
    "NEURON_THRESHOLD",
    "features_per_neuron",
    "neuron_features",
    "neuron_kinds",
    "Sweep",
    "train_sweep",
    "train_size_sweep",
    "phase_diagram",
    "classify_phase",
    "phase_grid",
    "PHASES",
    "SAEConfig",
    "SAE",
    "SAEMetrics",
    "optimize_sae",
    "sae_forward",
    "sae_encode",
    "sae_decode",
    "sae_loss",
    "sae_loss_terms",
    "sae_loss_and_grads",
    "hidden_activations",
    "sae_metrics",
    "feature_cosines",
    "feature_recovery",
    "match_latents",
    "RECOVERED_COSINE",
    "SAE_TRAINING",
    "SAE_SEEDS",
    "SAE_D_SAE",
    "sae_directions_png",
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
