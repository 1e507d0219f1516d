"""Computation in superposition (issue 24, item 6): the |x| model's forward pass and loss.

``superpos_core.computation.AbsModel`` (ARENA's NeuronComputationModel) computes |x| of signed
sparse inputs with separate weights in and out and a hidden ReLU: h = ReLU(W1 x), out =
ReLU(W2 h + b_final), trained against |x|. The value form sets a one-instance model to small
round numbers and asks for its output or its loss on one signed input; the classic slips (the
target x instead of |x|, tied weights W1ᵀ as in the main model, no hidden ReLU) must give
another answer. The code exercise is the forward pass, graded against AbsModel.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, NumberCheck, Precision, format_array, format_number
from exercises.redraw import redraw
from exercises.superposition._common import clean, give, indent_rows, literal, variant
from exercises.superposition._tasks import with_task
from exercises.superposition._tasks_arena import ABS

ID = "superposition.abs_model"
VALUES = (-1.0, -0.5, 0.5, 1.0, 0.0)


def reference(W1, W2, b_final, features):
    """superpos_core's AbsModel with its parameters set to these."""
    import torch
    from superpos_core.computation import AbsModel

    I, H, F = W1.shape
    model = AbsModel(I, F, H)
    with torch.no_grad():
        model.W1.copy_(W1)
        model.W2.copy_(W2)
        model.b_final.copy_(b_final)
        return model(features.to(model.W1.dtype)).to(features.dtype)


def tied(W1, W2, b_final, features):
    """The main TMS model's habit: back out with W1's transpose instead of W2."""
    return reference(W1, W1.transpose(-1, -2), b_final, features)


def no_hidden_relu(W1, W2, b_final, features):
    import torch

    h = torch.einsum("ihf,...if->...ih", W1, features)
    return torch.relu(torch.einsum("ifh,...ih->...if", W2, h) + b_final)


def no_output_relu(W1, W2, b_final, features):
    import torch

    h = torch.relu(torch.einsum("ihf,...if->...ih", W1, features))
    return torch.einsum("ifh,...ih->...if", W2, h) + b_final


def no_bias(W1, W2, b_final, features):
    import torch

    return reference(W1, W2, torch.zeros_like(b_final), features)


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    B, I, F, H = rng.randint(1, 5), rng.randint(1, 3), rng.randint(2, 6), rng.randint(2, 8)
    if case % 4 == 0:
        H = F  # square: tied weights run too
    x = (torch.rand(B, I, F, generator=g) * 2 - 1) * (torch.rand(B, I, F, generator=g) < 0.6)
    return {"W1": torch.randn(I, H, F, generator=g), "W2": torch.randn(I, F, H, generator=g),
            "b_final": torch.randn(I, F, generator=g) * 0.3, "features": x}


CODE = CodeSpec(
    function="abs_forward",
    signature=("def abs_forward(W1: torch.Tensor, W2: torch.Tensor, b_final: torch.Tensor, "
               "features: torch.Tensor) -> torch.Tensor:"),
    doc=(
        "The |x| model's forward pass (ARENA's NeuronComputationModel), every instance separately:\n"
        "W1: [instances, hidden, features], W2: [instances, features, hidden], b_final: [instances, features],\n"
        "features: [batch, instances, features] (signed). h = ReLU(W1 x), out = ReLU(W2 h + b_final).\n"
        "Returns [batch, instances, features]."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("tied", tied, "This model has separate weights out: use W2, not W1's transpose."),
        Mistake("no_hidden_relu", no_hidden_relu, "The hidden layer has a ReLU: h = ReLU(W1 x). Without it no |x| can be computed."),
        Mistake("no_output_relu", no_output_relu, "The output keeps its ReLU: out = ReLU(W2 h + b_final)."),
        Mistake("no_bias", no_bias, "Did you forget b_final?"),
    ),
    n_cases=24,
)


def _draw(rng: random.Random, precision):
    import torch

    F, H = rng.choice(((2, 2), (2, 3), (3, 2), (2, 4)))
    W1 = [[[rng.choice(VALUES) for _ in range(F)] for _ in range(H)]]
    W2 = [[[rng.choice(VALUES) for _ in range(H)] for _ in range(F)]]
    b = [[rng.choice((-0.5, 0.0, 0.5)) for _ in range(F)]]
    x = [[[rng.choice((-1.0, -0.5, 0.5, 1.0, 0.0)) for _ in range(F)]]]
    if not any(v < 0 for v in x[0][0]):
        return None
    t = [torch.tensor(a) for a in (W1, W2, b, x)]
    out = reference(*t)
    ask = rng.choice(("out", "loss"))
    imp = [rng.choice((1.0, 0.5)) for _ in range(F)]
    ti = torch.tensor([imp])

    def loss_of(o, target):
        return clean(float((ti * (target - o) ** 2).mean(dim=(0, 2)).sum()), 6)

    if ask == "out":
        ans = [clean(v, 6) for v in out[0, 0].tolist()]
        if len(set(ans)) == 1:
            return None
        check = ArrayCheck(ans, precision=precision)
        cands = [(w, format_array([clean(v, 6) for v in fn(*t)[0, 0].tolist()]))
                 for w, fn in (("backed out with W1's transpose (tied weights)", tied),
                               ("left out the hidden ReLU", no_hidden_relu),
                               ("left out the output ReLU", no_output_relu), ("forgot b_final", no_bias))
                 if not (fn is tied and F != H)]
    else:
        ans = loss_of(out, t[3].abs())
        if ans == 0:
            return None
        check = NumberCheck(ans, precision=precision)
        cands = [("compared with x instead of |x|", format_number(loss_of(out, t[3]), 6)),
                 ("compared with ReLU(x)", format_number(loss_of(out, t[3].clamp(min=0)), 6)),
                 ("left out the importance", format_number(clean(float(((t[3].abs() - out) ** 2).mean()), 6), 6)),
                 ("used the output without the hidden ReLU", format_number(loss_of(no_hidden_relu(*t), t[3].abs()), 6))]
    if any(check.check(c).correct for _, c in cands):
        return None
    return ask, F, H, W1, W2, b, x, imp, ans, check, cands


def make(rng: random.Random, form: str, seed: int) -> Variant:
    precision = Precision.decimals(3)
    ask, F, H, W1, W2, b, x, imp, ans, check, cands = redraw(lambda: _draw(rng, precision), 3000,
                                                             family=ID, form=form, seed=seed)
    code = (
        indent_rows("W1", [W1[0]], f"[instances=1, hidden={H}, features={F}]") + "\n"
        + indent_rows("W2", [W2[0]], f"[instances=1, features={F}, hidden={H}]") + "\n"
        + f"b_final = torch.tensor({literal(b)})\n"
        + f"x = torch.tensor({literal(x)})  # [batch=1, instances=1, features], signed\n"
        + f"importance = torch.tensor([{literal(imp)}])\n"
        + "out = torch.relu(W2 @ torch.relu(W1 @ x[0, 0]) + b_final)  # one instance"
        + ("\nloss = (importance * (x.abs() - out) ** 2).mean()" if ask == "loss" else "")
    )
    what = f"`out` (all {F} entries, as a list)" if ask == "out" else "`loss`"
    return variant(
        ID, form, seed,
        params={"ask": ask, "W1": W1, "W2": W2, "b_final": b, "x": x, "importance": imp},
        prompt=(f"The model below is trained to compute |x| of signed sparse features. What is {what}?"
                + give(precision).replace("Give it", "Give each entry" if ask == "out" else "Give it")),
        answer=ans,
        check=check,
        code=code,
        explanation=("h = ReLU(W1 x) keeps the neurons a signed input drives positively; out = ReLU(W2 h + b_final)"
                     + ("; the loss compares out with |x|, weighted by importance." if ask == "loss" else ".")),
        hints=(
            "Two ReLUs and two different matrices: W1 into the hidden layer, W2 back out.",
            "|x| = ReLU(x) + ReLU(-x): a pair of neurons with opposite input weights computes it exactly.",
        ),
        wrong=[c for _, c in cands],
        mistakes=cands,
    )


FAMILY = Family(
    id=ID,
    title="Computation in superposition: the |x| model",
    make=with_task(make, ABS, family=ID),
    forms=("value", "task"),
    difficulty=2,
    summary="Run the |x| model (h = ReLU(W1 x), out = ReLU(W2 h + b)) and its loss against |x| by hand; write its forward pass.",
    code_spec=CODE,
)
