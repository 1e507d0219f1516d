"""The ``fix`` form, built once for every family: retype a marked expression with its bug fixed.

A family lists its classic mistakes as expressions (:class:`Bug`); :func:`fix_variant` draws one,
shows it in a short snippet on the line marked :data:`MARK` and asks for that expression,
corrected. The answer is judged by :class:`~exercises.checking.ExpressionCheck`: it runs on fresh
seeded inputs and must compute what the reference computes, so any right spelling (einops or
permute + reshape) scores and the shown line, retyped, does not. Neither the marker nor anything
else on the card says what is wrong: spotting it is the skill.

``with_fix(make, fix)`` adds the form to a family without touching its other forms (their variants
and note GUIDs stay). :func:`einops_fix` is the ready-made ``fix`` of an einops family.
"""
from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from exercises.base import Variant
from exercises.checking import ExpressionCheck, split_assignment

FORM = "fix"
#: The comment on the asked line. It marks the line and says nothing about what is wrong.
MARK = "# <- fix this line"


@dataclass(frozen=True)
class Bug:
    """A classic mistake as the expression it produces, in the snippet's names.

    ``name`` says what the mistake is; it is never shown on the card, only in
    :attr:`Variant.mistakes` and in the verdict once a response computes the same thing.
    ``diagnosis`` is the shared :attr:`Verdict.diagnosis` key (``"reshape_without_permute"``...).
    """

    name: str
    expr: str
    diagnosis: str = ""


#: Hints for a family that gives fewer than two; they point at the method, never at the bug.
_GENERIC_HINTS = (
    "Say in words what each axis (or entry) of the result must hold, then what the marked line gives.",
    "Try the marked line on a tiny input in your head (or on paper): where does one entry end up?",
)


def fix_variant(
    family: str,
    seed: int,
    rng: random.Random,
    *,
    what: str,
    setup: Sequence[str],
    target: str,
    reference: str,
    bugs: Sequence[Bug],
    inputs: Callable[[random.Random], dict[str, Any]],
    after: Sequence[str] = (),
    alternatives: Sequence[str] = (),
    explanation: str = "",
    hints: Sequence[str] = (),
    params: dict[str, Any] | None = None,
    trials: int = 3,
    blind_edits: Sequence[Callable[[str], str]] = (),
) -> Variant:
    """The fix variant: one of ``bugs`` (drawn from ``rng``) on the marked line of the snippet.

    ``what`` states the operation (the goal, never the bug); ``setup`` are the lines above the
    marked one (assignments run like the response, so it may use their names; comments, imports
    and the inputs' own definitions only show); ``after`` only shows. Raises AssertionError when the
    reference does not run, an alternative is rejected or a bug is accepted, so a family with a
    broken list fails when it is built, not in front of a learner.

    ``blind_edits`` are edits a learner could apply without understanding the line (reverse every
    group of a pattern, ...): a bug that one of them fixes is shown only when every bug is such.
    """
    if len(bugs) < 2:
        raise AssertionError(f"{family}: a fix form needs at least two classic mistakes, got {len(bugs)}")
    check = ExpressionCheck(
        reference=reference,
        inputs=inputs,
        setup=tuple(setup),
        mistakes=tuple((b.name, b.expr, b.diagnosis) for b in bugs),
        target=target,
        seed=rng.randrange(2**31),
        trials=trials,
    )
    hard = [b for b in bugs if not any(check.verify(edit(b.expr)).correct for edit in blind_edits)]
    pool = hard or list(bugs)
    shown = pool[rng.randrange(len(pool))]
    check = dataclasses.replace(check, shown=shown.expr)
    for text in (reference, *alternatives):
        v = check.verify(text)
        if not v.correct:
            raise AssertionError(f"{family}/fix/{seed}: {text!r} is not accepted: {v.reason}")
    for b in bugs:
        v = check.verify(b.expr)
        if v.correct or v.unreadable:
            raise AssertionError(f"{family}/fix/{seed}: the mistake {b.name!r} ({b.expr}) is not rejected: {v.reason}")
    code = "\n".join([*setup, f"{target} = {shown.expr}  {MARK}", *after])
    given = set(inputs(random.Random(0)))
    lazy = [shown.expr] + [p[1] for p in map(split_assignment, setup) if p is not None and not set(p[0]) <= given]
    hints = tuple(hints) + _GENERIC_HINTS[len(tuple(hints)):]
    return Variant(
        family=family,
        form=FORM,
        seed=seed,
        params={**(params or {}), "shown": shown.expr, "bug": shown.name, "target": target},
        prompt=f"{what} Type the expression the line marked `{MARK}` should assign to `{target}`.",
        code=code,
        answer=reference,
        answer_text=reference,
        checker=check,
        explanation=f"The marked line makes a classic mistake: {shown.name}. A right version is `{reference}`."
        + (f" {explanation}" if explanation else ""),
        hints=hints,
        distractors=tuple(dict.fromkeys(e for e in lazy if not check.verify(e).correct)),
        alternatives=tuple(alternatives),
        mistakes=tuple((b.name, b.expr) for b in bugs if b is not shown),
    )


def with_fix(make: Callable[[random.Random, str, int], Variant],
             fix: Callable[[random.Random, int], Variant]) -> Callable[[random.Random, str, int], Variant]:
    """``make`` with the fix form added: ``"fix"`` goes to ``fix(rng, seed)``, every other form to
    ``make`` unchanged (so existing variants and note GUIDs stay as they were)."""

    def make_with_fix(rng: random.Random, form: str, seed: int) -> Variant:
        return fix(rng, seed) if form == FORM else make(rng, form, seed)

    make_with_fix.__module__ = getattr(make, "__module__", __name__)
    return make_with_fix


# ------------------------------------------------------------------------- einops families


def einops_fix(problem: Callable[[random.Random, str], Any]) -> Callable[[random.Random, int], Variant]:
    """The ``fix(rng, seed)`` of an einops family whose module defines ``problem(rng, form)``.

    The snippet is the family's one-operand einops call with one classic mistake in it: a wrong
    pattern from the Problem's slips, a plain ``reshape`` to the result's shape where axes must
    move, or (for a pure reorder) ``permute`` with the inverse permutation or a ``transpose`` of the
    wrong pair. Which axis lengths the call passes varies (``h=`` or ``d=`` both split ``(h d)``), as
    in real code. The sizes are the problem's own (distinct per axis); every trial draws fresh values.
    """
    from exercises.einops._common import (
        _in_desc,
        execute,
        rename,
        rename_map,
        shape_text,
        unique_slips,
    )

    fid = problem.__module__.removeprefix("exercises.")

    def fix(rng: random.Random, seed: int) -> Variant:
        import torch

        for _ in range(50):
            p = problem(rng, FORM)
            if p.op not in ("rearrange", "reduce", "repeat") or len(p.operands) != 1:
                raise AssertionError(f"{fid}: einops_fix handles one-operand rearrange/reduce/repeat")
            x = p.operands[0]
            passed = rng.choice(_length_choices(p))
            lengths = "".join(f", {n}={p.sizes[n]}" for n in passed)
            red = f", {p.reduction!r}" if p.op == "reduce" else ""

            def call(pattern: str, p=p, x=x, red=red, lengths=lengths) -> str:
                return f"einops.{p.op}({x.name}, {pattern!r}{red}{lengths})"

            out_shape = tuple(execute(p, [torch.zeros(x.shape)]).shape)
            bugs = [Bug(s.what, call(s.pattern), _diagnosis(s.what)) for s in unique_slips(p.mistakes) if s.pattern]
            if p.op == "rearrange" and len(out_shape) > 1:
                bugs.append(Bug("a plain reshape where the axes must move (reshape without permute)",
                                f"{x.name}.reshape{shape_text(out_shape)}", "reshape_without_permute"))
                bugs += _permute_bugs(p.pattern, x.name)
            bugs = _distinct_bugs(bugs, call(p.pattern), x.name, tuple(x.shape))
            if len(bugs) < 2:
                continue

            def inputs(r: random.Random, shape=tuple(x.shape), name=x.name) -> dict[str, Any]:
                g = torch.Generator().manual_seed(r.getrandbits(62))
                return {name: torch.randn(shape, generator=g, dtype=torch.float64)}

            renamed = rename(p.pattern, rename_map(p, keep=passed))
            # hints that name the lengths the problem passes would contradict a call passing others
            unpassed = [n for n in p.lengths if n not in passed]
            hints = [h for h in p.write_hints if not any(f"{n}=" in h for n in unpassed)]
            return fix_variant(
                fid, seed, rng,
                what=f"{p.what} {_in_desc(p)}",
                # no layout comment: it would print the left side of the fixed pattern (issue 18)
                setup=["import einops, torch", f"{x.name} = torch.randn{shape_text(x.shape)}"],
                target=p.result,
                reference=call(p.pattern),
                bugs=bugs,
                inputs=inputs,
                alternatives=(call(renamed),) if renamed != p.pattern else (),
                explanation=p.explanation,
                hints=(p.idea, *hints),
                blind_edits=(reverse_groups,),
                params={"pattern": p.pattern, "sizes": dict(p.sizes), "shape": list(x.shape), "lengths": list(passed)},
            )
        raise AssertionError(f"{fid}/fix/{seed}: no draw has two distinct classic mistakes")

    return fix


def reverse_groups(expr: str) -> str:
    """``expr`` with the axes of every parenthesized group of its patterns reversed: ``(d h)`` -> ``(h d)``.
    The blind fix of a learner who knows only that group order is a classic mistake."""
    return re.sub(r"\(([^(),']*)\)", lambda m: "(" + " ".join(m.group(1).split()[::-1]) + ")", expr)


def _length_choices(p: Any) -> list[tuple[str, ...]]:
    """The sets of axis lengths a rearrange may pass: all but one axis of every group on the left
    (``(h p1) (w p2)``: p1 and p2, h and w, h and p2, or p1 and w). Other ops pass the problem's own."""
    import itertools

    from exercises.einops._common import groups

    lhs = p.pattern.split("->")[0]
    grouped = [[n for n in g if not n.isdigit()] for g in groups(lhs) if len(g) > 1]
    if p.op != "rearrange" or not grouped or not set(p.lengths) <= {n for g in grouped for n in g}:
        return [tuple(p.lengths)]
    combos = itertools.product(*[[tuple(n for n in g if n != left) for left in g] for g in grouped])
    return [tuple(n for part in combo for n in part) for combo in combos]


def _permute_bugs(pattern: str, name: str) -> list[Bug]:
    """For a pure reorder (``b c h w -> b h w c``): ``permute`` given the inverse permutation, one
    ``transpose`` where more axes must move, and for a swap the wrong pair swapped (counted from the
    other end, or its neighbour)."""
    lhs, rhs = (side.split() for side in pattern.split("->"))
    if "(" in pattern or sorted(lhs) != sorted(rhs) or lhs == rhs:
        return []
    n = len(lhs)
    perm = [lhs.index(a) for a in rhs]
    inverse = [perm.index(i) for i in range(n)]
    moved = [i for i, j in enumerate(perm) if i != j]
    bugs = [Bug("the permutation read backwards (permute given the inverse permutation)",
                f"{name}.permute{tuple(inverse)}", "axis_order")]
    if len(moved) > 2:
        bugs.append(Bug("one transpose of two axes where more axes must move",
                        f"{name}.transpose({moved[0]}, {moved[-1]})", "axis_order"))
    else:
        i, j = moved
        a, b = n - 1 - j, n - 1 - i  # the pair counted from the other end...
        if (a, b) == (i, j):
            a, b = (i - 1, j - 1) if i > 0 else (i + 1, j + 1)  # ...or, when that is the same pair, its neighbour
        if 0 <= a and b < n:
            bugs.append(Bug("the wrong pair of axes swapped", f"{name}.transpose({a}, {b})", "axis_order"))
    return bugs


def _diagnosis(what: str) -> str:
    """The shared diagnosis key of an einops slip, from its description."""
    w = what.lower()
    if "interleav" in w or "wrong order" in w or "strided" in w:
        return "group_order"
    if "reshape" in w:
        return "reshape_without_permute"
    return "axis_order"


def _distinct_bugs(bugs: list[Bug], reference: str, name: str, shape: tuple[int, ...]) -> list[Bug]:
    """The bugs that run and differ from the reference and from each other (the first name kept)."""
    import torch

    from exercises.checking import (
        ExpressionFailed,
        ExpressionRefused,
        evaluate_expression,
    )

    g = torch.Generator().manual_seed(0)
    env = {name: torch.randn(shape, generator=g, dtype=torch.float64)}
    results = [evaluate_expression(reference, env)]
    out = []
    for b in bugs:
        try:
            r = evaluate_expression(b.expr, env)
        except (ExpressionFailed, ExpressionRefused):
            continue
        if any(r.shape == o.shape and torch.allclose(r, o) for o in results):
            continue
        results.append(r)
        out.append(b)
    return out
