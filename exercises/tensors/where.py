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
from exercises.tensors._task import Case, with_task

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


# ------------------------------------------------------------------ the task form

_X = "`x` is a table of whole numbers."
_XY = "`x` and `y` are tables of whole numbers of the same shape."
_ZERO = "torch.zeros_like(x)"


def _every_kind(env: dict, rng: random.Random) -> dict:
    """Every draw (example and trials) holds a negative, a zero, a small and a large positive entry, so no
    condition is vacuous: a sign without -1, a clamp that clips nothing, a count of no zeros."""
    x = env["x"].clone()
    flat = x.view(-1)
    for pos, value in zip(rng.sample(range(flat.numel()), 4), (rng.choice((-3, -2)), 0, 1, rng.choice((3, 4, 5)))):
        flat[pos] = value
    return {**env, "x": x}


def _both_ways(env: dict, rng: random.Random) -> dict:
    """``y`` positive somewhere and not elsewhere, and ``x`` equal to ``y`` somewhere and not elsewhere."""
    x, y = env["x"].clone(), env["y"].clone()
    fx, fy = x.view(-1), y.view(-1)
    a, b, c, d = rng.sample(range(fx.numel()), 4)
    fy[a], fy[b] = rng.choice((1, 2, 4)), rng.choice((-2, 0))
    fx[c], fx[d] = fy[c], fy[d] + 1
    return {**env, "x": x, "y": y}


def _one(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "int"),), solutions, mistakes, fix=_every_kind)


def _two(story: str, solutions: tuple[str, ...], mistakes: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(story, (("x", "rc", "int"), ("y", "rc", "int")), solutions, mistakes, fix=_both_ways)


TASK_CASES = (
    _one(f"{_X} Every negative entry replaced by 0, the others kept.",
         ("x.clamp(min=0)", "torch.where(x > 0, x, 0)", "torch.relu(x)"),
         (("replaced the positive ones", "x.clamp(max=0)"),)),
    _one(f"{_X} Every entry above 2 replaced by 2, the others kept.",
         ("x.clamp(max=2)", "torch.where(x > 2, 2, x)", "torch.minimum(x, torch.ones_like(x) * 2)"),
         (("replaced the entries below 2", "x.clamp(min=2)"),)),
    _one(f"{_X} Every entry between -1 and 1 (both included) replaced by 0, the others kept.",
         (f"torch.where(x.abs().le(1), {_ZERO}, x)", "x * torch.gt(x.abs(), 1)", "torch.where(x.abs() <= 1, 0, x)"),
         (("kept only those entries", f"torch.where(x.abs().le(1), x, {_ZERO})"),
          ("left out the ends (-1 and 1)", f"torch.where(x.abs().lt(1), {_ZERO}, x)"))),
    _one(f"{_X} 1 where the entry is positive, -1 where it is negative, 0 where it is 0.",
         ("x.sign()", "torch.sign(x)", "torch.where(x > 0, 1.0, torch.where(x < 0, -1.0, 0.0))"),
         (("gave 0 a 1", "torch.where(x.ge(0), torch.ones_like(x), -torch.ones_like(x))"),
          ("left the negatives at 0", "x.gt(0).double()"))),
    _one(f"{_X} Every even entry doubled, every odd entry kept.",
         ("x * (2 - x % 2)", "torch.where(x % 2 == 0, 2 * x, x)", "x + x * (1 - x % 2)"),
         (("doubled the odd ones", "x * (1 + x % 2)"),)),
    _one(f"{_X} For each row, how many of its entries are positive.",
         ("x.gt(0).sum(1)", "torch.gt(x, 0).sum(1)", "(x > 0).sum(1)"),
         (("counted down the columns", "x.gt(0).sum(0)"), ("counted 0 as positive", "x.ge(0).sum(1)"))),
    _one(f"{_X} For each column, the total of its positive entries.",
         ("x.clamp(min=0).sum(0)", "torch.where(x > 0, x, 0).sum(0)", "torch.relu(x).sum(0)"),
         (("took every entry", "x.sum(0)"), ("counted them instead", "x.gt(0).sum(0)"))),
    _one(f"{_X} For each row, how many of its entries are 0.",
         ("x.eq(0).sum(1)", "torch.eq(x, 0).sum(-1)", "(x == 0).sum(1)"),
         (("counted the non-zero ones", "x.ne(0).sum(1)"),)),
    _one(f"{_X} For each row, the fraction of its entries that are above the row's average.",
         ("x.gt(x.mean(1, keepdim=True)).double().mean(1)", "torch.gt(x, x.mean(-1)[:, None]).sum(1) / x.shape[1]",
          "(x > x.mean(1, keepdim=True)).float().mean(1)"),
         (("compared with the column's average", "x.gt(x.mean(0)).double().mean(1)"),)),
    _two(f"{_XY} Take the entry of `x` where `y` is positive, and the entry of `y` elsewhere.",
         ("torch.where(y.gt(0), x, y)", "x * y.gt(0) + y * torch.le(y, 0)", "torch.where(y > 0, x, y)"),
         (("tested `x` instead", "torch.where(x.gt(0), x, y)"),)),
    _two(f"{_XY} Entry by entry, the larger of the two.",
         ("torch.maximum(x, y)", "torch.where(x > y, x, y)", "torch.max(x, y)"),
         (("took the smaller", "torch.minimum(x, y)"),)),
    _two(f"{_XY} Keep the entry of `x` where `x` and `y` have the same sign (both positive or both negative); "
         "0 elsewhere.",
         (f"torch.where((x * y).gt(0), x, {_ZERO})", "x * torch.gt(x * y, 0)", "torch.where(x * y > 0, x, 0)"),
         (("kept `y`'s entries", f"torch.where((x * y).gt(0), y, {_ZERO})"),)),
    _two(f"{_XY} Where the two entries are equal, 0; elsewhere the entry of `x`.",
         (f"torch.where(x.eq(y), {_ZERO}, x)", "x * torch.ne(x, y)", "torch.where(x == y, 0, x)"),
         (("kept the equal ones instead", f"torch.where(x.eq(y), x, {_ZERO})"),)),
)

TASK_HINTS = ("Decide for each entry on its own: which condition, and what goes where it holds and where it does not?",
              "Match each axis of the result to an input axis by its size in the example.")


FAMILY = Family(
    id=ID,
    title="torch.where",
    make=with_task(make, TASK_CASES, family=ID, hints=TASK_HINTS),
    forms=("value", "task"),
    difficulty=1,
    summary="Run torch.where with comparisons, &, | and % by hand; write clamp as a tensor puzzle.",
    code_spec=CODE,
)
