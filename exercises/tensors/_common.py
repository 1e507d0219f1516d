"""The value form every tensors family shares: run a shown snippet on tiny tensors, type ``out``.

A family lists *structures*: the snippet's last line (an expression over the shown tensors) and
the classic misreadings of it, each also an expression (``x[idx]`` read as ``x[:, idx]``...).
:func:`value_variant` draws the tensors, runs the expression and every misreading with torch
(our own strings, never a learner's), and redraws until every misreading that runs gives
another answer at the card's precision, so no classic slip scores.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from exercises.base import Variant
from exercises.checking import ArrayCheck, NumberCheck, Precision, format_array, format_number
from exercises.redraw import redraw
from exercises.superposition._common import clean, literal, variant


@dataclass(frozen=True)
class Structure:
    """One snippet: ``expr`` over the drawn tensors, what it asks, and its misreadings
    ``(what the learner did, expression)``. ``draw(rng)`` returns the tensors by name (as
    nested lists of numbers; ``setup`` lines may derive more from them, e.g. a ``.log()``)."""

    expr: str
    draw: Callable[[random.Random], dict[str, Any]]
    mistakes: tuple[tuple[str, str], ...]
    setup: tuple[str, ...] = ()  # extra lines shown and run before ``out = expr``
    comment: str = ""


def _env(tensors: dict[str, Any]) -> dict[str, Any]:
    import torch

    env: dict[str, Any] = {"torch": torch}
    for k, v in tensors.items():
        env[k] = torch.tensor(v) if isinstance(v, list) else v
    return env


def run(expr: str, tensors: dict[str, Any], setup: Sequence[str] = ()) -> Any:
    """``expr`` evaluated after ``setup`` on fresh tensors (trusted: the family's own strings)."""
    env = _env(tensors)
    for line in setup:
        exec(line, env)  # noqa: S102 - the family's own constant snippet
    return eval(expr, env)  # noqa: S307 - the family's own constant expression


def _as_answer(t: Any) -> Any:
    import torch

    if isinstance(t, torch.Tensor):
        t = t.double() if t.dtype != torch.bool else t.long()
        return [clean(v, 6) for v in t.tolist()] if t.ndim == 1 else (
            [[clean(v, 6) for v in row] for row in t.tolist()] if t.ndim == 2 else clean(t.item(), 6))
    return clean(float(t), 6)


def _check(answer: Any, precision: Precision | None):
    if isinstance(answer, list):
        return ArrayCheck(answer, precision=precision)
    return NumberCheck(answer, precision=precision)


def _text(answer: Any, precision: Precision | None) -> str:
    return format_array(answer, precision) if isinstance(answer, list) else format_number(answer)


def _draw_once(s: Structure, rng: random.Random, precision: Precision | None):
    tensors = s.draw(rng)
    if tensors is None:
        return None
    try:
        answer = _as_answer(run(s.expr, tensors, s.setup))
    except Exception:  # noqa: BLE001 - a draw the snippet cannot run on: draw again
        return None
    if precision is None and not _integral(answer):
        return None
    if isinstance(answer, list) and len(set(_flat(answer))) == 1:
        return None  # a constant list is answered by a guess
    if any(_flat(answer) == [float(w) for w in _flat(v)] for v in tensors.values() if isinstance(v, list)):
        return None  # the answer is a tensor the card prints: copying it would score
    check = _check(answer, precision)
    mistaken = []
    for what, expr in s.mistakes:
        try:
            got = _as_answer(run(expr, tensors, s.setup))
        except Exception:  # noqa: BLE001 - a misreading that cannot run here is not one a learner makes
            continue
        got_text = _text(got, precision)
        if check.check(got_text).correct:
            return None
        mistaken.append((what, got_text))
    if not mistaken or check.check("0").correct:
        return None
    return tensors, answer, check, mistaken


def _flat(a: Any) -> list:
    return [w for v in a for w in _flat(v)] if isinstance(a, list) else [a]


def _integral(a: Any) -> bool:
    if isinstance(a, list):
        return all(_integral(v) for v in a)
    return float(a).is_integer()


def show(tensors: dict[str, Any], setup: Sequence[str], expr: str, comment: str = "") -> str:
    lines = [f"{k} = torch.tensor({literal(v) if not _ints(v) else _int_literal(v)})" for k, v in tensors.items()
             if isinstance(v, list)]
    lines += [f"{k} = {v!r}" for k, v in tensors.items() if not isinstance(v, list)]
    lines += list(setup)
    lines.append(f"out = {expr}" + (f"  # {comment}" if comment else ""))
    return "\n".join(lines)


def _ints(v: Any) -> bool:
    if isinstance(v, list):
        return all(_ints(x) for x in v)
    return isinstance(v, int) and not isinstance(v, bool)


def _int_literal(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_int_literal(x) for x in v) + "]"
    return str(v)


def value_variant(
    family: str, form: str, seed: int, rng: random.Random, structures: Sequence[Structure], *,
    ask: str, precision: Precision | None, hints: Sequence[str], explain: Callable[[Structure, Any], str],
) -> Variant:
    """The value variant of one of ``structures`` (drawn from ``rng``): the snippet, ``out`` asked
    with ``ask`` ("What is `out`?"), the answer computed by torch, every misreading rejected."""
    s = structures[rng.randrange(len(structures))]
    tensors, answer, check, mistaken = redraw(lambda: _draw_once(s, rng, precision), 400,
                                              family=family, form=form, seed=seed)
    code = show(tensors, s.setup, s.expr, s.comment)
    text = check.expected_text
    tail = f" Give {'each entry' if isinstance(answer, list) else 'it'} {precision.text}." if precision else ""
    return variant(
        family, form, seed,
        params={"tensors": tensors, "expr": s.expr, "setup": list(s.setup)},
        prompt=ask + tail,
        answer=answer,
        check=check,
        code=code,
        explanation=explain(s, answer) + f" `out` = {text}.",
        hints=tuple(hints),
        wrong=[r for _, r in mistaken] + ["0", "[0]"],
        mistakes=mistaken,
    )


def ints(rng: random.Random, n: int, lo: int = -5, hi: int = 9) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


def matrix(rng: random.Random, rows: int, cols: int, lo: int = -5, hi: int = 9) -> list[list[int]]:
    return [ints(rng, cols, lo, hi) for _ in range(rows)]


def generator(rng: random.Random):
    """A torch Generator seeded from the family's rng (grader cases are drawn from it)."""
    import torch

    return torch.Generator().manual_seed(rng.getrandbits(62))
