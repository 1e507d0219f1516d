"""``torch.where``: choosing entry by entry between two tensors (or a tensor and a number).

The value form runs ``torch.where(cond, a, b)`` with conditions built from comparisons, ``&``,
``|`` and ``%`` on a tiny integer vector; the misreadings (branches swapped, the boundary
entry put on the wrong side, ``&`` read as ``|``) run too and must give other answers. The code
exercise is ``clamp`` as a tensor puzzle: two nested ``where``s.
"""
from __future__ import annotations

import random

from exercises.base import CodeSpec, Family, Mistake, Variant
from exercises.tensors._common import Structure, generator, ints, value_variant

ID = "tensors.where"


def _vec(rng):
    n = rng.randint(4, 6)
    x = ints(rng, n, -5, 6)
    t = rng.choice(x)  # a threshold that is one of the entries: the boundary matters
    return {"x": x, "t": t}


def _two(rng):
    n = rng.randint(4, 6)
    x = ints(rng, n, -4, 6)
    y = [v if rng.random() < 0.3 else rng.randint(-4, 6) for v in x]  # some ties
    return {"x": x, "y": y}


def _band(rng):
    n = rng.randint(4, 6)
    x = ints(rng, n, -5, 6)
    lo, hi = sorted(rng.sample(range(-3, 5), 2))
    return {"x": x, "lo": lo, "hi": hi}


STRUCTURES = (
    Structure("torch.where(x > t, x, 0)", _vec, (("swapped the branches", "torch.where(x > t, 0, x)"),
                                                  ("kept the boundary entry (>=)", "torch.where(x >= t, x, 0)"))),
    Structure("torch.where(x >= t, x - t, t - x)", _vec, (("swapped the branches", "torch.where(x >= t, t - x, x - t)"),
                                                          ("kept x unchanged", "torch.where(x >= t, x, t - x)"))),
    Structure("torch.where(x < t, t, x)", _vec, (("swapped the branches", "torch.where(x < t, x, t)"),
                                                  ("zeroed instead", "torch.where(x < t, 0, x)"))),
    Structure("torch.where(x % 2 == 0, x // 2, -x)", _vec,
              (("swapped the branches", "torch.where(x % 2 == 0, -x, x // 2)"),
               ("tested the sign, not evenness", "torch.where(x > 0, x // 2, -x)"))),
    Structure("torch.where(x > y, x, y)", _two, (("took the smaller", "torch.where(x > y, y, x)"),
                                                  ("took x everywhere", "x"))),
    Structure("torch.where(x >= y, x - y, 0)", _two, (("swapped the branches", "torch.where(x >= y, 0, x - y)"),
                                                       ("subtracted the other way", "torch.where(x >= y, y - x, 0)"))),
    Structure("torch.where((x > lo) & (x < hi), x, 0)", _band,
              (("read & as |", "torch.where((x > lo) | (x < hi), x, 0)"),
               ("included the bounds", "torch.where((x >= lo) & (x <= hi), x, 0)"),
               ("swapped the branches", "torch.where((x > lo) & (x < hi), 0, x)"))),
    Structure("torch.where((x < lo) | (x > hi), -1, 1)", _band,
              (("read | as &", "torch.where((x < lo) & (x > hi), -1, 1)"),
               ("swapped the branches", "torch.where((x < lo) | (x > hi), 1, -1)"),
               ("included the bounds", "torch.where((x <= lo) | (x >= hi), -1, 1)"))),
)


def make(rng: random.Random, form: str, seed: int) -> Variant:
    return value_variant(
        ID, form, seed, rng, STRUCTURES,
        ask="What is `out`? Give it as a list.",
        precision=None,
        hints=(
            "torch.where(cond, a, b) takes a where cond is True and b where it is False, entry by entry.",
            "Work the condition out entry by entry first (watch entries equal to the threshold), then pick.",
        ),
        explain=lambda s, a: f"`{s.expr}`: evaluate the condition for each entry, then take the first branch where it holds.",
    )


# ------------------------------------------------------------------ the code exercise


def reference(x, lo, hi):
    import torch

    return torch.clamp(x, lo, hi)


def only_lower(x, lo, hi):
    import torch

    return torch.where(x < lo, lo, x)


def only_upper(x, lo, hi):
    import torch

    return torch.where(x > hi, hi, x)


def zeroed(x, lo, hi):
    import torch

    return torch.where((x >= lo) & (x <= hi), x, torch.zeros_like(x))


def bounds_swapped(x, lo, hi):
    import torch

    return torch.where(x < lo, hi, torch.where(x > hi, lo, x))


def make_inputs(rng: random.Random, case: int) -> dict:
    import torch

    g = generator(rng)
    n = rng.randint(1, 12)
    x = torch.randn(n, generator=g) * 2
    if case % 3 == 0:
        x = torch.randn(rng.randint(1, 4), rng.randint(1, 4), generator=g) * 2
    lo = round(rng.uniform(-2, 0.5), 2)
    hi = round(lo + rng.uniform(0.2, 2.5), 2)
    x.view(-1)[0] = lo - 1.0  # at least one entry below and one above
    x.view(-1)[-1] = hi + 1.0 if x.numel() > 1 else x.view(-1)[-1]
    return {"x": x, "lo": lo, "hi": hi}


CODE = CodeSpec(
    function="clamp",
    signature="def clamp(x: torch.Tensor, lo: float, hi: float) -> torch.Tensor:",
    doc=(
        "x with every entry below lo raised to lo and every entry above hi lowered to hi (lo < hi).\n"
        "Same shape as x. A tensor puzzle: torch.where and comparisons, no torch.clamp."
    ),
    reference=reference,
    make_inputs=make_inputs,
    mistakes=(
        Mistake("only_lower", only_lower, "Entries above hi must come down to hi too: nest a second torch.where."),
        Mistake("only_upper", only_upper, "Entries below lo must go up to lo too: nest a second torch.where."),
        Mistake("zeroed", zeroed, "Out-of-range entries become the nearest bound, not 0."),
        Mistake("bounds_swapped", bounds_swapped, "An entry below lo becomes lo (and one above hi becomes hi), not the other bound."),
    ),
    rules=("puzzle", "no_loops"),
    n_cases=20,
)


FAMILY = Family(
    id=ID,
    title="torch.where",
    make=make,
    forms=("value",),
    difficulty=1,
    summary="Run torch.where with comparisons, &, | and % by hand; write clamp as a tensor puzzle.",
    code_spec=CODE,
)
