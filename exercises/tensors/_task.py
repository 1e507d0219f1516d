"""The task form of the tensors families: one tensor computed from given tensors, stated in the
problem's own terms (scores per class, a table's rows, a sequence's positions), never the tool.

A family lists its :class:`Case` s: the story, the inputs (name, axis letters, kind), two or three
solutions in different tools and the classic mistakes. :func:`with_task` adds the ``task`` form to
the family's ``make``: the seed picks a case in shuffled blocks (every case, and every answer,
equally frequent), and :func:`exercises.task_form.task_variant` draws the worked example so that
the mistakes and the family's other cases on the same inputs give another result there.

Why many cases: a learner who remembers the family's other cards (its commonest answer, its three
commonest, the answer of cards whose inputs look alike) must not be right more than 30% of the
time (``tests/test_task_solvers.py``); cases vary the axis, keep-dims, direction, offset, layout.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from exercises.base import Variant
from exercises.task_form import TaskInput, int_tensor, randn, task_variant


@dataclass(frozen=True)
class Case:
    """One task: ``inputs`` are (name, axis letters, kind) with kind ``"float"``, ``"nonzero"``
    (floats, no zero and distinct where they can be in the example), ``"int"`` (whole numbers) or ``"index:<letter>"`` (whole numbers below that axis'
    size); ``solutions[0]`` is the reference."""

    story: str
    inputs: tuple[tuple[str, str, str], ...]
    solutions: tuple[str, ...]
    mistakes: tuple[tuple[str, str], ...] = ()
    words: dict[str, str] = field(default_factory=dict)  # an input's axes in words, where the story needs them
    sizes: dict[str, int | str] = field(default_factory=dict)  # an axis' fixed size, or the axis it equals
    #: adjusts drawn inputs (example and trials), e.g. labels right for some examples and wrong for others
    fix: Callable[[dict, random.Random], dict] | None = None


def _axes(case: Case) -> list[str]:
    return list(dict.fromkeys(a for _, axes, _ in case.inputs for a in axes))


def _draw(case: Case, sizes: dict[str, int], rng: random.Random, example: bool) -> dict:
    import torch

    out = {}
    for name, axes, kind in case.inputs:
        shape = tuple(sizes[a] for a in axes)
        if kind.startswith("index:"):
            n = sizes[kind.split(":")[1]]
            out[name] = torch.tensor([rng.randrange(n) for _ in range(int(torch.Size(shape).numel()))],
                                     dtype=torch.int64).reshape(shape)
        elif example and kind == "nonzero":  # no zero, and distinct where it can be: no constant row to divide by
            n = int(torch.Size(shape).numel())
            top = max(9, n)
            vals = rng.sample([float(v) for v in range(-top, top + 1) if v], n)
            out[name] = torch.tensor(vals, dtype=torch.float64).reshape(shape)
        elif example or kind == "int":  # "int": whole numbers in the trials too (thresholds, parity, signs)
            out[name] = int_tensor(rng, shape, -3, 5)
        else:
            out[name] = randn(rng, shape)
    return case.fix(out, rng) if case.fix else out


def _sizes(case: Case, rng: random.Random, low: int, high: int) -> dict[str, int]:
    """Distinct sizes for the free axes; ``case.sizes`` fixes an axis (an int) or ties it to another (a letter)."""
    free = [a for a in _axes(case) if a not in case.sizes]
    drawn = rng.sample(range(low, max(high, low + len(free) - 1) + 1), len(free))
    out = dict(zip(free, drawn)) | {a: b for a, b in case.sizes.items() if isinstance(b, int)}
    return out | {a: out[b] for a, b in case.sizes.items() if isinstance(b, str)}


def _make_case(case: Case, family: str, siblings: tuple[Case, ...], hints: tuple[str, ...]):
    names = [n for n, _, _ in case.inputs]
    # the family's other cases on this card's inputs (same names in the same roles): the example
    # must tell them apart from this one wherever they run on its shapes
    separate = [c.solutions[0] for c in siblings
                if c is not case and [n for n, _, _ in c.inputs] == names]

    def make(rng: random.Random, seed: int) -> Variant:
        small = _sizes(case, rng, 2, 2 + len(_axes(case)) - (len(_axes(case)) > 2))  # small enough to print

        def trial(r: random.Random) -> dict:
            for _ in range(20):
                sizes = _sizes(case, r, 2, 8)
                if sizes != small:
                    break
            return _draw(case, sizes, r, example=False)

        return task_variant(
            family=family, seed=seed, rng=rng, story=case.story,
            inputs=[TaskInput(n, case.words.get(n, "")) for n in names],
            example=lambda r: _draw(case, small, r, example=True), trial=trial,
            solutions=case.solutions, mistakes=case.mistakes, separate=separate,
            free="every axis" if not case.sizes else "the axes",
            hints=hints,
            params={"case": case.solutions[0]},
        )

    return make


def with_task(make: Callable[[random.Random, str, int], Variant], cases: tuple[Case, ...], *, family: str,
              hints: tuple[str, ...]) -> Callable[[random.Random, str, int], Variant]:
    """``make`` extended by the task form: the seed picks one of ``cases`` in shuffled blocks."""
    from exercises.mixed import pick

    makers = {str(k): _make_case(c, family, cases, hints) for k, c in enumerate(cases)}

    def make_with_task(rng: random.Random, form: str, seed: int) -> Variant:
        if form == "task":
            return makers[pick(list(makers), f"{family}/task", seed)](rng, seed)
        return make(rng, form, seed)

    return make_with_task
