"""The asymmetric superposition motif of the |x| model (ARENA 1.3.1's bonus; the paper's
"computation in superposition" section).

One neuron reads feature i with a large input weight and feature j with a small one, and writes
them back the other way round. Each feature alone and positive comes out right, but i alone leaks
large·large into j's output. A second neuron, driven by i, writes a large negative weight to j:
the sum is negative and the output ReLU makes it 0, so the leak costs nothing. The value form
runs ``superpos_core.computation.asymmetric_motif`` (neurons shuffled, either feature the large
one) on one feature alone, or asks for the least inhibiting weight, found by running the model
on a grid of values. The code exercise is ``one_hot_response``: the model's output for each
feature alone, the matrix in which the leak and its cure are read, graded against superpos_core.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import ArrayCheck, NumberCheck, Precision, format_array
from exercises.redraw import redraw
from exercises.superposition._doc import wrapped
from exercises.superposition._common import clean, give, indent_rows, literal, number_mistakes, number_spellings, variant

ID = "superposition.asymmetric_motif"


# ------------------------------------------------------------------ reference & mistakes


def reference(W1, W2, b_final, value):
    """``superpos_core.computation.one_hot_response``."""
    from superpos_core.computation import one_hot_response

    return one_hot_response(W1, W2, b_final, value)


def _basis(W1, value):
    import torch

    I, _, F = W1.shape
    return value * torch.eye(F, dtype=W1.dtype).unsqueeze(1).expand(F, I, F)  # [feature alone, instances, features]


def _run(W1, W2, b_final, x, hidden_relu=True, output_relu=True):
    import torch

    h = torch.einsum("ihf,...if->...ih", W1, x)
    h = torch.relu(h) if hidden_relu else h
    out = torch.einsum("ifh,...ih->...if", W2, h) + b_final
    return torch.relu(out) if output_relu else out


def no_output_relu(W1, W2, b_final, value):
    return _run(W1, W2, b_final, _basis(W1, value), output_relu=False).permute(1, 2, 0)


def no_hidden_relu(W1, W2, b_final, value):
    return _run(W1, W2, b_final, _basis(W1, value), hidden_relu=False).permute(1, 2, 0)


def relu_before_the_value(W1, W2, b_final, value):
    """ReLU(W1[:, k]) · value: the value's sign applied after the hidden ReLU."""
    import torch

    h = torch.relu(W1) * value  # [instances, hidden, feature alone]
    return torch.relu(torch.einsum("ifh,ihk->ifk", W2, h) + b_final[..., None])


def inputs_first(W1, W2, b_final, value):
    return reference(W1, W2, b_final, value).transpose(-1, -2)


def no_bias(W1, W2, b_final, value):
    import torch

    return reference(W1, W2, torch.zeros_like(b_final), value)


SLIPS = (
    (no_output_relu, "Keep the output ReLU: a negative sum comes out as 0. That is what makes the inhibitor "
                     "neuron's large negative weight cost nothing in the asymmetric motif."),
    (no_hidden_relu, "The hidden layer has a ReLU: a neuron whose input weight times the value is negative "
                     "stays silent (the model is not W2 W1)."),
    (relu_before_the_value, "The value goes in before the hidden ReLU: ReLU(W1[:, k] · value), not "
                            "ReLU(W1[:, k]) · value (a negative value drives the neurons with negative weights)."),
    (inputs_first, "response[i, o, k] is output o when feature k alone is present: outputs on axis 1, the "
                   "present feature on axis 2."),
    (no_bias, "Did you forget b_final?"),
)
MISTAKES = tuple(Mistake(fn.__name__, fn, msg) for fn, msg in SLIPS)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Random |x| models (some with the motif's large/small weights), signed values."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    I, F, H = rng.randint(1, 3), rng.randint(2, 6), rng.randint(2, 7)
    W1 = torch.randn(I, H, F, generator=g)
    W2 = torch.randn(I, F, H, generator=g)
    if case % 3 == 0:  # the motif's scale: one weight per neuron large, its partner small
        W1 = W1 * torch.where(torch.rand(I, H, F, generator=g) < 0.3, 4.0, 0.5)
    value = rng.choice((1.0, -1.0, 0.5, -0.75, rng.uniform(-1, 1)))
    return {"W1": W1, "W2": W2, "b_final": torch.randn(I, F, generator=g) * 0.3, "value": value}


CODE = CodeSpec(
    function="one_hot_response",
    signature=("def one_hot_response(W1: torch.Tensor, W2: torch.Tensor, b_final: torch.Tensor, "
               "value: float) -> torch.Tensor:"),
    doc=wrapped(
        "The |x| model's output for each feature alone: the matrix in which the asymmetric superposition\n"
        "motif's leak (and the inhibitor that cures it) is read.\n\n"
        "W1: [instances, hidden, features], W2: [instances, features, hidden], b_final: [instances, features].\n"
        "The model is out = ReLU(W2 ReLU(W1 x) + b_final), every instance separately. Returns\n"
        "[instances, features, features]: entry [i, o, k] is instance i's output o when x has feature k equal\n"
        "to `value` and every other feature 0."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
)


# ------------------------------------------------------------------ the value form

BIGS = (2.0, 3.0, 4.0, 5.0)
SMALLS = (0.5, 0.25, 0.2)
INHIBIT_IN = (1.0, 2.0, 0.5, 4.0)  # the inhibiting neuron's input weight
VALUES = (1.0, 0.5, -0.5, -1.0, 0.75)
BIASES = ((0.0, 0.0), (0.0, -0.5), (-0.25, 0.0), (0.0, -0.25))
KINDS = ("out", "inhibit")
#: which single-feature input the "out" card runs: the large feature alone with the inhibitor at full
#: strength (its leak cut by the output ReLU), or with a weak or no inhibitor (the leak shows), the
#: small feature alone (small·small), or a negative value (the ReLU(-x) neurons)
SCENARIOS = ("cured", "leak", "small_leak", "negative")
#: the mistakes each scenario must tell apart from the answer (others may coincide on that input)
REQUIRED = {"cured": {"output", "inhibitor", "hidden"}, "leak": {"hidden"}, "small_leak": {"hidden"},
            "negative": {"sign", "hidden"}}


def _model(big, small, inhibit, bias, order, swap, inhibit_in=1.0):
    """The motif's weights with the neurons in ``order`` and, if ``swap``, feature 1 the large one."""
    from superpos_core.computation import asymmetric_motif

    W1, W2, b = asymmetric_motif(big, small, inhibit, bias, inhibit_in)
    W1, W2 = W1[:, order], W2[:, :, order]
    if swap:
        W1, W2, b = W1.flip(-1), W2.flip(-2), b.flip(-1)
    return W1, W2, b


def _least_inhibit(big, small, bias, order, swap, inhibit_in) -> float:
    """The least inhibiting weight w for which the large feature alone, at any value in (0, 1], gives
    the other feature's output 0: bisection on w, each w judged by running the model
    (``superpos_core.computation.abs_forward``) on a grid of such inputs at once."""
    import torch

    from superpos_core.computation import abs_forward

    large, other = (1, 0) if swap else (0, 1)
    x = torch.zeros(40, 1, 2)
    x[:, 0, large] = torch.linspace(0.025, 1.0, 40)

    def leaks(w: float) -> bool:
        W1, W2, b = _model(big, small, w, bias, order, swap, inhibit_in)
        return bool((abs_forward(W1, W2, b, x)[:, 0, other] > 1e-6).any())

    lo, hi = 0.0, 2 * big / small / inhibit_in + 1
    if not leaks(lo):
        return 0.0
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if leaks(mid) else (lo, mid)
    return clean(round(hi, 5), 6)


def _draw(rng: random.Random, kind: str, precision: Precision):

    from superpos_core.computation import one_hot_response

    big, small, bias = rng.choice(BIGS), rng.choice(SMALLS), rng.choice(BIASES)
    order = rng.sample(range(4), 4)
    swap = rng.random() < 0.5
    large, other = (1, 0) if swap else (0, 1)
    if kind == "inhibit":
        inhibit_in = rng.choice(INHIBIT_IN)
        value = _least_inhibit(big, small, bias, order, swap, inhibit_in)
        check = NumberCheck(value, precision=precision)
        b_other = bias[1]
        mistakes = number_mistakes(check, precision, [
            ("big · small, the leak's own size read the wrong way", big * small),
            ("big / small without the output bias", big / small / inhibit_in) if b_other else ("small / big", small / big),
            ("the large weight alone", big), ("1 / small alone", 1 / small),
            ("the inhibitor's input weight left out", big / small + b_other),
        ] if inhibit_in != 1 else [
            ("big · small, the leak's own size read the wrong way", big * small),
            ("big / small without the output bias", big / small) if b_other else ("small / big", small / big),
            ("the large weight alone", big), ("1 / small alone", 1 / small)])
        if mistakes is None or value == 0:
            return None
        W1, W2, b = _model(big, small, 0.0, bias, order, swap, inhibit_in)
        return kind, big, small, bias, order, swap, inhibit_in, value, check, mistakes, W1, W2, b
    scenario = rng.choice(SCENARIOS)
    inhibit = {"cured": big / small + 1, "leak": rng.choice((0.0, big / small / 2))}.get(
        scenario, rng.choice((0.0, big / small + 1)))
    v = rng.choice([x for x in VALUES if (x < 0) == (scenario == "negative")])
    k = other if scenario == "small_leak" else large if scenario in ("cured", "leak") else rng.choice((large, other))
    W1, W2, b = _model(big, small, inhibit, bias, order, swap)
    out = [clean(x, 6) for x in one_hot_response(W1, W2, b, v)[0, :, k].tolist()]
    if not any(out):
        return None
    check = ArrayCheck(out, precision=precision)
    W1_no, W2_no, b_no = _model(big, small, 0.0, bias, order, swap)
    candidates = [
        ("left out the output ReLU", "output", no_output_relu(W1, W2, b, v)),
        ("left out the hidden ReLU", "hidden", no_hidden_relu(W1, W2, b, v)),
        ("applied the value after the hidden ReLU", "sign", relu_before_the_value(W1, W2, b, v)),
        ("forgot b_final", "bias", no_bias(W1, W2, b, v)),
        ("left out the inhibiting neuron", "inhibitor", one_hot_response(W1_no, W2_no, b_no, v)),
    ]
    target = [0.0, 0.0]
    target[k] = abs(v)
    if check.check(format_array(target, precision)).correct:
        return None  # |x| itself, the target anyone can write down without running the model
    slips = [("answered |x|, what the model is trained to compute", format_array(target, precision))]
    for what, key, full in candidates:
        text = format_array([clean(x, 6) for x in full[0, :, k].tolist()], precision)
        if check.check(text).correct:
            if key in REQUIRED[scenario]:
                return None  # the scenario's own mistake must not score
            continue  # the same computation on this input (a positive value needs no sign rule, ...)
        slips.append((what, text))
    return kind, big, small, bias, order, swap, (v, k, inhibit, scenario), out, check, slips, W1, W2, b


def make(rng: random.Random, form: str, seed: int) -> Variant:
    kind = KINDS[seed % 2]
    precision = Precision.decimals(3)
    kind, big, small, bias, order, swap, asked, answer, check, mistakes, W1, W2, b = redraw(
        lambda: _draw(rng, kind, precision), 500, family=ID, form=form, seed=seed)
    large, other = (1, 0) if swap else (0, 1)
    asym, inhib = order.index(0), order.index(1)  # where the motif's two neurons ended up
    W2_rows = [[clean(x, 6) for x in row] for row in W2[0].tolist()]
    if kind == "inhibit":
        shown = [[("-w" if (f, n) == (other, inhib) else literal(x)) for n, x in enumerate(row)]
                 for f, row in enumerate(W2_rows)]
        W2_text = ("# W2 [features=2, hidden=4]; neuron " + str(inhib) + "'s output weight to feature "
                   + str(other) + " is -w\n" + "\n".join(f"#   [{', '.join(r)}]" for r in shown))
    else:
        W2_text = indent_rows("W2", W2_rows, "[features=2, hidden=4]")
    code = (indent_rows("W1", [[clean(x, 6) for x in row] for row in W1[0].tolist()], "[hidden=4, features=2]")
            + "\n" + W2_text + "\n" + f"b_final = torch.tensor({literal([clean(x) for x in b[0].tolist()])})\n")
    if kind == "inhibit":
        code += f"# x: feature {large} at any value in (0, 1], feature {other} = 0\n"
        code += "out = torch.relu(W2 @ torch.relu(W1 @ x) + b_final)"
        prompt = (f"An |x| model of two features with the asymmetric superposition motif: neuron {asym} reads "
                  f"feature {large} large and writes it small, and the other way round for feature {other}. "
                  f"What is the least w for which `out[{other}]` is 0 whenever feature {large} is present alone "
                  "with a value in (0, 1]?" + give(precision))
        answer_text = precision.format(answer)
        expl = (f"Feature {large} alone at x drives neuron {asym} to {big:g}·x, which writes {big:g}·x · "
                f"{1 / small:g} = {big / small:g}·x into output {other}; neuron {inhib} is driven to {asked:g}·x and "
                f"writes -w·{asked:g}·x. With b_final[{other}] = {bias[1]:g} the output is ReLU(({big / small:g} - "
                f"{asked:g}·w)·x + "
                f"{bias[1]:g}), 0 for every x in (0, 1] once w ≥ {precision.format(answer)}: the output ReLU "
                "turns the negative sum into 0, so the large leak costs nothing.")
        hints = (f"Follow feature {large} alone through both neurons it drives into output {other}.",
                 "The output ReLU makes any negative sum 0: the inhibitor need only bring it to 0 or below.",
                 "The worst case is the largest value, x = 1, and the bias helps.")
        params = {"kind": kind, "big": big, "small": small, "b_final": list(bias), "order": order, "swap": swap,
                  "inhibit_in": asked}
        right = number_spellings(answer)
    else:
        v, k, inhibit, _ = asked
        x = [0.0, 0.0]
        x[k] = v
        code += f"x = torch.tensor({literal(x)})  # feature {k} alone\n"
        code += "out = torch.relu(W2 @ torch.relu(W1 @ x) + b_final)"
        prompt = ("An |x| model of two features: h = ReLU(W1 x), out = ReLU(W2 h + b_final). What is `out` "
                  "(both entries, as a list)?" + give(precision).replace("Give it", "Give each entry"))
        answer_text = format_array(answer, precision)
        leak = "the leak of the large feature into the other" if k == large and v > 0 else "no large leak"
        expl = (f"Neuron {asym} is the motif: it reads feature {large} with {big:g} and feature {other} with "
                f"{small:g}, and writes 1/{big:g} and 1/{small:g} back. Here feature {k} = {v:g} alone gives {leak}"
                + (f"; neuron {inhib}'s weight -{inhibit:g} to output {other} pulls it down and the output ReLU "
                   "cuts a negative sum to 0" if inhibit and k == large and v > 0 else "")
                + f". out = {answer_text}.")
        hints = ("Only the neurons whose input weight times the value is positive fire.",
                 "Then each output is ReLU(sum of its weights times those activations + its bias).")
        params = {"kind": kind, "big": big, "small": small, "b_final": list(bias), "order": order, "swap": swap,
                  "value": v, "feature": k, "inhibit": inhibit, "scenario": asked[3]}
        right = [answer_text.replace(" ", "")]
    return variant(
        ID, form, seed,
        params=params,
        prompt=prompt,
        answer=answer,
        check=check,
        answer_text=answer_text,
        code=code,
        explanation=expl,
        hints=hints,
        wrong=[r for _, r in mistakes],
        right=right,
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Computation in superposition: the asymmetric motif",
    make=make,
    forms=("value",),
    difficulty=3,
    summary="A neuron reads one feature large and writes it small (the other the reverse); an inhibitor and the output ReLU hide the leak.",
    code_spec=CODE,
)
