"""One more stranger for task cards (issue 18): a learner who recognises a card by its inputs.

The solvers of :mod:`exercises.task_solvers` remember other seeds' answers by how often they
occur. This learner remembers them by what the card looks like: it answers with the most frequent
answer among the other seeds whose inputs are printed alike (the same ranks and the same axes in
words, e.g. ``(example × channel × row × column)``) and whose result has the same rank, its input
names mapped by position onto this card's, and its keyword sizes (``b=3``) replaced by the result's
sizes that no input has, in order — the copies, heads or blocks it can read off the example. A
family whose answer follows from its input layout alone (one answer per layout) is answered by it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from exercises.mixed import answer_structure
from exercises.task_solvers import rename

_INPUT = re.compile(r"^- `(\w+)`: shape \(([^)]*)\)( \(([^)]*)\))?", re.M)
_RESULT = re.compile(r"the result has shape \(([^)]*)\)")


def _sizes(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def look(v) -> tuple:
    """What the learner recognises a card by: each input's rank and axes in words, the result's rank."""
    ins = tuple((len(_sizes(shape)), words or "") for _, shape, _, words in _INPUT.findall(v.prompt))
    result = _RESULT.search(v.prompt)
    return ins, len(_sizes(result.group(1))) if result else -1


def _new_sizes(v) -> list[int]:
    """The result's sizes that no input has, in order (what a keyword length would be read from)."""
    have = {s for _, shape, _, _ in _INPUT.findall(v.prompt) for s in _sizes(shape)}
    result = _RESULT.search(v.prompt)
    return [s for s in _sizes(result.group(1)) if s not in have] if result else []


def lookup_answer(v, others: Sequence) -> str | None:
    """The learner's one answer to ``v`` from the other seeds' variants, or None where none looks alike."""
    key = look(v)
    alike = [o for o in others if look(o) == key]
    if not alike:
        return None
    counts = Counter(answer_structure(o) for o in alike)
    top = counts.most_common(1)[0][0]
    o = next(o for o in alike if answer_structure(o) == top)
    names = [n for n, *_ in _INPUT.findall(v.prompt)]
    mine = [n for n, *_ in _INPUT.findall(o.prompt)]
    return rename(o.answer, dict(zip(mine, names)), _new_sizes(v))


def lookup_rate(variants: Sequence) -> float:
    """The share of ``variants`` the learner answers, each from all the others."""
    solved = 0
    for k, v in enumerate(variants):
        r = lookup_answer(v, [*variants[:k], *variants[k + 1:]])
        try:
            solved += bool(r) and bool(v.check(r).correct)
        except Exception:  # noqa: BLE001 -- a refused expression is a wrong one
            pass
    return solved / len(variants)


if __name__ == "__main__":  # the figures over the einops task families: python tests/task_lookup.py [seeds]
    import sys

    import lazy_solvers

    from exercises.registry import all_families

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    for fam in all_families("einops"):
        if "task" in fam.forms and not fam.id.endswith(".mixed"):
            print(f"{fam.id:28s} {100 * lookup_rate(lazy_solvers.variants(fam.id, 'task', n)):4.0f}%", flush=True)
