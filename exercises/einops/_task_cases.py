"""Task problems of the einops families drawn from tables of cases written over axis roles.

The task form (:mod:`exercises.einops._task`) must vary its answer's structure: a family whose
task cards share a few answers is answered by anyone who remembers the other seeds' answers
(issue 18, :mod:`exercises.task_solvers`). A family therefore lists its task cases — input
layouts, which axes are pooled, merged, split or copied, the factors, the reduction — as patterns
over axis *roles* (``"batch channel (height 2) (width 2) -> batch channel height width"``) with
the problem sentence of each; :func:`task_case` turns one into a :class:`Problem` with drawn axis
names, the classic mistakes of its kind (every merged or split group reversed: strided pooling,
tiling for upsampling, interleaved heads; the inverse permutation) and the sentence in
``Problem.task``. The write, shape and value forms keep drawing their own problems.
"""
from __future__ import annotations

import random
import re
from typing import Sequence

from exercises.checking import distinct_sizes
from exercises.einops._common import (Problem, operand, pick_names, reversed_group_slips, swapped_axes_slips,
                                      wrong_pattern)

_ROLE = re.compile(r"[A-Za-z_]\w*")


def task_case(rng: random.Random, op: str, pattern: str, story: str, *, tensors: Sequence[str] = ("x",),
              reduction: str | None = None, lengths: dict[str, int] | None = None,
              wrong: Sequence[tuple[str, str]] = (), operands: Sequence[str] = ()) -> Problem:
    """The Problem of one case: ``pattern`` over roles (keys of ``_common.NAMES``), one input named
    from ``tensors`` (or, for an einsum, inputs named ``operands``); ``lengths`` gives the
    keyword-length roles (a new axis of a repeat, a split passed by keyword) their sizes; ``wrong``
    adds (what, pattern over roles) classic mistakes."""
    roles = list(dict.fromkeys(_ROLE.findall(pattern)))
    names = dict(zip(roles, pick_names(rng, *roles, avoid=story)))

    def sub(text: str) -> str:
        return _ROLE.sub(lambda m: names[m.group(0)], text)

    pat = sub(pattern)
    lhs, rhs = (s.strip() for s in pat.split("->"))
    sizes = dict(zip(names.values(), distinct_sizes(rng, len(names))))
    sizes.update({names[r]: n for r, n in (lengths or {}).items()})
    mistakes = [wrong_pattern(what, sub(w)) for what, w in wrong]
    if op == "einsum":
        mistakes += swapped_axes_slips(pat)
    else:
        mistakes += reversed_group_slips(pat)
    if op == "rearrange" and "(" not in pat:  # a permutation read backwards
        src, dst = lhs.split(), rhs.split()
        inverse = [src[dst.index(n)] for n in src]
        if inverse != dst:
            mistakes.append(wrong_pattern("the permutation read backwards (the inverse permutation)",
                                          f"{lhs} -> {' '.join(inverse)}"))
    names_in = list(operands) or [rng.choice(list(tensors))]
    layouts = [t.strip() for t in lhs.split(",")]
    return Problem(op=op, pattern=pat, operands=[operand(n, t, sizes) for n, t in zip(names_in, layouts)], sizes=sizes,
                   roles={n: r for r, n in names.items()}, what="", idea="", write_hints=[], explanation="",
                   wrong=[], reduction=reduction, lengths=tuple(names[r] for r in (lengths or {})),
                   mistakes=mistakes, task=story)


def draw(rng: random.Random, cases: Sequence[tuple]) -> tuple:
    """One case of a table whose last field is its weight."""
    return rng.choices(cases, weights=[c[-1] for c in cases])[0]


def draw_balanced(cases: Sequence, key: str, seed: int):
    """The case of ``seed``: each block of ``len(cases)`` consecutive seeds draws every case once, in
    a shuffled order (as the mixed notes draw families), so no case — and no answer — dominates the
    family's seeds, and inputs that look alike lead to every answer their table lists."""
    from exercises.mixed import pick

    return cases[pick(list(range(len(cases))), key, seed)]
