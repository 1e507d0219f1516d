"""The offline Socratic question after a wrong answer, aimed at the mistake the checker recognised.

The checker's :attr:`~exercises.base.Verdict.diagnosis` key picks a question template; the
template is filled with names from the variant (operand names, the axis the learner put in the
wrong place, the precision asked). A template whose names cannot be filled gives way to the
next one for that key, then to a response that matches one of the variant's listed
``mistakes``, then to the family's hint tier. A question never states the answer.
"""
from __future__ import annotations

import string
from typing import Any

#: diagnosis key -> question templates, most specific first; ``{name}`` fields come from :func:`context`.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "axis_order": (
        "Your result puts `{axis}` (an axis of `{axis_from}`) at position {pos} (counting from 0). In the operation, "
        "which axis of the result comes from `{axis_from}`, and where does it sit?",
        "Which axis of the result comes from `{first}`, and which from `{second}`: in what order does "
        "the operation list them?",
        "Your result puts `{axis}` at position {pos} (counting from 0): in the layout asked for, which axis "
        "comes there?",
        "The axes are right but not their order: which axis does the result list first, and why?",
    ),
    "transposed": (
        "Does the first axis of the result come from `{first}` or from `{second}`?",
        "Which axis indexes the rows of the result, and which the columns?",
    ),
    "sums_kept_axis": (
        "Your answer sums over `{summed}`. Does the operation add along `{summed}`, or keep one entry per "
        "`{summed}` index?",
        "Which axes survive into the result, and which does the operation add over?",
    ),
    "keeps_summed_axis": (
        "Your result still has `{kept}`. Along which axis does the operation add, so that it disappears?",
        "Which axis does the operation contract (add over), so that it is not in the result?",
    ),
    "summed_wrong_axis": (
        "You sum over `{summed}` and keep `{kept}`. Which axis do the operands share for the sum, "
        "and which one belongs to the result?",
        "Which axis does the operation add over, and which does it keep?",
    ),
    "wrong_shape": (
        "How many axes does the result have, and which input axis gives each of them?",
    ),
    "rank": (
        "How many axes does the result have? Which input axes survive and which are summed away?",
    ),
    "wrong_size": (
        "Which input axis does dimension {pos} of the result (counting from 0) come from, and how long is it?",
    ),
    "misplaced_elements": (
        "Right shape and the right numbers in the wrong places: in a merged axis like `(a b)`, which of "
        "the two varies fastest? Which axes must move next to each other before they merge?",
    ),
    "reshape_without_permute": (
        "A reshape only regroups neighbouring memory: which axes must be moved next to each other "
        "before they can be merged or split?",
    ),
    "group_order": (
        "In a merged axis like `(a b)`, which of the two axes varies fastest as you walk along it? "
        "Which should vary fastest here?",
    ),
    "tile_for_interleave": (
        "Does the operation repeat each element in place (like `repeat_interleave`), or the whole block "
        "(like `torch.tile`)? Which axis varies fastest along the new axis?",
    ),
    "interleave_for_tile": (
        "Does the operation repeat the whole block (like `torch.tile`), or each element in place "
        "(like `repeat_interleave`)? Which one varies fastest along the new axis?",
    ),
    "missing_relu": ("Where does the ReLU act, and what does it do to a negative pre-activation?",),
    "missing_bias": ("Which term is added after the matrix product, before the nonlinearity?",),
    "bias_after_relu": ("Does the bias enter before the ReLU clips negatives, or after? What does adding it "
                        "afterwards do to an entry the ReLU set to 0?",),
    "mixed_instances": ("Each instance is its own model: which axis must the two operands share entry by entry "
                        "instead of summing it on its own?",),
    "sign": ("Check the sign: which term of the computation is negative, and does it win?",),
    "rounding": (
        "Round {precision}: which digit decides whether the last one you keep goes up or stays?",
    ),
    "missing": ("Go through every {noun} once more: which one did you leave out, and why is it there?",),
    "extra": ("Is every {noun} you listed really there? Which one would you drop, and why?",),
    "missing_and_extra": ("Check each {noun} you listed against the picture or the model: which are really there?",),
    "operand_count": (
        "The operation takes {operands}: how many comma-separated terms does the expression need before `->`?",
        "How many tensors does the operation take, and so how many comma-separated terms before `->`?",
    ),
    "wrong_operands": (
        "Which tensors does the operation take ({operands}), and in which order are they passed?",
        "Which tensors does the operation take, and in which order are they passed?",
    ),
    "invalid": (
        "Does every letter after `->` appear in an input, and does each operand's term have one letter per axis?",
    ),
    "wrong_reduction": ("Which reduction does the operation ask for: sum, mean, max or min?",),
}

_NEUTRAL = {"", "wrong_values"}  # keys that say nothing beyond "wrong"


def question(variant: Any, response: str, verdict: Any) -> str | None:
    """The question aimed at ``verdict.diagnosis`` (or at a listed mistake the response matches),
    filled with the variant's names; None when there is nothing specific to ask."""
    key = getattr(verdict, "diagnosis", "") or ""
    ctx = context(variant, response)
    for template in QUESTIONS.get(key, ()):
        text = _fill(template, ctx)
        if text is not None:
            return text
    mistake = matching_mistake(variant, response)
    if mistake:
        return (f"Your answer is what this mistake gives: {mistake.rstrip('.')}. "
                "Which step of the operation does it get wrong?")
    return None


def matching_mistake(variant: Any, response: str) -> str | None:
    """The description of the variant's listed mistake whose response the learner typed, if any."""
    import dataclasses
    import warnings

    checker = getattr(variant, "checker", None)
    typed = " ".join(response.split()).lower()
    for what, wrong in getattr(variant, "mistakes", ()) or ():
        if " ".join(str(wrong).split()).lower() == typed:
            return what
        try:  # the same mistake written another way: judge the response against the mistake's
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                if hasattr(checker, "reference"):  # a pattern: run both
                    other = dataclasses.replace(checker, reference=str(wrong))
                else:
                    other = dataclasses.replace(checker, expected=_expected_of(checker, str(wrong)))
            if other.check(response).correct:
                return what
        except Exception:  # not comparable this way (no dataclass, an unreadable mistake): skip
            continue
    return None


def _expected_of(checker: Any, text: str) -> Any:
    """``text`` parsed the way ``checker`` reads responses, as its ``expected`` field."""
    from exercises import checking as c

    if isinstance(checker, c.NumberCheck):
        return c.parse_number(text)
    if isinstance(checker, c.ArrayCheck):
        return c.parse_array(text)
    if isinstance(checker, c.ShapeCheck):
        return c.parse_shape(text)
    if isinstance(checker, c.SetCheck):
        return c.parse_int_set(text)
    if isinstance(checker, c.PairsCheck):
        return c.parse_pairs(text, checker.disjoint)
    raise TypeError(type(checker).__name__)


def _fill(template: str, ctx: dict[str, str]) -> str | None:
    names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    if any(not ctx.get(n) for n in names):
        return None
    return template.format(**ctx)


def context(variant: Any, response: str) -> dict[str, str]:
    """Names for the templates: operands (``first``, ``second``, ``operands``), the ``precision``
    asked, the ``noun`` of a set, and for a pattern answer the axis the learner misplaced
    (``axis``, ``axis_from``, ``pos``) or summed/kept wrongly (``summed``, ``kept``)."""
    checker = getattr(variant, "checker", None)
    ctx: dict[str, str] = {}
    ops = tuple(getattr(checker, "operands", ()) or ())
    if ops:
        ctx["operands"] = ", ".join(f"`{o}`" for o in ops)
        if len(set(ops)) >= 2:
            ctx["first"], ctx["second"] = ops[0], next(o for o in ops if o != ops[0])
    precision = getattr(checker, "precision", None)
    if precision is not None:
        ctx["precision"] = precision.text
    ctx["noun"] = getattr(checker, "noun", "") or "entry"
    try:
        ctx.update(_axes_context(checker, response))
    except Exception:  # names are a nicety: a template without them is used instead
        pass
    return ctx


def _axes_context(checker: Any, response: str) -> dict[str, str]:
    """Run the response once more to name the axes it got wrong (axes are told apart by size)."""
    from exercises.checking import EinopsCheck, EinsumCheck, ShapeCheck, parse_call, parse_shape

    names = dict(getattr(checker, "axis_names", ()) or ())
    shapes = tuple(getattr(checker, "shapes", ()) or ())
    if isinstance(checker, EinsumCheck):
        import torch

        from exercises.checking import random_inputs

        call = parse_call(response)
        ops = random_inputs(shapes, checker.seed)
        got = tuple(torch.einsum(call.pattern.replace(" ", ""), *ops).shape)
        want = tuple(torch.einsum(checker.reference, *ops).shape)
    elif isinstance(checker, EinopsCheck):
        call = parse_call(response)
        named = {n for n in call.pattern.replace("(", " ").replace(")", " ").split()}
        lengths = {**{k: v for k, v in checker.axes_lengths if k in named}, **call.axes_lengths}
        got = tuple(checker.run(call.pattern, call.reduction, lengths).shape)
        want = tuple(checker.run(checker.reference).shape)
    elif isinstance(checker, ShapeCheck):
        got, want = parse_shape(response), tuple(checker.expected)
        names = {}
    else:
        return {}
    ctx: dict[str, str] = {}
    pos = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    if pos is not None:
        ctx["pos"] = str(pos)  # 0-based, as tensor users count; the templates say so
        if got[pos] in names:
            ctx["axis"] = names[got[pos]]
            owners = [getattr(checker, "operands", ())[j] for j, s in enumerate(shapes)
                      if got[pos] in s and j < len(getattr(checker, "operands", ()) or ())]
            if len(set(owners)) == 1:
                ctx["axis_from"] = owners[0]
    summed = [names[d] for d in sorted(set(want) - set(got)) if d in names]
    kept = [names[d] for d in sorted(set(got) - set(want)) if d in names]
    if summed:
        ctx["summed"] = ", ".join(summed)
    if kept:
        ctx["kept"] = ", ".join(kept)
    return ctx
