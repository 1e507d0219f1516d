"""The cosine learning-rate schedule of the TMS notebook: a quarter cosine from 1 down to 0.

``cosine_decay_lr(step, steps)`` scales the base learning rate by
\\(\\cos(\\tfrac{\\pi}{2} \\cdot \\tfrac{step}{steps-1})\\), so the first step uses the full rate
and the last exactly zero. Every answer calls ``superpos_core.cosine_decay_lr``.
"""
from __future__ import annotations

import math
import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, number_mistakes, number_spellings, variant

ID = "superposition.cosine_decay_lr"
# step/(steps-1) as (numerator, denominator): angles of 30, 45, 60, 90, 22.5, 67.5, 18, 36, ... degrees
RATIOS = ((1, 3), (1, 2), (2, 3), (1, 1), (1, 4), (3, 4), (1, 5), (2, 5), (3, 5), (4, 5), (1, 6), (5, 6))
BASE_LRS = (1e-3, 2e-3, 5e-3, 1e-2, 3e-3)


def reference(step: int, steps: int) -> float:
    import superpos_core

    return float(superpos_core.cosine_decay_lr(step, steps))


def divide_by_steps(step: int, steps: int) -> float:
    return math.cos(0.5 * math.pi * step / steps)


def missing_half(step: int, steps: int) -> float:
    return math.cos(math.pi * step / (steps - 1))


def linear(step: int, steps: int) -> float:
    return 1 - step / (steps - 1)


MISTAKES = (
    Mistake("divide_by_steps", divide_by_steps, "Divide by steps - 1, so that the last step (steps - 1) reaches 0."),
    Mistake("missing_half", missing_half, "The angle runs from 0 to π/2, not to π: did you forget the 0.5?"),
    Mistake("linear", linear, "That is a linear decay; this schedule follows a cosine."),
)


def make_inputs(rng: random.Random, case: int) -> dict:
    """Steps from 2 to 10 000; the first cases hit step 0 and the last step, steps - 1."""
    steps = rng.choice([2, 3, 5, 8, 11, 50, 100, 1000, 10_000]) if case > 3 else rng.randint(2, 40)
    if case % 4 == 0:
        step = 0
    elif case % 4 == 1:
        step = steps - 1
    else:
        step = rng.randrange(steps)
    return {"step": step, "steps": steps}


CODE = CodeSpec(
    function="cosine_decay_lr",
    signature="def cosine_decay_lr(step: int, steps: int) -> float:",
    doc=(
        "The learning-rate scale at `step` of a run of `steps` steps (step = 0 .. steps-1):\n"
        "a quarter cosine, 1.0 at step 0 and exactly 0.0 at the last step, steps - 1."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=MISTAKES,
    n_cases=24,
    atol=1e-6,
    rtol=1e-6,
)


def used_sin(step: int, steps: int) -> float:
    return math.sin(0.5 * math.pi * step / (steps - 1))


#: the by-hand slips of the value form: the code spec's mistakes and a sine for the cosine
VALUE_MISTAKES = (
    ("divided by steps, not steps - 1", divide_by_steps),
    ("a full half period: forgot the 0.5", missing_half),
    ("a linear decay", linear),
    ("sin instead of cos", used_sin),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    with_lr = rng.random() < 0.4
    precision = Precision.sig(3) if with_lr else Precision.decimals(3)
    lr = rng.choice(BASE_LRS) if with_lr else None

    def draw():
        num, den = rng.choice(RATIOS)
        # few steps, so that dividing by `steps` instead of `steps - 1` shows in the answer
        k = rng.randint(1, 60 // den)
        steps = den * k + 1
        step = num * k
        scale = clean(reference(step, steps), 9)
        mistaken = [(what, fn(step, steps)) for what, fn in VALUE_MISTAKES]
        if with_lr:
            value = clean(lr * scale, 12)
            mistaken = [(what, lr * m) for what, m in mistaken]
            mistaken += [("forgot the base lr: the scale alone", scale), ("forgot the schedule: lr alone", lr)]
        else:
            value = scale
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, mistaken)
        return None if mistakes is None else (step, steps, scale, value, check, mistakes)

    step, steps, scale, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    angle = f"\\frac{{\\pi}}{{2}} \\cdot \\frac{{{step}}}{{{steps - 1}}}"
    if with_lr:
        prompt = (
            f"`optimize(model, steps={steps}, lr={lr:g}, lr_scale=cosine_decay_lr)` sets the learning rate "
            f"of each step to `lr * lr_scale(step, steps)`. What learning rate does step {step} use?"
            + give(precision)
        )
        right = [f"{value:.6e}", f"{value:.8f}"]
        explanation = (
            f"The scale is \\(\\cos({angle}) \\approx {fmt(scale)}\\), so step {step} uses "
            f"{lr:g} × {fmt(scale)} ≈ {precision.format(value)}."
        )
    else:
        prompt = f"What does `cosine_decay_lr({step}, {steps})` return?" + give(precision)
        right = number_spellings(value)
        explanation = (
            f"\\(\\cos({angle}) \\approx {fmt(scale)}\\): the schedule runs a quarter cosine from 1 at step 0 "
            f"to 0 at step {steps - 1}."
        )
    return variant(
        ID, form, seed,
        params={"step": step, "steps": steps, "lr": lr},
        prompt=prompt,
        answer=value,
        check=check,
        explanation=explanation,
        hints=(
            "The schedule is a quarter period of a cosine: full rate at the start, zero at the last step.",
            "`cosine_decay_lr(step, steps) = cos(0.5 * π * step / (steps - 1))`.",
            f"Here step / (steps - 1) = {step}/{steps - 1}, an angle of {clean(90 * step / (steps - 1), 6):g}°.",
        ),
        wrong=[r for _, r in mistakes] + ([] if with_lr else [fmt(1 - scale)]),
        right=right,
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Cosine learning-rate decay",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Evaluate the notebook's cosine_decay_lr schedule, or the learning rate it gives a step.",
    code_spec=CODE,
)
