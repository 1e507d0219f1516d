"""The write form of the einsum families: the task form's problem, with the tool named.

Why it looks as it does (issue 18, item 3): a write card that prints a formula (``out[n] = M[n] @
v[n]``) over axes named on the card is answered by a learner who remembers three layouts, or the
layout of operands that look alike. So the write card states the same problem as the task form
(the Spec's story, the inputs, a worked example) and asks for the einsum string of a call whose
operand order is fixed: ``torch.einsum("…", A, x)``. Every axis of the example has the same size,
so no layout can be read off the shapes by matching sizes: the example's values fix which axis of
each input is which and how the result is laid out (they are redrawn until every other case of
the family, and every classic mistake, gives another result on them). The answer is judged by
running it on operands whose axes all have distinct sizes (:class:`~exercises.checking.EinsumCheck`),
so any letters work.

Only cases one einsum over the operands, in the call's order, can express are asked (a sum that
keeps its summed axes with size 1 is not one of them).
"""
from __future__ import annotations

import dataclasses
import random
import string
from typing import Any

from exercises.base import Variant
from exercises.checking import EinsumCheck, format_shape
from exercises.einsum import _common as C
from exercises.einsum._task import _shapes, _sizes, _words
from exercises.patterns import ELL
from exercises.task_form import int_tensor

EXAMPLE_SIZE = 2  # every axis of the worked example: its shapes tell no axis from another
VALUE_REDRAWS = 30  # draws of the example's values before the case is drawn again


#: the task stories say the example's *shapes* fix a layout (their sizes all differ); here the values do
_RESTATED = (("the example's shapes fix", "the example fixes"), ("The example's shapes fix", "The example fixes"), ("its shape below shows", "the example below shows"),
             ("the result's shape below lacks it", "the result below lacks it"),
             ("that shape shows", "the example shows"), ("the shapes allow", "the example allows"),
             ("where the shapes require it", "where the example requires it"),
             ("the shapes require it", "the example requires it"), ("the way its shape fits", "the way the example shows"))


def restate(story: str) -> str:
    """The task's story for an example whose axes all have one size."""
    for said, meant in _RESTATED:
        story = story.replace(said, meant)
    return story


def write_cases(spec: Any) -> tuple:
    """The cases the write form asks: the task form's, less those one einsum cannot express."""
    return tuple(c for c in (spec.task_cases or spec.cases) if not c.info.get("keepdim"))


def _others(spec: Any, d: Any) -> list[tuple[str, list[str]]]:
    """The family's other write cases as (expr, operand names in the call's order) on this card's
    roles: the example must tell each one that runs apart from the answer."""
    out = []
    for c in write_cases(spec):
        if c.expr == d.case.expr and tuple(c.order) == tuple(d.case.order):
            continue
        if not set(C.letters_of(c.expr)) <= set(d.letter):
            continue
        order = c.order or tuple(range(len(C.split(c.expr)[0])))
        if max(order) < len(d.roles) and len(order) == len(d.tensors):
            out.append((C.rename(c.expr, d.letter), [d.roles[r] for r in order]))
    return out


def _same_operation(other: tuple[str, list[str]], d: Any, shapes: dict[str, tuple[int, ...]]) -> bool:
    """Whether another case computes the answer's tensor on random operands whose axes all differ
    in size: the same operation with its operands passed in another order is no other answer."""
    import torch

    g = torch.Generator().manual_seed(0)
    ops = {t: torch.randn(s, generator=g, dtype=torch.float64) for t, s in shapes.items()}
    try:
        got = torch.einsum(other[0], *[ops[t] for t in other[1]])
    except Exception:  # does not run on these shapes: another operation
        return False
    return _same(got, torch.einsum(d.expr, *[ops[t] for t in d.tensors]))


def _same(a: Any, b: Any) -> bool:
    import torch

    return tuple(a.shape) == tuple(b.shape) and torch.allclose(a, b)


def einsum_write(spec: Any, d: Any, rng: random.Random, seed: int) -> Variant:
    """The write variant of the drawn case ``d`` (drawn with the task form's axis letters)."""
    import torch

    ins, out = C.split(d.expr)
    # the judged operands: every axis its own size, so a wrong pairing of axes cannot run or agree
    size, ell = _sizes(spec, d, rng, 2, 7)
    by_name = _shapes(d, size, ell)
    shapes = [by_name[t] for t in d.tensors]
    # the reasons name an axis by where it sits in the inputs, the learner's terms (no letters)
    where: dict[str, str] = {}
    for t, term in zip(d.tensors, ins):
        k = 0
        for a in term:
            for n in range(len(ell) if a == ELL else 1):
                where.setdefault(a if a != ELL else f"{ELL}{n}", f"axis {k} of {t}")
                k += 1
    judged = dataclasses.replace(
        d, name={a: where[a] for a in d.name}, size=size, ell_sizes=ell,
        ell_names=[where[f"{ELL}{n}"] for n in range(len(ell))], shapes=shapes)
    same_as = tuple(d.tensors.index(t) for t in d.tensors)  # W passed twice is one tensor
    axis_names = tuple(sorted({(size[a], where[a]) for a in size}
                              | {(s, where[f"{ELL}{n}"]) for n, s in enumerate(ell)}))
    check = EinsumCheck(d.expr, tuple(shapes), rng.getrandbits(31), axis_names,
                        same_as=same_as if len(set(d.tensors)) < len(d.tensors) else (),
                        operands=tuple(d.tensors))
    out_shape = C._out_shape(d.expr, shapes)
    mistakes = C._write_mistakes(check, judged, out_shape,
                                 [*((C._fill(w, judged), e) for w, e in d.mistakes),
                                  *C.generic_mistakes(d.expr, judged.axis, d.tensors)])

    # the worked example: every axis the same size; values on which every other case and every
    # listed mistake (that runs on them) gives another result than the answer
    example = _shapes(d, {a: EXAMPLE_SIZE for a in size}, [EXAMPLE_SIZE] * len(ell))
    apart = [x for x in _others(spec, d) if not _same_operation(x, d, by_name)]
    apart += [(e, list(d.tensors)) for _, e in mistakes]
    for _ in range(VALUE_REDRAWS):
        values = {t: int_tensor(rng, s) for t, s in example.items()}
        result = torch.einsum(d.expr, *[values[t] for t in d.tensors])
        clash = False
        for e, names in apart:
            try:
                other = torch.einsum(e, *[values[t] for t in names])
            except Exception:  # does not run on these shapes: told apart anyway
                continue
            if _same(other, result):
                clash = True
                break
        if not clash:
            break
    else:
        raise C._Inseparable()

    words = {}
    for t, term in zip(d.tensors, ins):
        words.setdefault(t, _words(d, term))
    lines = [f"- `{t}`: shape {format_shape(tuple(values[t].shape))}" + (f" ({w})" if w else "") for t, w in words.items()]
    call = f'torch.einsum("…", {", ".join(d.tensors)})'
    story = restate(C._fill(d.case.info.get("task", spec.task), d))
    prompt = (
        f"{story}\n\nInputs:\n" + "\n".join(lines) + "\n\n"
        f"Every axis of the example below has size {EXAMPLE_SIZE}, so its values, not its shapes, show which "
        f"axis is which and how the result is laid out. Complete `{call}` so that it computes the result; "
        f"it is run on inputs whose axes all have different sizes."
    )
    rows = [f"{t} = {C._literal(v.long().tolist(), len(t) + 3)}" for t, v in values.items()]  # integer entries
    rows.append(f"result = {C._literal(result.long().tolist(), 9)}")

    used = set(C.letters_of(d.expr))
    fresh = rng.sample([c for c in string.ascii_lowercase if c not in used], len(used))
    alternatives = [C.rename(d.expr, dict(zip(C.letters_of(d.expr), fresh))), C._call(d, d.expr)]
    lhs = d.expr.split("->")[0]
    expl = " ".join(x for x in (C._explain_expr(d), C._fill(d.case.note or spec.note, judged)) if x)
    params = C._params(spec, judged, out_shape=list(out_shape))
    params["example"] = {t: v.tolist() for t, v in values.items()}
    return Variant(
        family=f"einsum.{spec.name}", form="write", seed=seed, params=params,
        prompt=prompt, code="\n".join(rows), answer=d.expr, answer_text=d.expr, checker=check,
        explanation=expl,
        hints=(spec.concept,
               "Work out one entry of the result from the example: which input entries are multiplied, and "
               "which index runs over a sum?",
               f"The inputs' terms can be `{lhs}`; the example's values fix the result's letters."),
        distractors=tuple(t for _, t in mistakes), alternatives=tuple(alternatives), mistakes=mistakes,
    )

