"""The einsum families' ``make``: which case a seed asks, and which form's builder draws it.

Kept apart from :mod:`exercises.einsum._common` (the drawing and the shape, value and classic
write forms) so the task and task-stated write forms (:mod:`._task`, :mod:`._write`), which use
``_common``, are imported here and ``_common`` imports neither.
"""
from __future__ import annotations

import random
from typing import Callable

from exercises.base import Variant
from exercises.einsum import _common as C
from exercises.einsum._common import Case, Spec
from exercises.einsum._task import einsum_task
from exercises.einsum._write import einsum_write, write_cases
from exercises.redraw import redraw


def einsum_maker(spec: Spec) -> Callable[[random.Random, str, int], Variant]:
    """The ``make(rng, form, seed)`` of the family ``einsum.<spec.name>``."""

    def make(rng: random.Random, form: str, seed: int) -> Variant:
        case = pick_case(spec, form, seed)

        def draw() -> Variant | None:
            d = C._draw(spec, case, rng, form)
            try:
                if form == "task":
                    return einsum_task(spec, d, rng, seed, C._fill, C.generic_mistakes)
                if form == "write" and spec.task:
                    return einsum_write(spec, d, rng, seed)
                return {"write": C._write, "shape": C._shape, "value": C._value}[form](spec, d, rng, seed)
            except C._Inseparable:  # on these sizes some mistake always agrees with the answer
                return None

        return redraw(draw, C.SIZE_REDRAWS, family=f"einsum.{spec.name}", form=form, seed=seed)

    return make


def pick_case(spec: Spec, form: str, seed: int) -> Case:
    """The case of ``seed``: each block of ``len(cases)`` consecutive seeds holds every case once
    (shuffled per block), so over many seeds no case — and no answer — dominates."""
    if form == "task" and spec.task_cases:
        cases = list(spec.task_cases)
    elif form == "write" and spec.task:  # the write form asks the task's problem (exercises.einsum._write)
        cases = list(write_cases(spec))
    else:
        cases = [c for c in spec.cases if form != "shape" or not C._shape_is_shown(c.expr)] or list(spec.cases)
    n = len(cases)
    block = list(range(n))
    random.Random(f"einsum.{spec.name}/{form}/block/{seed // n}").shuffle(block)
    return cases[block[seed % n]]
