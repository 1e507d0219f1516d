"""The hidden-ReLU ("privileged basis") model's forward pass: h = ReLU(x W), out = ReLU(h Wᵀ + b).

The paper's section "Superposition in a Privileged Basis" (ARENA 1.3.1's NeuronModel) puts a
ReLU on the hidden layer, which makes each hidden dimension a neuron. The value form sets a
real ``superpos_core.HiddenReLUModel``'s W and b_final to small round numbers and asks for its
output, keeping only draws where both ReLUs matter, so forgetting either (the plain TMS model,
the linear model) gives another answer. The code exercise is the forward pass itself, vectorised
over instances, graded against HiddenReLUModel.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, Precision, format_array
from exercises.redraw import redraw
from exercises.superposition import forward as plain
from exercises.superposition._common import clean, give, indent_rows, literal, variant
from exercises.superposition._tasks import with_task
from exercises.superposition._tasks_arena import HIDDEN_RELU

ID = "superposition.hidden_relu"
W_CHOICES = (-1.0, -0.5, 0.5, 1.0, 0.0)
SHAPES = ((2, 2), (3, 2), (3, 3), (4, 2))  # (features, hidden)


def reference(W, b_final, features):
    """superpos_core's HiddenReLUModel with its W and b_final set to these."""
    import torch
    from superpos_core import Config, HiddenReLUModel

    I, F, H = W.shape
    model = HiddenReLUModel(Config(n_features=F, n_hidden=H, n_instances=I))
    with torch.no_grad():
        model.W.copy_(W.to(model.W.dtype))
        model.b_final.copy_(b_final.to(model.W.dtype))
        return model(features.to(model.W.dtype)).to(features.dtype)


def no_hidden_relu(W, b_final, features):
    return plain.reference(W, b_final, features)


def no_output_relu(W, b_final, features):
    import torch

    h = torch.relu(torch.einsum("...if,ifh->...ih", features, W))
    return torch.einsum("...ih,ifh->...if", h, W) + b_final


def bias_in_hidden(W, b_final, features):
    """Added b_final before going back (it has the features' size, so only when F == H)."""
    import torch

    if W.shape[-1] != W.shape[-2]:
        raise ValueError("needs F == H")
    h = torch.relu(torch.einsum("...if,ifh->...ih", features, W) + b_final)
    return torch.relu(torch.einsum("...ih,ifh->...if", h, W))


def relu_twice_same_place(W, b_final, features):
    """Both ReLUs on the output: the hidden layer left linear."""
    import torch

    return torch.relu(plain.reference(W, b_final, features))


def no_bias(W, b_final, features):
    import torch

    h = torch.relu(torch.einsum("...if,ifh->...ih", features, W))
    return torch.relu(torch.einsum("...ih,ifh->...if", h, W))


def linear(W, b_final, features):
    import torch

    return torch.einsum("...ih,ifh->...if", torch.einsum("...if,ifh->...ih", features, W), W) + b_final


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    inputs = plain.make_inputs(rng, case)
    g = torch.Generator().manual_seed(rng.getrandbits(62))
    # signed inputs half the time, so the hidden pre-activations are often negative
    if case % 2:
        inputs["features"] = inputs["features"] - 0.5 * (torch.rand(inputs["features"].shape, generator=g) < 0.3)
    return inputs


CODE = CodeSpec(
    function="neuron_forward",
    signature="def neuron_forward(W: torch.Tensor, b_final: torch.Tensor, features: torch.Tensor) -> torch.Tensor:",
    doc=(
        "The hidden-ReLU TMS model (the paper's privileged-basis model, ARENA's NeuronModel), every instance\n"
        "separately: W: [instances, features, hidden]; b_final: [instances, features]; features:\n"
        "[batch, instances, features]. h = ReLU(x W) (contract the features axis), then\n"
        "out = ReLU(h W^T + b_final). Returns [batch, instances, features]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("no_hidden_relu", no_hidden_relu, "The hidden layer has its own ReLU: h = ReLU(x W) before going back with W^T."),
        Mistake("no_output_relu", no_output_relu, "The output keeps its ReLU too: out = ReLU(h W^T + b_final)."),
        Mistake("no_bias", no_bias, "Did you forget b_final?"),
        Mistake("bias_in_hidden", bias_in_hidden, "b_final belongs to the output (one per feature), not the hidden layer."),
    ),
    n_cases=24,
)


def _draw(rng: random.Random, precision):
    import torch

    F, H = rng.choice(SHAPES)
    W = [[[rng.choice(W_CHOICES) for _ in range(H)] for _ in range(F)]]
    if sum(v != 0 for row in W[0] for v in row) < F + 1:
        return None
    b = [[rng.choice((-1.0, -0.5, 0.5, 1.0)) for _ in range(F)]]
    x = [[[rng.choice((0.0, 0.5, 1.0)) for _ in range(F)]]]
    args = (torch.tensor(W), torch.tensor(b), torch.tensor(x))
    pre_h = torch.einsum("bif,ifh->bih", args[2], args[0])
    if not ((pre_h < 0).any() and (pre_h > 0).any()):
        return None  # the hidden ReLU must clip something and pass something
    vec = [clean(v, 6) for v in reference(*args)[0, 0].tolist()]
    if len(set(vec)) == 1:
        return None
    check = ArrayCheck(vec, precision=precision)
    mistaken = []
    for what, fn in (("left out the hidden ReLU (the plain TMS model)", no_hidden_relu),
                     ("left out the output ReLU", no_output_relu),
                     ("forgot b_final", no_bias),
                     ("left out both ReLUs (the linear model)", linear),
                     ("added b_final in the hidden layer", bias_in_hidden)):
        try:
            m = [clean(v, 6) for v in fn(*args)[0, 0].tolist()]
        except ValueError:
            continue
        if check.check(format_array(m)).correct:
            return None
        mistaken.append((what, format_array(m)))
    return F, H, W, b, x, vec, check, mistaken


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(3)
    F, H, W, b, x, vec, check, mistaken = redraw(lambda: _draw(rng, precision), 3000, family=ID, form=form, seed=seed)
    code = (
        indent_rows("W", [W[0]], f"[instances=1, features={F}, hidden={H}]") + "\n"
        + f"b_final = torch.tensor({literal(b)})  # [instances, features]\n"
        + f"x = torch.tensor({literal(x)})  # [batch=1, instances, features]\n"
        + "model = HiddenReLUModel(cfg)  # the privileged-basis model\n"
        + "model.W.data, model.b_final.data = W, b_final\n"
        + "out = model(x)  # h = ReLU(x W), out = ReLU(h W^T + b_final), per instance"
    )
    return variant(
        ID, form, seed,
        params={"W": W, "b_final": b, "x": x},
        prompt=(f"What is `out[0, 0]` (all {F} entries, as a list)?" + give(precision).replace("Give it", "Give each entry")),
        answer=vec,
        check=check,
        code=code,
        explanation=(f"h = ReLU(x W) clips the negative hidden entries to 0 (each hidden dimension is a neuron); "
                     f"then out = ReLU(h W^T + b_final) = {format_array(vec)}."),
        hints=(
            "Two ReLUs: one on the hidden vector (the neurons), one on the output.",
            "h[k] = ReLU(Σ_f x[f]·W[f, k]); out[f] = ReLU(Σ_k W[f, k]·h[k] + b_final[f]).",
        ),
        wrong=[r for _, r in mistaken] + [format_array(list(reversed(vec)))],
        mistakes=mistaken,
    )


FAMILY = Family(
    id=ID,
    title="The hidden-ReLU model's forward pass",
    make=with_task(make, HIDDEN_RELU, family=ID),
    forms=("value", "task"),
    difficulty=2,
    summary="Run h = ReLU(x W), out = ReLU(h W^T + b) (the privileged-basis model) by hand; write it vectorised over instances.",
    code_spec=CODE,
)
