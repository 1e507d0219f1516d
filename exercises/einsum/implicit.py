"""einsum.implicit: what an einsum string without ``->`` returns.

In implicit mode einsum keeps the letters that appear exactly once, sorted alphabetically, and
sums the rest: ``'ba'`` transposes, ``'kj,ji'`` is ``(A @ B).T``, ``'ii'`` is the trace and
``'bkj,bji'`` sums over the batch too. Each case's letters are drawn afresh but keep their
alphabetical order, so the rule decides the answer and never the letters' names. Three forms:
rewrite the call with an explicit ``->`` (judged by execution, any letters), the output shape,
and the values on tiny tensors. Every answer comes from running ``torch.einsum`` on the implicit
string; the classic misreadings (letters kept in order of appearance, the repeated letters
kept, a batch letter kept) are run on the variant and must all be rejected.
"""
from __future__ import annotations

import itertools
import math
import random
import string
from dataclasses import dataclass
from typing import Any

from exercises.base import Family, Variant, Verdict
from exercises.checking import (
    ArrayCheck,
    EinsumCheck,
    NumberCheck,
    Precision,
    ShapeCheck,
    distinct_sizes,
    format_array,
    format_number,
    format_shape,
    parse_call,
)
from exercises.redraw import redraw

ID = "einsum.implicit"
VALUES = range(-3, 4)
FULL_LIMIT = 9
REDRAWS = 80


@dataclass(frozen=True)
class _Case:
    """An implicit einsum in canonical letters; ``numpy`` is what it computes, on ``t0``, ``t1``."""

    implicit: str
    numpy: str
    what: str  # what the call computes, for the explanation
    tensors: tuple[str, ...] = ("A B", "X Y", "P Q")
    forms: tuple[str, ...] = ("write", "shape", "value")


# The write form draws its letters at random (see _letters), so the alphabetical order the rule
# gives is a random permutation of their order of appearance: no fixed reading of the string is
# the answer more often than chance. Most write cases keep three or more letters, where chance is
# at most 1 in 6.
_SV = ("shape", "value")
CASES = (
    # shape and value only: two kept letters have two orders, a coin flip for a write card
    _Case("ba", "t0.T", "the transpose of `{t0}`", ("x", "M", "W"), forms=_SV),
    _Case("kj,ji", "(t0 @ t1).T", "`({t0} @ {t1}).T`", forms=_SV),
    _Case("jk,ij", "t1 @ t0", "`{t1} @ {t0}`", forms=_SV),
    _Case("ii", "np.trace(t0)", "the trace of `{t0}`", ("x", "M", "S"), forms=_SV),
    _Case("bkj,bji", "np.sum(t0 @ t1, 0).T", "the sum over the batch of `({t0}[n] @ {t1}[n]).T`", forms=_SV),
    _Case("j,i", "np.multiply.outer(t1, t0)", "`torch.outer({t1}, {t0})`", ("u v", "a b", "p q"), forms=_SV),
    _Case("cab", "np.transpose(t0, (1, 2, 0))", "`{t0}.permute(1, 2, 0)`", ("x", "T", "t")),
    _Case("ikj", "np.swapaxes(t0, 1, 2)", "`{t0}.transpose(1, 2)`", ("x", "T", "t")),
    _Case("ij,k", "np.multiply.outer(t0, t1)", "the outer product of every entry of `{t0}` with `{t1}`",
          ("A v", "M u", "P q"), forms=("write",)),
    _Case("bij,jk", "t0 @ t1", "`{t0} @ {t1}` (a batch of matrices times one matrix)", forms=("write",)),
    _Case("ijk,kl", "t0 @ t1", "`{t0} @ {t1}`", ("T W", "X W", "A B"), forms=("write",)),
    _Case("dcba", "np.transpose(t0, (3, 2, 1, 0))", "`{t0}.permute(3, 2, 1, 0)`", ("x", "T", "t"),
          forms=("write",)),
    _Case("j,ik", "np.transpose(np.multiply.outer(t0, t1), (1, 0, 2))",
          "every entry of `{t0}` times every entry of `{t1}`", ("v A", "u M", "q P"), forms=("write",)),
    _Case("ij,kl", "np.multiply.outer(t0, t1)", "every entry of `{t0}` times every entry of `{t1}`",
          forms=("write",)),
    # shape and value only: their output order matches the order of appearance
    _Case("ij,ij", "np.sum(t0 * t1)", "the sum of `{t0} * {t1}`", forms=("shape", "value")),
    _Case("ij,j", "t0 @ t1", "`{t0} @ {t1}`", ("A x", "M v", "W h"), forms=("shape", "value")),
    _Case("bij,bjk", "np.sum(t0 @ t1, 0)", "the sum over the batch of `{t0}[n] @ {t1}[n]`",
          forms=("shape", "value")),
    _Case("ik,kj", "t0 @ t1", "`{t0} @ {t1}`", forms=("shape", "value")),
)

CONCEPT = ("Without `->`, einsum keeps the letters that appear exactly once, sorted alphabetically, "
           "and sums every letter that appears more than once.")


def implicit_output(implicit: str) -> str:
    """The output letters einsum's implicit mode gives: each letter used once, alphabetically."""
    letters = [c for c in implicit if c.isalpha()]
    return "".join(sorted(c for c in set(letters) if letters.count(c) == 1))


def explicit_of(implicit: str) -> str:
    return f"{implicit}->{implicit_output(implicit)}"


class _ExplicitCheck(EinsumCheck):
    """An einsum string computing the same tensor, written with an explicit ``->``."""

    def check(self, response: str) -> Verdict:
        pattern = parse_call(response).pattern
        if pattern.strip() and "->" not in pattern:
            return self.wrong("there is no `->`: the card asks for the output letters written out after `->`",
                              "implicit")
        return super().check(response)


# ----------------------------------------------------------------------------- drawing


def _pick_case(form: str, seed: int) -> _Case:
    """Each block of consecutive seeds holds every case of the form once, shuffled."""
    cases = [c for c in CASES if form in c.forms]
    block = list(range(len(cases)))
    random.Random(f"{ID}/{form}/block/{seed // len(cases)}").shuffle(block)
    return cases[block[seed % len(cases)]]


def _letters(rng: random.Random, canon: str, form: str) -> dict[str, str]:
    """Fresh letters for the case: in the same alphabetical order for shape and value (the rule
    gives the case's layout), in any order for write (the layout is the learner's to sort out)."""
    ordered = sorted({c for c in canon if c.isalpha()})
    fresh = rng.sample(string.ascii_lowercase, len(ordered))
    return dict(zip(ordered, fresh if form == "write" else sorted(fresh)))


def _numpy(case: _Case, mapping: dict[str, str]) -> str:
    """The case's numpy with the output axes in the order the drawn letters sort to."""
    canon_out = implicit_output(case.implicit)
    drawn_out = sorted(mapping[c] for c in canon_out)
    back = {v: k for k, v in mapping.items()}
    perm = tuple(canon_out.index(back[c]) for c in drawn_out)
    return case.numpy if perm == tuple(sorted(perm)) else f"np.transpose({case.numpy}, {perm})"


def _rename(expr: str, mapping: dict[str, str]) -> str:
    return "".join(mapping.get(c, c) for c in expr)


def _mistakes(implicit: str) -> list[tuple[str, str]]:
    """The classic misreadings of an implicit einsum, as explicit expressions."""
    terms = implicit.split(",")
    letters = [c for c in implicit if c.isalpha()]
    order = list(dict.fromkeys(letters))
    once = [c for c in order if letters.count(c) == 1]
    right = implicit_output(implicit)
    found = [
        ("output letters kept in their order of appearance, not sorted alphabetically", "".join(once)),
        ("output letters sorted backwards", right[::-1]),
        ("kept every letter: the repeated ones are summed", "".join(order)),
    ]
    shared = [c for c in order if all(c in t for t in terms)] if len(terms) > 1 else []
    for c in shared:
        found.append((f"kept the letter `{c}` every operand has (it appears twice, so it is summed)",
                      c + right))
    for c in order:
        if any(t.count(c) > 1 for t in terms):
            found.append((f"kept the diagonal of `{c}` instead of summing it", c + right))
    out, seen = [], {right}
    for what, o in found:
        if o not in seen:
            seen.add(o)
            out.append((what, f"{implicit}->{o}"))
    return out


@dataclass
class _Draw:
    case: _Case
    implicit: str
    explicit: str
    tensors: list[str]
    shapes: list[tuple[int, ...]]
    size: dict[str, int]
    numpy: str  # what it computes, on t0, t1 (the case's numpy with the drawn output order)


def _draw(case: _Case, rng: random.Random, form: str) -> _Draw:
    mapping = _letters(rng, case.implicit, form)
    implicit = _rename(case.implicit, mapping)
    letters = list(dict.fromkeys(c for c in implicit if c.isalpha()))
    if form == "value":  # a summed letter of size 2 keeps the arithmetic short
        size = {c: 2 if implicit.count(c) > 1 else rng.choice((2, 3)) for c in letters}
    else:
        low = 4 if form == "write" else 2
        size = dict(zip(letters, distinct_sizes(rng, len(letters), low, 9)))
    tensors = rng.choice(case.tensors).split()
    shapes = [tuple(size[c] for c in t) for t in implicit.split(",")]
    return _Draw(case, implicit, explicit_of(implicit), tensors, shapes, size, _numpy(case, mapping))


def _run(expr: str, operands: list) -> Any:
    import torch

    return torch.einsum(expr, *operands)


def _zeros(shapes) -> list:
    import torch

    return [torch.zeros(s, dtype=torch.float64) for s in shapes]


def _fill(text: str, d: _Draw) -> str:
    return text.format(**{f"t{i}": t for i, t in enumerate(d.tensors)})


def _call(d: _Draw, expr: str) -> str:
    return f'torch.einsum("{expr}", {", ".join(d.tensors)})'


def _explain(d: _Draw) -> str:
    letters = [c for c in d.implicit if c.isalpha()]
    order = list(dict.fromkeys(letters))
    once = [c for c in order if letters.count(c) == 1]
    many = [c for c in order if letters.count(c) > 1]
    out = implicit_output(d.implicit)
    parts = []
    if many:
        parts.append(f"In `{d.implicit}`, {', '.join(f'`{c}`' for c in many)} "
                     f"appear{'s' if len(many) == 1 else ''} more than once, so {'it is' if len(many) == 1 else 'they are'} summed")
    if once:
        parts.append(f"{', '.join(f'`{c}`' for c in once)} appear{'s' if len(once) == 1 else ''} once and, sorted "
                     f"alphabetically, give{'s' if len(once) == 1 else ''} the output `{out}`")
    else:
        parts.append("no letter appears once, so the result is a scalar")
    what = _fill(d.case.what, d)
    if d.numpy != d.case.numpy:  # the drawn letters sort into another order than the case's
        what += ", with its axes in the order of those sorted letters"
    return "; ".join(parts) + f": `{d.explicit}`, which is {what}."


def _params(d: _Draw, **extra: Any) -> dict[str, Any]:
    return {
        "expr": d.explicit,
        "implicit": d.implicit,
        "operands": [{"name": n, "shape": list(s)} for n, s in zip(d.tensors, d.shapes)],
        "axes": {c: {"name": c, "size": n} for c, n in d.size.items()},
        "batch_axes": [],
        "case": {"numpy": d.numpy, "roles": list(range(len(d.tensors)))},
        **extra,
    }


def _axes_text(d: _Draw, term: str) -> str:
    parts = [f"{c}={d.size[c]}" for c in term]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


# ----------------------------------------------------------------------------- forms


def _write(d: _Draw, rng: random.Random, seed: int) -> Variant:
    terms = d.implicit.split(",")
    described: dict[str, str] = {}
    for t, term in zip(d.tensors, terms):
        described.setdefault(t, f"`{t}` has shape {_axes_text(d, term)}")
    ops = list(described.values())
    ops_text = ops[0] if len(ops) == 1 else ", ".join(ops[:-1]) + " and " + ops[-1]
    prompt = (f"{ops_text}. Rewrite `{_call(d, d.implicit)}`, which has no `->`, as the same einsum with an "
              f"explicit `->` and the output letters written out.")
    out_shape = _agree(d)
    check = _ExplicitCheck(d.explicit, tuple(d.shapes), rng.getrandbits(31),
                           tuple(sorted((n, c) for c, n in d.size.items())), operands=tuple(d.tensors))
    mistakes = tuple((w, e) for w, e in _mistakes(d.implicit) if _runs(e, d.shapes) and not check.check(e).correct)
    used = sorted(d.size)
    fresh = rng.sample([c for c in string.ascii_lowercase if c not in used], len(used))
    renamed = _rename(d.explicit, dict(zip(used, fresh)))
    distractors = tuple(dict.fromkeys([e for _, e in mistakes] + [d.implicit]))
    once = [c for c in d.implicit if c.isalpha() and d.implicit.count(c) == 1]
    h2 = (f"Letters that appear exactly once: {', '.join(f'`{c}`' for c in dict.fromkeys(once))}." if once
          else "No letter appears exactly once.")
    return Variant(
        family=ID, form="write", seed=seed,
        params=_params(d, out_shape=list(out_shape)),
        prompt=prompt, answer=d.explicit, answer_text=d.explicit, checker=check,
        explanation=_explain(d),
        hints=(CONCEPT, h2, "Write those letters after `->` in alphabetical order, not in the order they appear."),
        distractors=tuple(x for x in distractors if not check.check(x).correct),
        alternatives=(renamed, _call(d, renamed)), mistakes=mistakes,
    )


def _agree(d: _Draw) -> tuple[int, ...]:
    """The output shape, after checking by execution that the explicit answer is what
    ``torch.einsum`` computes for the implicit string (so the answer never rests on the rule alone)."""
    import torch

    g = torch.Generator().manual_seed(0)
    ops = [torch.randn(s, generator=g, dtype=torch.float64) for s in d.shapes]
    implicit, explicit = _run(d.implicit, ops), _run(d.explicit, ops)
    if implicit.shape != explicit.shape or not torch.allclose(implicit, explicit):
        raise AssertionError(f"{ID}: `{d.explicit}` is not what torch computes for `{d.implicit}`")
    return tuple(explicit.shape)


def _runs(expr: str, shapes) -> bool:
    try:
        _run(expr, _zeros(shapes))
        return True
    except (RuntimeError, ValueError):  # a misreading einsum refuses is no answer a learner could get
        return False


def _shape(d: _Draw, rng: random.Random, seed: int) -> Variant:
    code = "\n".join([f"{t} = torch.randn({', '.join(map(str, s))})" for t, s in dict(zip(d.tensors, d.shapes)).items()]
                     + [f"out = {_call(d, d.implicit)}"])
    shape = tuple(_run(d.implicit, _zeros(d.shapes)).shape)
    check = ShapeCheck(shape)
    mistakes = []
    for what, e in _mistakes(d.implicit):
        if _runs(e, d.shapes):
            text = format_shape(tuple(_run(e, _zeros(d.shapes)).shape))
            if not check.check(text).correct and text not in [m for _, m in mistakes]:
                mistakes.append((what, text))
    extra = [format_shape(shape[::-1]), format_shape(d.shapes[0])]
    distractors = tuple(dict.fromkeys([m for _, m in mistakes] + [x for x in extra if not check.check(x).correct]))
    sizes = ", ".join(f"`{c}`={d.size[c]}" for c in dict.fromkeys(c for c in d.implicit if c.isalpha()))
    alternatives = (("x".join(map(str, shape)), f"torch.Size([{', '.join(map(str, shape))}])") if shape
                    else ("torch.Size([])", "scalar"))
    return Variant(
        family=ID, form="shape", seed=seed,
        params=_params(d, out_shape=list(shape)),
        prompt="What is `out.shape`?", code=code,
        answer=list(shape), answer_text=format_shape(shape), checker=check,
        explanation=_explain(d) + f" With {sizes}, `out.shape` is {format_shape(shape)}.",
        hints=(CONCEPT, f"Sizes: {sizes}.", f"The output letters, sorted: `{implicit_output(d.implicit) or '(none)'}`."),
        distractors=distractors or ("(1,)",), alternatives=alternatives, mistakes=tuple(mistakes),
    )


def _literal(values: Any, indent: int) -> str:
    if not isinstance(values, list):
        return str(values)
    if not values or not isinstance(values[0], list):
        return "[" + ", ".join(str(v) for v in values) + "]"
    sep = ",\n" + " " * (indent + 1)
    return "[" + sep.join(_literal(v, indent + 1) for v in values) + "]"


def _read(wrong, index: tuple[int, ...]):
    """A mistaken result read at the asked index, or None where it has no such entry."""
    if wrong.ndim != len(index) or any(i >= n for i, n in zip(index, wrong.shape)):
        return None
    return int(wrong[index])


def _value(d: _Draw, rng: random.Random, seed: int) -> Variant | None:
    import torch

    shape = tuple(_run(d.implicit, _zeros(d.shapes)).shape)
    mode = "scalar" if not shape else ("full" if len(shape) <= 2 and math.prod(shape) <= FULL_LIMIT else "entry")
    misreadings = [(w, e) for w, e in _mistakes(d.implicit) if _runs(e, d.shapes)]
    names = list(dict.fromkeys(d.tensors))
    shape_of = dict(zip(d.tensors, d.shapes))
    for _ in range(REDRAWS):
        values = {t: torch.tensor([rng.choice(VALUES) for _ in range(math.prod(shape_of[t]))], dtype=torch.long)
                  .reshape(shape_of[t]) for t in names}
        operands = [values[t] for t in d.tensors]
        out = _run(d.implicit, operands)
        wrongs = [(w, _run(e, operands)) for w, e in misreadings]
        if mode in ("full", "scalar"):
            if all(tuple(x.shape) != tuple(out.shape) or not torch.equal(x, out) for _, x in wrongs):
                index: tuple[int, ...] = ()
                break
            continue
        good = [ix for ix in itertools.product(*(range(n) for n in shape))
                if all((r := _read(x, ix)) is None or r != int(out[ix]) for _, x in wrongs)]
        if good:
            index = rng.choice(good)
            break
    else:
        return None
    if mode == "full":
        answer: Any = out.tolist()
        check: Any = ArrayCheck(answer)
        text = format_array(answer)
        listed = [(w, format_array(x.tolist()) if x.ndim else format_number(int(x))) for w, x in wrongs]
        example = "`[[a, b], [c, d]]` (one inner list per row)" if out.ndim == 2 else "`[a, b, c]`"
        prompt = f"What is `out`? Type it as a list like {example}."
        alternatives = (str([[float(v) for v in row] for row in answer]) if out.ndim == 2
                        else str([float(v) for v in answer]),)
        bumped = out.reshape(-1).clone()
        bumped[0] += 1
        extra = [format_array(bumped.reshape(out.shape).tolist())]
    else:
        answer = int(out[index]) if index else int(out)
        check = NumberCheck(float(answer), precision=Precision.exact())
        text = format_number(answer)
        if mode == "scalar":
            listed = [(w, format_array(x.tolist()) if x.ndim else format_number(int(x))) for w, x in wrongs]
            where = "`out`"
        else:
            listed = [(w, str(r)) for w, x in wrongs if (r := _read(x, index)) is not None]
            where = f"`out[{', '.join(map(str, index))}]`"
        prompt = f"What is {where}?"
        alternatives = (f"{answer}.0",)
        extra = [str(answer + 1), str(-answer)]
    mistakes = tuple(dict.fromkeys((w, r) for w, r in listed if not check.check(r).correct))
    if not mistakes:
        return None
    lines = [f"{t} = torch.tensor({_literal(v.tolist(), len(t) + 16)})" for t, v in values.items()]
    code = "\n".join(lines + [f"out = {_call(d, d.implicit)}"])
    distractors = tuple(x for x in dict.fromkeys([r for _, r in mistakes] + extra) if not check.check(x).correct)
    return Variant(
        family=ID, form="value", seed=seed,
        params=_params(d, values=[v.tolist() for v in operands], mode=mode,
                       index=list(index) if mode == "entry" else None, out_shape=list(shape)),
        prompt=prompt, code=code, answer=answer, answer_text=text, checker=check,
        explanation=_explain(d) + f" Here it gives {text}.",
        hints=(CONCEPT, f"Written out: `{d.explicit}`.", f"That is {_fill(d.case.what, d)}."),
        distractors=distractors, alternatives=alternatives, mistakes=mistakes,
    )


_FORMS = {"write": _write, "shape": _shape, "value": _value}


def make(rng: random.Random, form: str, seed: int) -> Variant:
    case = _pick_case(form, seed)
    return redraw(lambda: _FORMS[form](_draw(case, rng, form), rng, seed), 20, family=ID, form=form, seed=seed,
                  why="separates every misreading from the answer")


FAMILY = Family(
    id="einsum.implicit",
    title="Implicit einsum (no ->)",
    forms=("write", "shape", "value"),
    difficulty=2,
    summary="No `->`: the letters used once are kept, sorted alphabetically; the others are summed ('ba' transposes).",
    make=make,
)
