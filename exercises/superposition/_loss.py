"""The TMS training loss, taken from superpos_core's own trainer.

``optimize`` minimises ``importance * (|x| - model(x))^2`` averaged per instance over
batch and features and summed over instances. ``superpos_core.loss_and_grads`` exposes the
trainer's loss for a given batch, so an exercise can never disagree with the trainer.
"""
from __future__ import annotations


def tms_loss(model, batch) -> float:
    """The summed per-instance loss ``optimize`` would compute for ``batch`` on ``model``."""
    from superpos_core import loss_and_grads

    losses, _, _ = loss_and_grads(model, batch)
    return float(losses.double().sum())
