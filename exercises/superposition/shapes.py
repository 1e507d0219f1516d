"""The shapes that flow through the TMS model: W, b_final, a batch, the hidden and output.

Each variant builds a real ``Model(Config(...))`` with distinct sizes per axis (so a
transposed answer is caught), runs ``generate_batch`` and the forward pass, and reads the
shape off the tensor asked about.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import ShapeCheck, distinct_sizes
from exercises.superposition._common import variant

ID = "superposition.shapes"

# what is asked -> (expression in the prompt, the axes in words)
TARGETS = {
    "W": ("model.W", "one feature-to-hidden matrix per instance"),
    "b_final": ("model.b_final", "one output bias per feature, per instance"),
    "batch": ("batch", "a batch of sparse feature vectors, one per instance"),
    "hidden": ("hidden", "the hidden activations, one per instance"),
    "out": ("out", "the reconstruction, one per instance"),
}


def _measure(n_features: int, n_hidden: int, n_instances: int, n_batch: int) -> dict[str, tuple[int, ...]]:
    """The shapes of every tensor in the prompt, by running the model."""
    import torch
    from superpos_core import Config, Model

    model = Model(
        Config(n_features=n_features, n_hidden=n_hidden, n_instances=n_instances), device="cpu", seed=0
    )
    with torch.no_grad():
        batch = model.generate_batch(n_batch)
        hidden = torch.einsum("bif,ifh->bih", batch, model.W)
        out = model.forward(batch)
    return {
        "W": tuple(model.W.shape),
        "b_final": tuple(model.b_final.shape),
        "batch": tuple(batch.shape),
        "hidden": tuple(hidden.shape),
        "out": tuple(out.shape),
    }


def _spell(shape: tuple[int, ...]) -> list[str]:
    return [
        "x".join(map(str, shape)),
        "[" + ", ".join(map(str, shape)) + "]",
        f"torch.Size([{', '.join(map(str, shape))}])",
    ]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    n_hidden, n_features, n_instances, n_batch = sorted(distinct_sizes(rng, 4, 2, 12))
    # keep hidden < features (the superposition regime), shuffle the other two
    n_instances, n_batch = rng.sample([n_instances, n_batch], 2)
    if rng.random() < 0.3:
        n_batch = rng.choice([32, 64, 100, 128, 256])
    target = rng.choice(sorted(TARGETS))
    shapes = _measure(n_features, n_hidden, n_instances, n_batch)
    shape = shapes[target]
    expr, words = TARGETS[target]
    F, H, I, B = n_features, n_hidden, n_instances, n_batch

    code = (
        f"cfg = Config(n_features={F}, n_hidden={H}, n_instances={I})\n"
        "model = Model(cfg)\n"
        f"batch = model.generate_batch({B})\n"
        'hidden = torch.einsum("bif,ifh->bih", batch, model.W)\n'
        "out = model(batch)  # ReLU(W^T W x + b_final), per instance"
    )
    prompt = f"What is the shape of `{expr}` ({words})?"
    mistaken = {
        "W": [("features and hidden swapped", (I, H, F)), ("forgot the instance axis", (F, H)),
              ("hidden x features, no instances", (H, F)), ("left out the hidden axis", (I, F))],
        "b_final": [("forgot the instance axis", (F,)), ("instances after features", (F, I)),
                    ("one bias per hidden unit", (I, H)), ("the shape of W", (I, F, H))],
        "batch": [("instances before the batch", (I, B, F)), ("forgot the instance axis", (B, F)),
                  ("hidden instead of features", (B, I, H)), ("instances last", (B, F, I))],
        "hidden": [("features instead of hidden", (B, I, F)), ("forgot the instance axis", (B, H)),
                   ("instances last", (B, H, I)), ("instances before the batch", (I, B, H))],
        "out": [("the hidden shape", (B, I, H)), ("forgot the instance axis", (B, F)),
                ("instances last", (B, F, I)), ("instances before the batch", (I, B, F))],
    }[target]
    mistakes = [(what, ShapeCheck(s).expected_text) for what, s in mistaken if tuple(s) != shape]
    check = ShapeCheck(shape)
    hints = (
        "W maps each instance's features to its hidden space: instances come first, then features, then hidden.",
        f"Here n_features={F}, n_hidden={H}, n_instances={I}, and the batch has {B} rows.",
        {
            "W": "`model.W` is [n_instances, n_features, n_hidden].",
            "b_final": "`b_final` has one entry per feature per instance: [n_instances, n_features].",
            "batch": "`generate_batch(n)` returns [n, n_instances, n_features].",
            "hidden": "The einsum keeps b and i and replaces f by h: [batch, n_instances, n_hidden].",
            "out": "The output reconstructs the input, so it has the batch's shape [batch, n_instances, n_features].",
        }[target],
    )
    return variant(
        ID, form, seed,
        params={"n_features": F, "n_hidden": H, "n_instances": I, "n_batch": B, "target": target},
        prompt=prompt,
        answer=list(shape),
        check=check,
        explanation=(
            f"`{expr}` has shape {check.expected_text}: the model keeps a separate copy of everything per "
            "instance, and features are squeezed into the hidden dimension and back out."
        ),
        hints=hints,
        code=code,
        wrong=[r for _, r in mistakes],
        right=_spell(shape),
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="TMS tensor shapes",
    make=make,
    forms=("shape",),
    difficulty=1,
    summary="Predict the shapes of W, b_final, a batch, the hidden activations and the output of the TMS model.",
)
