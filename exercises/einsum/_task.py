"""The task form of the einsum families: the Spec's ``task`` sentence, the operands' shapes and a
worked example; any expression computing the case's einsum is right (see :mod:`exercises.task_form`)."""
from __future__ import annotations

import random
import re

from typing import Any, Callable

from exercises.base import Variant
from exercises.patterns import ELL
from exercises.patterns import einsum_terms as split
from exercises.task_form import TaskInput, int_tensor, randn, task_variant, torch_from_numpy

# ``Spec`` and ``_Draw`` are exercises.einsum._common's; its maker passes them in (with the two
# helpers this module needs), so the two modules do not import each other.


def letters_of(expr: str) -> list[str]:
    return list(dict.fromkeys(c for c in expr if c.isalpha()))

_WORD = re.compile(r"[A-Za-z_]\w+\Z")  # an axis name that is a word, not a letter


def _sizes(spec: Any, d: Any, rng: random.Random, low: int, high: int) -> tuple[dict[str, int], list[int]]:
    """Distinct sizes for the variant's letters (equal where the Spec ties two) and its ``...`` axes."""
    canon = letters_of(d.case.expr)
    independent = [d.letter[c] for c in canon if c not in spec.same_size]
    n = len(independent) + len(d.ell_names)
    drawn = rng.sample(range(low, max(high, low + n - 1) + 1), n)
    size = dict(zip(independent, drawn))
    for c, target in spec.same_size.items():
        if c in canon:
            size[d.letter[c]] = size[d.letter[target]]
    return size, drawn[len(independent):]


def _shapes(d: Any, size: dict[str, int], ell: list[int]) -> dict[str, tuple[int, ...]]:
    ins, _ = split(d.expr)
    return {t: tuple(x for a in term for x in (ell if a == ELL else [size[a]])) for t, term in zip(d.tensors, ins)}


def _words(d: Any, term: list[str]) -> str:
    """What the operand's axes are ("batch × query × d_head"), or "" where an axis is only a letter."""
    words = []
    for a in term:
        names = d.ell_names if a == ELL else [d.name[a]]
        if not all(_WORD.match(n) for n in names):
            return ""
        words += names
    return " × ".join(words)


def _einops_call(d: Any) -> str:
    """The case as ``einops.einsum`` with the axes named by their words (letters where two share one)."""
    ins, out = split(d.expr)
    label = {a: d.name[a] for a in d.name}
    if len(set(label.values())) < len(label) or not all(re.match(r"[A-Za-z_]\w*\Z", v) for v in label.values()):
        label = {a: a for a in d.name}

    def side(term: list[str]) -> str:
        return " ".join("..." if a == ELL else label[a] for a in term)

    pattern = ", ".join(side(t) for t in ins) + " -> " + side(out)
    return f"einops.einsum({', '.join(d.tensors)}, {pattern!r})"


def _kept(d: Any) -> tuple[str, str]:
    """A one-operand sum that keeps its summed axes with size 1: the index putting them back into
    the einsum's result (``:, None, :``) and the einops reduction (``i j k -> i 1 k``)."""
    (term,), out = split(d.expr)
    index = ", ".join(":" if a in out else "None" for a in term)
    return index, " ".join(term) + " -> " + " ".join(a if a in out else "1" for a in term)


def siblings(spec: Any, d: Any) -> list[str]:
    """The family's other task cases as calls on this card's operands (roles as each case passes
    them): the worked example must tell every one that runs on these shapes apart from the answer."""
    from exercises.patterns import rename as rename_pattern

    out = []
    for c in spec.task_cases or spec.cases:
        if c is d.case or len(set(c.order or range(len(split(c.expr)[0])))) != len(set(d.order)):
            continue
        if not set(letters_of(c.expr)) <= set(d.letter):
            continue
        expr = rename_pattern(c.expr, d.letter, letters=True)
        order = c.order or tuple(range(len(split(c.expr)[0])))
        if max(order) < len(d.roles):
            out.append(f'torch.einsum("{expr}", {", ".join(d.roles[r] for r in order)})')
    return out


def einsum_task(spec: Any, d: Any, rng: random.Random, seed: int, fill: Callable[[str, Any], str],
                generic_mistakes: Callable[..., list[tuple[str, str]]]) -> Variant:
    """The task variant of the drawn case ``d``; ``fill`` and ``generic_mistakes`` are _common's."""
    ins, _ = split(d.expr)
    words = {}
    for t, term in zip(d.tensors, ins):
        words.setdefault(t, _words(d, term))
    inputs = [TaskInput(t, w) for t, w in words.items()]

    def example(r: random.Random) -> dict:
        size, ell = example_sizes
        return {t: int_tensor(r, s) for t, s in _shapes(d, size, ell).items()}

    def trial(r: random.Random) -> dict:
        for _ in range(20):  # other sizes than the card's
            size, ell = _sizes(spec, d, r, 2, 7)
            if (size, ell) != example_sizes:
                break
        return {t: randn(r, s) for t, s in _shapes(d, size, ell).items()}

    example_sizes = _sizes(spec, d, rng, 2, 2)
    call = f'torch.einsum("{d.expr}", {", ".join(d.tensors)})'
    plain = torch_from_numpy(d.case.numpy, {f"t{i}": n for i, n in enumerate(d.roles)})
    mistakes = [(fill(w, d), e) for w, e in d.mistakes] + generic_mistakes(d.expr, d.axis, d.tensors)
    mistake_calls = [(what, f'torch.einsum("{e}", {", ".join(d.tensors)})') for what, e in mistakes]
    if d.case.info.get("keepdim"):  # the summed axes stay, with size 1
        index, reduced = _kept(d)
        mistake_calls.insert(0, ("dropped the summed axes instead of keeping each with size 1", call))
        call = f"{call}[{index}]"
        solutions = [call, f"einops.reduce({d.tensors[0]}, {reduced!r}, 'sum')"]
    else:
        solutions = [call, _einops_call(d)]
    solutions += [plain] if plain else []
    free = "every axis" if not spec.same_size else "the axes"
    return task_variant(
        family=f"einsum.{spec.name}", seed=seed, rng=rng, story=fill(d.case.info.get("task", spec.task), d),
        inputs=inputs, example=example, trial=trial, solutions=solutions, mistakes=mistake_calls, free=free,
        separate=siblings(spec, d),
        hints=("Which input axes are multiplied together and summed away, and which survive into the result?",
               "Match each axis of the result to an input axis by its size in the example."),
        params={"expr": d.expr, "operands": list(d.tensors)},
    )
