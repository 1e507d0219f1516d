"""The linear and constant learning-rate schedules of ``optimize``.

``linear_lr(step, steps) = 1 - step/steps`` decays towards (but never reaches) 0;
``constant_lr`` always returns 1. ``optimize`` multiplies the base ``lr`` by the scale at
every step. Answers call ``superpos_core.linear_lr`` / ``constant_lr``.
"""
from __future__ import annotations

import random

from exercises.base import Family, Variant
from exercises.checking import NumberCheck, Precision
from exercises.redraw import redraw
from exercises.superposition._common import clean, fmt, give, number_mistakes, number_spellings, variant

ID = "superposition.linear_lr"
STEPS = (8, 10, 16, 20, 25, 40, 50, 80, 100, 200)  # few steps: dividing by steps - 1 shows
BASE_LRS = (1e-3, 2e-3, 5e-3, 1e-2, 1e-1)


def _scale_mistakes(step: int, steps: int) -> list[tuple[str, float]]:
    return [
        ("divided by steps - 1, not steps", 1 - step / (steps - 1)),
        ("rising instead of decaying: step/steps", step / steps),
        ("off by one: 1 - (step + 1)/steps", 1 - (step + 1) / steps),
    ]


def make(rng: random.Random, form: str, seed: int) -> Variant:
    import superpos_core

    schedule = rng.choice(["linear_lr", "linear_lr", "linear_lr", "constant_lr"])
    ask_lr = schedule == "constant_lr" or rng.random() < 0.5
    precision = Precision.sig(3) if ask_lr else Precision.decimals(3)
    fn = getattr(superpos_core, schedule)

    def draw():
        steps = rng.choice(STEPS)
        step = rng.randrange(1, steps)
        lr = rng.choice(BASE_LRS)
        scale = clean(float(fn(step, steps)), 12)
        linear_scale = 1 - step / steps
        if schedule == "linear_lr":
            mistaken = _scale_mistakes(step, steps)
        else:
            mistaken = [("used the linear schedule", linear_scale)]
        if ask_lr:
            value = clean(lr * scale, 12)
            mistaken = [(what, lr * m) for what, m in mistaken]
            mistaken += [("forgot the base lr: the scale alone", scale)]
            if schedule == "linear_lr":
                mistaken += [("forgot the schedule: lr alone", lr)]
        else:
            value = scale
        check = NumberCheck(value, precision=precision)
        mistakes = number_mistakes(check, precision, mistaken)
        return None if mistakes is None else (steps, step, lr, scale, value, check, mistakes)

    steps, step, lr, scale, value, check, mistakes = redraw(draw, 500, family=ID, form=form, seed=seed)
    if ask_lr:
        prompt = (
            f"`optimize(model, steps={steps}, lr={lr:g}, lr_scale={schedule})` sets the learning rate of each "
            f"step to `lr * lr_scale(step, steps)`. What learning rate does step {step} use?" + give(precision)
        )
        right = [f"{value:.6e}", f"{value:.10f}"]
    else:
        prompt = f"What does `{schedule}({step}, {steps})` return?" + give(precision)
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
            + (f"; times lr = {lr:g} that is {precision.format(value)}." if ask_lr else ".")
        ),
        hints=(
            "A schedule returns a scale factor; optimize multiplies the base learning rate by it every step.",
            "`linear_lr(step, steps) = 1 - step / steps`; `constant_lr(...)` always returns 1.",
            f"Plug in step = {step}, steps = {steps}" + (f", then multiply by lr = {lr:g}." if ask_lr else "."),
        ),
        wrong=[r for _, r in mistakes] + ["0"],
        right=right,
        mistakes=mistakes,
    )


FAMILY = Family(
    id=ID,
    title="Linear and constant learning-rate schedules",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Evaluate linear_lr / constant_lr and the learning rate optimize uses at a given step.",
)
