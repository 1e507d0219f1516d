"""What a negative ``b_final`` does to interference: the ReLU output model's noise filter.

With one feature active, every other output receives interference \\((W_j \\cdot W_i) x_i\\); a
negative bias pushes the small positive ones below zero and the output ReLU removes them, while
the active feature, at \\(\\|W_i\\|^2 x_i\\), survives. Two questions, alternating by seed: the
whole output ``model(x)`` with the given negative bias (the explanation shows it without), and
the smallest uniform negative bias that silences every interfering output. Answers run a real
``superpos_core.Model`` with W and b_final set.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import ArrayCheck, NumberCheck, Precision, format_array
from exercises.superposition._common import (
    build_model,
    clean,
    give,
    literal,
    number_mistakes,
    number_spellings,
    variant,
)
from exercises.superposition._small_w import show

ID = "superposition.bias"
UNIT = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (0.6, 0.8), (0.8, 0.6), (-0.6, 0.8), (0.8, -0.6),
        (-0.8, -0.6), (0.6, -0.8), (-0.8, 0.6), (-0.6, -0.8))
VALUES = (0.5, 0.6, 0.8, 0.9, 1.0)
BIASES = (-0.1, -0.2, -0.3, -0.4)
KINDS = ("output", "threshold")


def outputs(rows, b, x) -> list[float]:
    """``model(x)[0, 0]`` of a one-instance model with W[0] = rows and b_final[0] = b."""
    import torch

    model = build_model([rows], b_final=[b])
    with torch.no_grad():
        out = model(torch.tensor([[x]], dtype=torch.float32))
    return [clean(v, 6) for v in out[0, 0].tolist()]


def _pre(rows, x) -> list[float]:
    """x W Wᵀ with zero bias and no ReLU (the mistaken forward passes are built from it)."""
    import numpy as np

    W = np.array(rows)
    return [clean(v, 6) for v in (np.array(x) @ W @ W.T).tolist()]


def _output_mistakes(rows, b, x, value) -> list[tuple[str, str]] | None:
    import numpy as np

    z = np.array(_pre(rows, x))
    bb = np.array(b)
    cands = [
        ("forgot the bias", outputs(rows, [0.0] * len(b), x)),
        ("forgot the output ReLU", (z + bb).tolist()),
        ("added the bias after the ReLU", (np.maximum(z, 0) + bb).tolist()),
        ("bias with the wrong sign", np.maximum(z - bb, 0).tolist()),
    ]
    p = Precision.decimals(2)
    check = ArrayCheck(value, precision=p)
    out = []
    for what, arr in cands:
        text = format_array([clean(v, 6) for v in arr], p)
        if check.check(text).correct:
            return None
        out.append((what, text))
    return out


def _one_active(rng: random.Random) -> tuple[int, list[list[float]], int, list[float]]:
    """3-5 features with unit rows, and an input where only feature ``i`` is active."""
    F = rng.randint(3, 5)
    rows = [list(r) for r in rng.sample(UNIT, F)]
    i = rng.randrange(F)
    x = [0.0] * F
    x[i] = rng.choice(VALUES)
    return F, rows, i, x


def output_facts(without, value, i: int) -> dict[str, list[int]]:
    """What the bias did to each absent feature's output, read off the numbers: ``removed``
    (positive without the bias, 0 with it), ``survived`` (still positive), and ``above`` (an
    absent feature's output larger than the present feature's own)."""
    others = [j for j in range(len(value)) if j != i]
    return {
        "removed": [j for j in others if without[j] > 0 and value[j] == 0],
        "survived": [j for j in others if value[j] > 0],
        "above": [j for j in others if value[j] > value[i]],
    }


def explain_facts(facts: dict[str, list[int]], i: int) -> str:
    """The explanation's sentences about the bias, each one a fact of ``output_facts``."""
    def ids(js):
        return ", ".join(map(str, js))

    out = []
    if facts["removed"]:
        out.append(f"The bias removes the small interference on feature(s) {ids(facts['removed'])}.")
    if facts["survived"]:
        out.append(f"Interference on feature(s) {ids(facts['survived'])} is larger than the bias and survives.")
    if facts["above"]:
        out.append(f"Feature(s) {ids(facts['above'])}, absent from the input, even come out larger than present "
                   f"feature {i}: this bias is too weak to filter this interference.")
    return " ".join(out)


def _make_output(rng: random.Random, form: str, seed: int):
    p = Precision.decimals(2)
    for _ in range(500):
        F, rows, i, x = _one_active(rng)
        b = [rng.choice(BIASES) for _ in range(F)]
        z = _pre(rows, x)
        if not any(z[j] > -b[j] for j in range(F) if j != i):
            continue  # some interference must survive the bias, some must not
        if not any(0 < z[j] <= -b[j] for j in range(F) if j != i):
            continue
        value = outputs(rows, b, x)
        mistakes = _output_mistakes(rows, b, x, value)
        if mistakes is not None:
            break
    else:  # pragma: no cover - the draws above always succeed within a few tries
        raise RuntimeError(f"{ID}: no variant for seed {seed}")
    without = outputs(rows, [0.0] * F, x)
    check = ArrayCheck(value, precision=p)
    facts = output_facts(without, value, i)
    question = (
        f"The model's `b_final[0]` is `{literal(b)}`. For the input `x` below (only feature {i} is present), what is "
        f"`model(x)[0, 0]`, the output for all {F} features? Write a list like [a, b, ...]." + give(p)
    )
    return {
        "params": {"kind": "output", "W": rows, "b_final": b, "x": x},
        "question": question, "answer": value, "check": check,
        "code": show(rows) + f"\nx = torch.tensor([[{literal(x)}]])  # [batch=1, instances=1, features={F}]",
        "explanation": (
            f"\\(xWW^T\\) gives {format_array(_pre(rows, x), p)}: feature {i}'s own signal and interference on the others. "
            f"Without the bias the ReLU output is {format_array(without, p)}; adding the negative b_final before the "
            f"ReLU gives {format_array(value, p)}. " + explain_facts(facts, i)
        ),
        "hints": (
            "The TMS model computes relu(x W Wᵀ + b_final) per instance; the bias is added before the ReLU.",
            f"With one active feature, output j before the bias is (W_j · W_{i}) · x_{i}.",
            f"Those values are {format_array(_pre(rows, x), p)}; add b_final and clip at 0.",
        ),
        "wrong": [r for _, r in mistakes],
        "right": [],
        "mistakes": mistakes,
    }


def _threshold_mistakes(z, i: int, rows, x) -> list[tuple[str, float]]:
    import numpy as np

    W = np.array(rows)
    others = [z[j] for j in range(len(z)) if j != i]
    pos = [v for v in others if v > 0]
    out = [
        ("forgot the input's value: used W_j · W_i", max(float(W[j] @ W[i]) for j in range(len(z)) if j != i)),
        ("the largest |interference|, negative ones too", max(abs(v) for v in others)),
        ("included the active feature itself", z[i]),
    ]
    if len(pos) > 1:
        out.append(("the smallest positive interference", min(pos)))
    return out


def _make_threshold(rng: random.Random, form: str, seed: int):
    p = Precision.decimals(2)
    for _ in range(500):
        F, rows, i, x = _one_active(rng)
        # the answer from the real model: its zero-bias outputs are exactly the surviving interference
        out0 = outputs(rows, [0.0] * F, x)
        value = clean(max(out0[j] for j in range(F) if j != i), 6)
        if value <= 0:
            continue
        z = _pre(rows, x)
        check = NumberCheck(value, precision=p)
        mistakes = number_mistakes(check, p, _threshold_mistakes(z, i, rows, x))
        if mistakes is not None:
            break
    else:  # pragma: no cover - the draws above always succeed within a few tries
        raise RuntimeError(f"{ID}: no variant for seed {seed}")
    question = (
        f"`b_final[0]` is set to −c on every feature (c ≥ 0). For the input `x` below (only feature {i} is present), "
        f"what is the smallest c for which every output except feature {i}'s is 0?" + give(p)
    )
    worst = max((j for j in range(F) if j != i), key=lambda j: out0[j])
    return {
        "params": {"kind": "threshold", "W": rows, "x": x},
        "question": question, "answer": value, "check": check,
        "code": show(rows) + f"\nx = torch.tensor([[{literal(x)}]])  # [batch=1, instances=1, features={F}]",
        "explanation": (
            f"Output j before the bias is (W_j · W_{i}) x_{i}: {format_array(z, p)}. Negative ones are already "
            f"clipped by the ReLU; the largest positive one, feature {worst}'s {p.format(value)}, sets c. Feature "
            f"{i} itself keeps {p.format(z[i] - value)}"
            + (" > 0 — a negative bias trades a little signal for no interference." if z[i] - value > 0 else
               ": this bias would silence the present feature too.")
        ),
        "hints": (
            "The bias is added before the output ReLU: an output is 0 when its pre-activation is ≤ 0.",
            f"With one active feature, output j before the bias is (W_j · W_{i}) · x_{i}.",
            "Only the positive interference needs silencing; the ReLU clips the negative ones anyway.",
        ),
        "wrong": [r for _, r in mistakes],
        "right": number_spellings(value),
        "mistakes": mistakes,
    }


def make(rng: random.Random, form: str, seed: int) -> Variant:
    kind = KINDS[seed % 2]
    d = _make_output(rng, form, seed) if kind == "output" else _make_threshold(rng, form, seed)
    F = len(d["params"]["W"])
    return variant(
        ID, form, seed,
        params=d["params"],
        prompt=(
            f"A TMS model (ReLU output) has one instance storing {F} features in 2 hidden dimensions. " + d["question"]
        ),
        answer=d["answer"],
        check=d["check"],
        code=d["code"],
        explanation=d["explanation"],
        hints=d["hints"],
        wrong=d["wrong"],
        right=d["right"],
        mistakes=d["mistakes"],
    )


FAMILY = Family(
    id=ID,
    title="Negative bias against interference",
    make=make,
    forms=("value",),
    difficulty=2,
    summary="What a negative b_final does to interference: outputs with it, and the bias that silences it.",
)
