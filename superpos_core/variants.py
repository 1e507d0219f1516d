"""The paper's other toy models, as subclasses of the notebook's :class:`Model`.

The paper contrasts its ReLU-output model with two neighbours, and each differs
only in where a ReLU sits, so each is a :class:`Model` with a class flag flipped;
``W``, the init, the batches, :func:`superpos_core.optimize` and every function
of :mod:`superpos_core.analysis` work unchanged:

* :class:`LinearModel` -- ``W^T W x + b``, no ReLU. The paper's first result:
  a linear model can only do PCA, so it keeps the ``n_hidden`` most important
  features, each in a dimension of its own, whatever the sparsity; the ReLU
  model superposes more features as sparsity grows.
* :class:`HiddenReLUModel` -- "Superposition in a Privileged Basis":
  ``h = ReLU(W x)``, ``x' = ReLU(W^T h + b)``. The hidden ReLU makes the neuron
  basis special, so one can ask which neurons are monosemantic and which
  polysemantic (:func:`superpos_core.analysis.neuron_features`).

:data:`MODEL_KINDS` names the three, so a sweep or a cached run can record
which model it trained as a plain string.
"""

from __future__ import annotations

from .model import Model

__all__ = ["LinearModel", "HiddenReLUModel", "MODEL_KINDS", "model_class"]


class LinearModel(Model):
    """Per instance: ``W W^T x + b_final`` -- the notebook's model without its output ReLU."""

    relu_output = False


class HiddenReLUModel(Model):
    """Per instance: ``relu(relu(x W) W^T + b_final)`` -- the privileged-basis model;
    hidden dimension ``k`` is neuron ``k``, column ``W[:, k]`` its input weights."""

    relu_hidden = True


MODEL_KINDS: dict[str, type[Model]] = {
    "relu": Model,
    "linear": LinearModel,
    "hidden_relu": HiddenReLUModel,
}
"""Model kind name -> class: ``"relu"`` (the notebook's), ``"linear"``, ``"hidden_relu"``."""


def model_class(kind: str) -> type[Model]:
    """The class for a name in :data:`MODEL_KINDS`, with a clear error otherwise."""
    try:
        return MODEL_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(MODEL_KINDS)}") from None
