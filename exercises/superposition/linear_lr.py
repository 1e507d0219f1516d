"""The linear and constant learning-rate schedules of ``optimize``.

``linear_lr(step, steps) = 1 - step/steps`` decays towards (but never reaches) 0;
``constant_lr`` always returns 1. ``optimize`` multiplies the base ``lr`` by the scale at
every step. Answers call ``superpos_core.linear_lr`` / ``constant_lr``.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck
from exercises.superposition._common import clean, fmt, number_spellings, variant

ID = "superposition.linear_lr"
STEPS = (10, 20, 50, 100, 200, 1000, 5000, 10_000)
BASE_LRS = (1e-3, 2e-3, 5e-3, 1e-2, 1e-1)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import superpos_core

    steps = rng.choice(STEPS)
    step = rng.choice([steps // 10, steps // 5, steps // 4, steps // 2, 3 * steps // 4, steps - steps // 10, steps - 1])
    schedule = rng.choice(["linear_lr", "linear_lr", "linear_lr", "constant_lr"])
    fn = getattr(superpos_core, schedule)
    scale = clean(float(fn(step, steps)), 12)
    lr = rng.choice(BASE_LRS)
    ask_lr = schedule == "constant_lr" or rng.random() < 0.5
    linear_scale = 1 - step / steps
    if ask_lr:
        value = clean(lr * scale, 12)
        check = NumberCheck(value, atol=lr * 1e-4, rtol=1e-3)
        prompt = (
            f"`optimize(model, steps={steps}, lr={lr:g}, lr_scale={schedule})` sets the learning rate of each "
            f"step to `lr * lr_scale(step, steps)`. What learning rate does step {step} use?"
        )
        wrong = [
            fmt(lr * (1 - step / (steps - 1)), 6),  # steps - 1
            fmt(lr * step / steps, 6),  # rising instead of decaying
            fmt(scale, 6),  # forgot the base lr
            fmt(lr * linear_scale, 6) if schedule == "constant_lr" else fmt(lr, 6),  # the other schedule
        ]
        right = [f"{value:.4e}", f"{value:.8f}"]
    else:
        value = scale
        check = NumberCheck(value, atol=1e-4, rtol=1e-4)
        prompt = f"What does `{schedule}({step}, {steps})` return?"
        wrong = [fmt(1 - step / (steps - 1), 6), fmt(step / steps, 6), "1", "0"]
        right = number_spellings(value)
    what = "1 - step/steps" if schedule == "linear_lr" else "1 at every step"
    return variant(
        ID, form, seed,
        params={"schedule": schedule, "step": step, "steps": steps, "lr": lr if ask_lr else None},
        prompt=prompt,
        answer=value,
        check=check,
        explanation=(
            f"`{schedule}` is {what}, here {fmt(scale, 6)}"
            + (f"; times lr = {lr:g} that is {fmt(value, 6)}." if ask_lr else ".")
        ),
        hints=(
            "A schedule returns a scale factor; optimize multiplies the base learning rate by it every step.",
            "`linear_lr(step, steps) = 1 - step / steps`; `constant_lr(...)` always returns 1.",
            f"Plug in step = {step}, steps = {steps}" + (f", then multiply by lr = {lr:g}." if ask_lr else "."),
        ),
        wrong=wrong,
        right=right,
    )


FAMILY = Family(
    id=ID,
    title="Linear and constant learning-rate schedules",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Evaluate linear_lr / constant_lr and the learning rate optimize uses at a given step.",
    tags=("tms", "training"),
)
