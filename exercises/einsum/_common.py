"""The maker behind every einsum family: a family is data, this module draws its variants.

A family module lists :class:`Case` s — operations stated the way a learner meets them
(``A @ B``, ``torch.diagonal(x, dim1=0, dim2=2)``, ``out[n] = a[n] @ b[n].T``) with the einsum
that computes them in canonical letters — and declares ``FAMILY = Family(..., make=einsum_maker(SPEC))``.
Every answer (output shape, values) comes from running ``torch.einsum`` on operands of the
variant's shapes.

Why the write form looks as it does: it states the operation and the operands' shapes, never the
result's axes or shape, so the learner decides what is summed, what is kept and in which order.
The cases are chosen so that copying the printed axis names, matching sizes, or writing the
unshared axes in order of appearance is not the answer; they are drawn in balanced blocks of
seeds so no answer dominates. The value form lists the classic mistakes of reading an einsum
(transposed output, wrong summed axis, a forgotten sum, a transposed operand...), runs them on
the variant and redraws the numbers and the asked entry until the checker rejects every one.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import random
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from exercises.base import Variant
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
)
from exercises.patterns import ELL, and_list, einsum_terms, parse
from exercises.patterns import rename as rename_pattern

VALUES = range(-3, 4)  # entries of the value form's tiny tensors
FULL_LIMIT = 9  # the value form asks for the whole result up to this many entries (and 2-D)
WRITE_SIZES = (4, 9)  # write forms: no size below 4, so none can be read off `dim=(-3, -1)`
REDRAWS = 60  # value form: attempts at numbers on which every mistake is rejected...
SIZE_REDRAWS = 20  # ...before the sizes are drawn again


class _Inseparable(Exception):
    """No numbers drawn on these sizes make every listed mistake give a wrong answer."""


@dataclass(frozen=True)
class Case:
    """One operation a family asks about.

    ``expr`` is the einsum in canonical letters, operands in the order the call passes them.
    ``task`` says what is computed, in the learner's terms; ``{t0}``, ``{t1}``... are the
    operands' names by *role* (``{t0} @ {t1}``) and ``{<letter>}`` an axis name. ``order`` gives,
    for each position of the call, the role passed there: ``(1, 0)`` computes ``{t0} @ {t1}``
    with the call ``torch.einsum(..., t1, t0)``. ``numpy`` is the same operation in numpy
    (roles as ``t0``...), kept in params so tests can recompute the answer without einsum.
    ``mistakes`` are (what, wrong expression) pairs besides the generic ones; ``why`` is the
    layout rule the card relies on (a hint and part of the explanation).
    """

    expr: str
    task: str
    numpy: str
    order: tuple[int, ...] = ()
    tensors: tuple[str, ...] = ()  # role names to draw from, overriding the family's
    mistakes: tuple[tuple[str, str], ...] = ()
    why: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # overrides the family's note for this case


@dataclass(frozen=True)
class Spec:
    """What one einsum family module declares for :func:`einsum_maker`."""

    name: str
    cases: tuple[Case, ...]
    axes: dict[str, str]  # canonical letter -> "letter:name letter:name ..." to draw from
    tensors: tuple[str, ...]  # role names to draw from, space separated: ("A B", "X Y")
    concept: str  # the first hint: the idea, never the answer
    note: str = ""  # an optional sentence for the explanation (same placeholders as a task)
    permute_write: bool = True  # the write form reorders the result (off where it is symmetric: W W^T)
    same_size: dict[str, str] = field(default_factory=dict)  # letter -> letter of equal size
    value_sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # default (2, 3)
    batch_names: tuple[str, ...] = ("batch", "sample", "pos")  # names for the axes of "..."
    #: the task form's problem statement, in the learner's terms, never the tool ({t0}... name the
    #: operands by role); a family without one has no task form
    task: str = ""
    #: the task form's own cases, where it asks more layouts than the other forms (a case's
    #: ``info["task"]`` overrides the story ``task``); empty: the task form draws ``cases``
    task_cases: tuple[Case, ...] = ()
    #: the task form's axis names, where they differ from ``axes`` (letters, not words: an input
    #: printed with its axes in words, "batch × row × col", would give its layout away)
    task_axes: dict[str, str] = field(default_factory=dict)


def product_cases(left: dict[str, str], right: dict[str, str], results: tuple[str, str]) -> tuple[Case, ...]:
    """A batched product's task cases: every stored layout of the left factor (its letters -> numpy
    bringing role ``t0`` to [..., rows, shared]) with every one of the right factor (``t1`` to
    [..., shared, cols]), the product laid out as ``results[0]`` or, its last two axes swapped, as
    ``results[1]``; so every input layout is asked with both result layouts."""
    out = []
    for a, a_np in left.items():
        for b, b_np in right.items():
            for res in results:
                prod = f"{a_np} @ {b_np}"
                out.append(Case(f"{a},{b}->{res}", "", prod if res == results[0] else f"np.swapaxes({prod}, -1, -2)"))
    return tuple(out)


def _shape_is_shown(expr: str) -> bool:
    """The result has exactly an operand's axes in its order (``ij,ij->ij``): its shape would be
    printed in the shape card's own code, so that case is not asked as a shape."""
    ins, out = split(expr)
    return any(term == out for term in ins)


# ----------------------------------------------------------------------------- expressions


def split(expr: str) -> tuple[list[list[str]], list[str]]:
    """``"ik,kj->ij"`` -> ``([["i","k"], ["k","j"]], ["i","j"])``, by the one pattern engine."""
    return einsum_terms(expr)


def join(ins: list[list[str]], out: list[str]) -> str:
    return ",".join("".join(t) for t in ins) + "->" + "".join(out)


def letters_of(expr: str) -> list[str]:
    """Distinct letters in order of first appearance."""
    return list(dict.fromkeys(c for c in expr if c.isalpha()))


def rename(expr: str, mapping: dict[str, str]) -> str:
    return rename_pattern(expr, mapping, letters=True)


def summed_letters(expr: str) -> list[str]:
    return parse("einsum", expr, "torch").removed()


def explicit(expr: str, ell: str) -> str:
    """``expr`` with ``...`` spelled as the letters ``ell`` (one per batch axis)."""
    return expr.replace(ELL, ell)


def generic_mistakes(expr: str, name: Callable[[str], str], operands: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The classic mistakes of reading (or writing) ``expr``, as (what, wrong expression).

    Transposed output, a forgotten sum, an extra sum, the wrong axis summed, an operand read
    transposed, and all entries read instead of a diagonal. ``name(letter)`` names an axis,
    ``operands`` the operands in the call's order.
    """
    ins, out = split(expr)
    summed = summed_letters(expr)
    spare = next(c for c in reversed(string.ascii_lowercase) if c not in expr)
    found: list[tuple[str, str]] = []
    if len(out) >= 2:
        found.append(("transposed output: the last two output axes swapped", join(ins, out[:-2] + out[:-3:-1])))
        if len(out) >= 3:
            found.append(("the output's axes in reverse order", join(ins, out[::-1])))
    for s in summed:
        found.append((f"forgot to sum over {name(s)}", join(ins, out + [s])))
    for o in out:
        if o != ELL:
            found.append((f"summed over {name(o)} too", join(ins, [c for c in out if c != o])))
            for s in summed:
                found.append((f"summed over {name(o)} instead of {name(s)}", join(ins, [s if c == o else c for c in out])))
    for k, term in enumerate(ins):
        if len(term) >= 2 and term[-1] != term[-2] and ELL not in term[-2:]:
            swapped = ins[:k] + [term[:-2] + [term[-1], term[-2]]] + ins[k + 1:]
            who = f"`{operands[k]}`" if k < len(operands) else f"operand {k + 1}"
            found.append((f"read {who} transposed (its last two axes swapped)", join(swapped, out)))
        for c in dict.fromkeys(term):
            if c != ELL and term.count(c) > 1:
                last = len(term) - 1 - term[::-1].index(c)
                widened = ins[:k] + [term[:last] + [spare] + term[last + 1:]] + ins[k + 1:]
                found.append((f"read every entry instead of the diagonal of {name(c)}", join(widened, out)))
    seen = {expr.replace(" ", "")}
    unique = []
    for what, e in found:
        if e not in seen:
            seen.add(e)
            unique.append((what, e))
    return unique


# ----------------------------------------------------------------------------- drawing


@dataclass
class _Draw:
    """Everything drawn for one variant (letters, names, sizes, operands)."""

    case: Case
    expr: str  # in the variant's letters
    mistakes: list[tuple[str, str]]  # the case's own, in the variant's letters
    letter: dict[str, str]  # canonical -> variant letter
    name: dict[str, str]  # variant letter -> axis name
    size: dict[str, int]  # variant letter -> size
    ell_names: list[str]
    ell_sizes: list[int]
    roles: list[str]  # operand names by role (t0, t1, ...)
    tensors: list[str]  # operand names in the call's order
    order: list[int]  # the role at each position of the call
    shapes: list[tuple[int, ...]]  # in the call's order

    @property
    def ell(self) -> str:
        """Spare letters standing for the axes of ``...`` (value and shape mistakes)."""
        free = [c for c in reversed(string.ascii_lowercase) if c not in self.expr and c not in
                "".join(e for _, e in self.mistakes)]
        return "".join(free[1: 1 + len(self.ell_names)])  # free[0] is generic_mistakes' spare

    def axis(self, letter: str) -> str:
        if letter in self.name:
            return self.name[letter]
        if letter in self.ell:
            return self.ell_names[self.ell.index(letter)]
        return letter


def _draw(spec: Spec, case: Case, rng: random.Random, form: str) -> _Draw:
    canon = letters_of(case.expr)
    letter: dict[str, str] = {}
    name: dict[str, str] = {}
    axes = (spec.task_axes or spec.axes) if form == "task" or (form == "write" and spec.task) else spec.axes
    for c in canon:
        options = [tuple(o.split(":", 1)) for o in axes[c].split()]
        alias = spec.same_size.get(c)
        free = [
            (l, n)
            for l, n in options
            if l not in letter.values() and (alias is not None or n not in name.values())
        ]
        if not free:
            raise ValueError(f"einsum.{spec.name}: no free letter for axis {c!r}")
        letter[c], name_ = rng.choice(free)
        name[letter[c]] = name_
    spare = [l for l in string.ascii_lowercase if l not in letter.values()]
    for c in letters_of(",".join(e for _, e in case.mistakes)):
        if c not in letter:  # a letter only a mistake uses
            options = [o.split(":", 1)[0] for o in axes.get(c, "").split()]
            pick = next((l for l in options if l in spare), spare[0])
            letter[c] = pick
            spare.remove(pick)

    n_ell = (1 if form == "value" else rng.choice((1, 2))) if ELL in case.expr else 0
    ell_names = rng.sample([n for n in spec.batch_names if n not in name.values()], n_ell)
    independent = [letter[c] for c in canon if c not in spec.same_size]
    if form == "value":
        size = {letter[c]: rng.choice(spec.value_sizes.get(c, (2, 3))) for c in canon}
        ell_sizes = [2] * n_ell
    else:
        low, high = WRITE_SIZES if form == "write" else (2, 9)
        drawn = distinct_sizes(rng, len(independent) + n_ell, low, high)
        size = dict(zip(independent, drawn))
        ell_sizes = drawn[len(independent):]
    for c, target in spec.same_size.items():
        if c in canon:
            size[letter[c]] = size[letter[target]]

    # a tensor named like an index letter would make `t[b, t, f]` ambiguous in the hints
    pools = case.tensors or spec.tensors
    clear = [o for o in pools if not set(o.split()) & set(letter.values())]
    roles = rng.choice(clear or list(pools)).split()
    expr = rename(case.expr, letter)
    ins, _ = split(expr)
    order = list(case.order or range(len(ins)))
    tensors = [roles[r] for r in order]
    shapes = [tuple(d for t in term for d in (ell_sizes if t == ELL else [size[t]])) for term in ins]
    return _Draw(
        case, expr, [(w, rename(e, letter)) for w, e in case.mistakes], letter, name, size,
        ell_names, ell_sizes, roles, tensors, order, shapes,
    )


def _axes_text(d: _Draw, term: list[str]) -> str:
    """A shape with its axes named: ``(batch=3, i=5, k=4)``."""
    parts = []
    for t in term:
        if t == ELL:
            parts += [f"{n}={s}" for n, s in zip(d.ell_names, d.ell_sizes)]
        else:
            parts.append(f"{d.name[t]}={d.size[t]}")
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _fill(template: str, d: _Draw) -> str:
    """``template`` with ``{t0}``... as the operands' names and ``{<letter>}`` as axis names."""
    names = {f"t{i}": t for i, t in enumerate(d.roles)}
    names.update({c: d.name[l] for c, l in d.letter.items() if l in d.name})
    return template.format(**names)


def _run(expr: str, operands: list) -> Any:
    import torch

    return torch.einsum(expr, *operands)


def _zeros(shapes) -> list:
    import torch

    return [torch.zeros(s, dtype=torch.float64) for s in shapes]


def _out_shape(expr: str, shapes) -> tuple[int, ...]:
    """The output shape, by running the expression."""
    return tuple(_run(expr, _zeros(shapes)).shape)


def _meta_shape(expr: str, shapes) -> tuple[int, ...]:
    """The output shape of a (mistaken) expression from its letters alone, cheap even when the
    result would be large; ValueError where einsum would refuse it. (Answers are never computed
    this way: they come from running torch.einsum.)"""
    ins, out = split(expr)
    if len(ins) != len(shapes):
        raise ValueError("wrong number of operands")
    size: dict[str, int] = {}
    for term, shape in zip(ins, shapes):
        n_ell = len(shape) - (len(term) - (ELL in term))
        if n_ell < 0 or (ELL not in term and n_ell):
            raise ValueError("rank mismatch")
        dims = iter(shape)
        for t in term:
            for k, n in enumerate([next(dims) for _ in range(n_ell)] if t == ELL else [next(dims)]):
                key = f"{ELL}{k}" if t == ELL else t
                if size.setdefault(key, n) != n:
                    raise ValueError(f"size mismatch for {key}")
    if len(set(out)) != len(out) or any(t != ELL and t not in size for t in out):
        raise ValueError("bad output")
    ell = [size[k] for k in sorted(k for k in size if k.startswith(ELL))]
    return tuple(d for t in out for d in (ell if t == ELL else [size[t]]))


def _write_mistakes(check: EinsumCheck, d: _Draw, right: tuple[int, ...],
                    candidates: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The wrong expressions that run on the operands and that the checker rejects; one whose
    output shape differs from ``right`` is rejected on its shape, without being run."""
    kept: dict[str, str] = {}
    for what, e in candidates:
        if e in kept.values():
            continue
        try:
            shape = _meta_shape(e, d.shapes)
        except Exception:
            continue
        if shape != right or not check.check(e).correct:
            kept[what] = e
    return tuple(kept.items())


def _params(spec: Spec, d: _Draw, **extra: Any) -> dict[str, Any]:
    return {
        "expr": d.expr,
        "operands": [{"name": n, "shape": list(s)} for n, s in zip(d.tensors, d.shapes)],
        "axes": {l: {"name": d.name[l], "size": d.size[l]} for l in letters_of(d.expr)},
        "batch_axes": [{"name": n, "size": s} for n, s in zip(d.ell_names, d.ell_sizes)],
        "case": {**d.case.info, "numpy": d.case.numpy, "roles": [d.order.index(r) for r in range(len(d.roles))]},
        **extra,
    }


def _call(d: _Draw, expr: str) -> str:
    return f'torch.einsum("{expr}", {", ".join(d.tensors)})'


def _plural(items: list[str], one: str, many: str) -> str:
    return one if len(items) == 1 else many


def _explain_expr(d: _Draw) -> str:
    ins, out = split(d.expr)
    summed = summed_letters(d.expr)
    kept = "".join(out)
    if summed:
        first = (
            f"In `{d.expr}`, {and_list([f'`{c}`' for c in summed])} "
            f"{_plural(summed, 'appears', 'appear')} in the inputs but not after `->`, "
            f"so {_plural(summed, 'it is', 'they are')} summed"
        )
    else:
        first = f"In `{d.expr}` every input letter is kept, so nothing is summed"
    repeated = any(len(set(term)) < len(term) for term in ins)
    diag = "; a letter repeated inside one operand reads its diagonal" if repeated else ""
    last = f"the output keeps `{kept}` in that order" if kept else "the output is a scalar"
    return f"{first}{diag}; {last}."


def _rejected(check, candidates: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The (what, response) pairs the checker rejects, each response once."""
    out: dict[str, str] = {}
    for what, text in candidates:
        if text not in out.values() and not check.check(text).correct:
            out[what] = text
    return tuple((w, t) for w, t in out.items())


# ----------------------------------------------------------------------------- forms


def permute_output(spec: Spec, d: _Draw, seed: int) -> tuple[_Draw, tuple[int, ...]]:
    """The write form's result with its axes in a drawn order (``.permute(...)``; the identity as
    often as any other), so that no fixed order — of appearance, of the printed names, reversed —
    is the answer more often than by chance. Drawn from its own generator: the rest of the card
    stays as the seed drew it."""
    ins, out = split(d.expr)
    if len(out) < 2 or ELL in out or not spec.permute_write:
        return d, tuple(range(len(out)))
    perm = list(range(len(out)))
    random.Random(f"einsum.{spec.name}/write/permute/{seed}").shuffle(perm)

    def apply(expr: str) -> str:
        i, o = split(expr)
        return join(i, [o[k] for k in perm]) if len(o) == len(out) else expr

    if perm == sorted(perm):
        return d, tuple(perm)
    moved = dataclasses.replace(d, expr=apply(d.expr), mistakes=[(w, apply(e)) for w, e in d.mistakes]
                                + [("forgot the final `.permute`", d.expr)])
    return moved, tuple(perm)


def _write(spec: Spec, d: _Draw, rng: random.Random, seed: int) -> Variant:
    d, perm = permute_output(spec, d, seed)
    permuted = perm != tuple(sorted(perm))
    ins, out = split(d.expr)
    out_shape = _out_shape(d.expr, d.shapes)
    described: dict[str, str] = {}
    for t, term in zip(d.tensors, ins):
        described.setdefault(t, f"`{t}` has shape {_axes_text(d, term)}")
    ops = list(described.values())
    ops_text = ops[0] if len(ops) == 1 else ", ".join(ops[:-1]) + " and " + ops[-1]
    ell = " Use `...` for the leading axes (or name them)." if d.ell_names else ""
    then = (f", and returns that result with its axes reordered as `.permute({', '.join(map(str, perm))})` does"
            if permuted else "")
    prompt = (
        f"{ops_text}. Complete `torch.einsum(\"…\", {', '.join(d.tensors)})` so that it computes "
        f"{_fill(d.case.task, d)}{then}.{ell}"
    )
    axis_names = tuple(sorted({(d.size[l], d.name[l]) for l in d.name if l in d.size}
                              | set(zip(d.ell_sizes, d.ell_names))))
    same_as = tuple(d.tensors.index(t) for t in d.tensors)  # W passed twice is one tensor
    check = EinsumCheck(d.expr, tuple(d.shapes), rng.getrandbits(31), axis_names,
                        same_as=same_as if len(set(d.tensors)) < len(d.tensors) else (),
                        operands=tuple(d.tensors))

    used = set(letters_of(d.expr))
    fresh = rng.sample([c for c in string.ascii_lowercase if c not in used], len(used))
    renamed = rename(d.expr, dict(zip(letters_of(d.expr), fresh)))
    alternatives = [renamed, _call(d, d.expr)]
    if d.ell_names:
        spare = [c for c in string.ascii_lowercase if c not in used][: len(d.ell_names)]
        alternatives.append(d.expr.replace(ELL, "".join(spare)))

    mistakes = _write_mistakes(check, d, out_shape, [*((_fill(w, d), e) for w, e in d.mistakes),
                                                     *generic_mistakes(d.expr, d.axis, d.tensors)])
    summed = summed_letters(d.expr)
    h2 = (f"Summed away: {and_list([d.name[c] for c in summed])}; every other axis is kept."
          if summed else "Nothing is summed away: every axis is kept.")
    h3 = _fill(d.case.why, d) or "The output's axis order follows from the operation, not from the order of the operands."
    reorder = (f"`.permute({', '.join(map(str, perm))})` takes the plain result's axes in that order, so the "
               f"output letters are `{''.join(out)}`." if permuted else "")
    expl = " ".join(x for x in (_explain_expr(d), _fill(d.case.why, d), reorder,
                                _fill(d.case.note or spec.note, d)) if x)
    params = _params(spec, d, out_shape=list(out_shape))
    if permuted:  # what the card asks, in numpy: the case's operation, then the permutation
        params["case"] = {**params["case"], "numpy": f"np.transpose({d.case.numpy}, {perm})"}
    return Variant(
        family=f"einsum.{spec.name}", form="write", seed=seed,
        params=params,
        prompt=prompt, answer=d.expr, answer_text=d.expr, checker=check,
        explanation=expl, hints=(spec.concept, h2, h3),
        distractors=tuple(t for _, t in mistakes),
        alternatives=tuple(alternatives), mistakes=mistakes,
    )


def _mistake_exprs(d: _Draw) -> list[tuple[str, str]]:
    """The case's and the generic mistakes, with ``...`` spelled as letters (so they can run)."""
    ell = d.ell
    own = [(_fill(w, d), explicit(e, ell)) for w, e in d.mistakes]
    return own + generic_mistakes(explicit(d.expr, ell), d.axis, d.tensors)


def _shape(spec: Spec, d: _Draw, rng: random.Random, seed: int) -> Variant:
    ins, out = split(d.expr)
    code_lines = [
        f"{t} = torch.randn({', '.join(map(str, s))})"
        for t, s in dict(zip(d.tensors, d.shapes)).items()
    ]
    code = "\n".join(code_lines + [f"out = {_call(d, d.expr)}"])
    shape = _out_shape(d.expr, d.shapes)
    check = ShapeCheck(shape)
    candidates = []
    for what, e in _mistake_exprs(d):
        try:
            candidates.append((what, format_shape(_meta_shape(e, d.shapes))))
        except Exception:  # a mistake that cannot run on these shapes is not one to make here
            continue
    mistakes = _rejected(check, candidates)
    extra = _rejected(check, [("reversed", format_shape(shape[::-1])), ("first operand", format_shape(d.shapes[0]))])
    distractors = tuple(dict.fromkeys([t for _, t in mistakes] + [t for _, t in extra]))
    if shape:
        alternatives = ("x".join(map(str, shape)), f"torch.Size([{', '.join(map(str, shape))}])")
    else:
        alternatives = ("torch.Size([])", "scalar")

    sizes = ", ".join(f"`{l}`={d.size[l]}" for l in letters_of(d.expr))
    if d.ell_names:
        sizes += f", and `...` covers {format_shape(d.ell_sizes)}"
    ell_rule = " `...` stands for the leading axes and is kept, in place, in the output." if d.ell_names else ""
    h1 = (
        "Each letter after `->` is one output axis, in that order; a letter missing after `->` "
        "is summed away." + ell_rule
    )
    out_text = f"The output letters are `{''.join(out)}`." if out else "Nothing follows `->`: the result is a scalar."
    summed = summed_letters(d.expr)
    expl = (
        f"Each output axis takes its size from the operand it comes from ({sizes}), "
        f"so `out.shape` is {format_shape(shape)}."
    )
    if summed:
        expl += f" {and_list([f'`{c}`' for c in summed])} {_plural(summed, 'is', 'are')} summed away."
    return Variant(
        family=f"einsum.{spec.name}", form="shape", seed=seed,
        params=_params(spec, d, out_shape=list(shape)),
        prompt="What is `out.shape`?", code=code,
        answer=list(shape), answer_text=format_shape(shape), checker=check,
        explanation=expl,
        hints=(h1, f"Sizes: {sizes}.", out_text),
        distractors=distractors, alternatives=alternatives, mistakes=mistakes,
    )


def _literal(values: Any, indent: int) -> str:
    """A nested list as Python source, one innermost row per line."""
    if not isinstance(values, list):
        return str(values)
    if not values or not isinstance(values[0], list):
        return "[" + ", ".join(str(v) for v in values) + "]"
    sep = ",\n" + " " * (indent + 1)
    return "[" + sep.join(_literal(v, indent + 1) for v in values) + "]"


def _explicit_terms(d: _Draw) -> tuple[list[list[str]], list[str]]:
    """The expression's terms with each axis of ``...`` as its own label."""
    ins, out = split(d.expr)
    ell = [f"#{i}" for i in range(len(d.ell_names))]

    def expand(term: list[str]) -> list[str]:
        return [x for t in term for x in (ell if t == ELL else [t])]

    return [expand(t) for t in ins], expand(out)


def _formula(d: _Draw) -> str:
    """``out[i, j]`` = sum over ``k`` of ``A[i, k] * B[k, j]`` for the variant's expression."""
    ins, out = split(d.expr)

    def ref(name: str, term: list[str]) -> str:
        return f"{name}[{', '.join(term)}]" if term else name

    prod = " * ".join(ref(t, term) for t, term in zip(d.tensors, ins))
    summed = summed_letters(d.expr)
    if summed:
        return f"`{ref('out', out)}` is the sum over {and_list([f'`{c}`' for c in summed])} of `{prod}`"
    return f"`{ref('out', out)} = {prod}`"


def _expansion(d: _Draw, values: list, index: tuple[int, ...]) -> str:
    """The terms that make up ``out[index]``, with the operands' numbers filled in; a
    single term (nothing summed) is shown as the entries it reads, e.g. ``x[1, 0, 2]``."""
    import numpy as np

    ins, out = _explicit_terms(d)
    arrays = [np.asarray(v) for v in values]
    fixed = dict(zip(out, index))
    sizes = {}
    for term, a in zip(ins, arrays):
        sizes.update(zip(term, a.shape))
    free = [c for c in dict.fromkeys(x for t in ins for x in t) if c not in fixed]
    terms = []
    for combo in itertools.product(*(range(sizes[c]) for c in free)):
        at = {**fixed, **dict(zip(free, combo))}
        factors = [int(a[tuple(at[c] for c in term)]) for term, a in zip(ins, arrays)]
        terms.append("*".join(str(f) if f >= 0 else f"({f})" for f in factors))
        reads = [f"{t}[{', '.join(str(at[c]) for c in term)}]" for t, term in zip(d.tensors, ins)]
    if len(terms) == 1:
        return " * ".join(reads)
    return " + ".join(terms)


def _read(wrong, m_out: list[str], out: list[str], index: tuple[int, ...]):
    """The number a mistake gives for ``out[index]``: a result with as many axes as the right
    one is read at the same position (a transposed result read as if it were right); otherwise
    each axis the two share takes the asked index and an axis only the mistake has takes 0."""
    if len(m_out) == len(out):
        if all(i < n for i, n in zip(index, wrong.shape)):
            return wrong[index]
        return None
    return wrong[tuple(index[out.index(c)] if c in out else 0 for c in m_out)]


def _readings(wrong, m_out, out, shape):
    """``_read`` at every index of a result of ``shape`` (None where unreadable)."""
    return [_read(wrong, m_out, out, ix) for ix in itertools.product(*(range(n) for n in shape))]


def _runnable(d: _Draw, mode: str, shapes) -> list[tuple[str, str]]:
    """The mistakes that run on these shapes and differ from the answer for some operands
    (summing over an axis of size 1, say, is no mistake on that variant)."""
    import torch

    explicit_expr = explicit(d.expr, d.ell)
    g = torch.Generator().manual_seed(0)
    by_name = {t: torch.randn(s, generator=g, dtype=torch.float64) for t, s in zip(d.tensors, shapes)}
    floats = [by_name[t] for t in d.tensors]  # W passed twice is one tensor
    right = _run(explicit_expr, floats)
    _, out = split(explicit_expr)
    kept = []
    for what, e in _mistake_exprs(d):
        try:
            wrong = _run(e, floats)
        except Exception:
            continue
        _, m_out = split(e)
        if mode == "full":
            same = tuple(wrong.shape) == tuple(right.shape) and torch.allclose(wrong, right)
        else:
            got = _readings(wrong, m_out, out, tuple(right.shape))
            want = _readings(right, out, out, tuple(right.shape))
            same = all(x is None or abs(float(x) - float(y)) < 1e-9 for x, y in zip(got, want))
        if not same:
            kept.append((what, e))
    return kept


def _value(spec: Spec, d: _Draw, rng: random.Random, seed: int) -> Variant:
    import torch

    explicit_expr = explicit(d.expr, d.ell)
    _, out_letters = split(explicit_expr)
    shape = _out_shape(d.expr, d.shapes)
    if len(shape) == 0:
        mode = "scalar"
    elif len(shape) <= 2 and math.prod(shape) <= FULL_LIMIT:
        mode = "full"
    else:
        mode = "entry"
    candidates = _runnable(d, mode, d.shapes)
    names = list(dict.fromkeys(d.tensors))
    shape_of = dict(zip(d.tensors, d.shapes))
    for _ in range(REDRAWS):  # numbers (and an entry) on which every listed mistake is rejected
        values = {
            t: torch.tensor([rng.choice(VALUES) for _ in range(math.prod(shape_of[t]))], dtype=torch.long)
            .reshape(shape_of[t])
            for t in names
        }
        operands = [values[t] for t in d.tensors]
        out = _run(d.expr, operands)
        wrongs = [(what, split(e)[1], _run(e, operands)) for what, e in candidates]
        if mode == "full":
            if all(tuple(w.shape) != tuple(out.shape) or not torch.equal(w, out) for _, _, w in wrongs):
                index: tuple[int, ...] = ()
                break
            continue
        good = []
        for ix in itertools.product(*(range(n) for n in out.shape)):
            reads = (_read(w, m_out, out_letters, ix) for _, m_out, w in wrongs)
            if all(r is None or int(r) != int(out[ix]) for r in reads):
                good.append(ix)
        if good:
            index = rng.choice(good)
            break
    else:
        raise _Inseparable()
    if mode == "full":
        answer: Any = out.tolist()
        check: Any = ArrayCheck(answer)
        listed = [(what, format_array(w.tolist())) for what, _, w in wrongs]
    else:
        answer = int(out[index])
        check = NumberCheck(float(answer), precision=Precision.exact())
        listed = [(what, str(int(r))) for what, m_out, w in wrongs
                  if (r := _read(w, m_out, out_letters, index)) is not None]
    mistakes = tuple(dict.fromkeys(listed))

    lines = [f"{t} = torch.tensor({_literal(v.tolist(), len(t) + 16)})" for t, v in values.items()]
    code = "\n".join(lines + [f"out = {_call(d, d.expr)}"])
    plain = [v.tolist() for v in operands]
    if mode == "full":
        text = format_array(answer)
        example = "`[[a, b], [c, d]]` (one inner list per row)" if out.ndim == 2 else "`[a, b, c]`"
        prompt = f"What is `out`? Type it as a list like {example}."
        wrong = [t for _, t in mistakes]
        if out.ndim == 2 and not torch.equal(out.T, out):
            wrong.append(format_array(out.T.tolist()))
        bumped = out.reshape(-1).clone()
        bumped[0] += 1  # a slip in one entry
        wrong.append(format_array(bumped.reshape(out.shape).tolist()))
        alternatives = (str([[float(x) for x in row] for row in answer]) if out.ndim == 2
                        else str([float(x) for x in answer]),)
        first = (0,) * out.ndim
        h3 = f"For example, `out[{', '.join(map(str, first))}]` = {_expansion(d, plain, first)}."
        expl = f"{_formula(d)}; e.g. `out[{', '.join(map(str, first))}]` = {_expansion(d, plain, first)} = {int(out[first])}."
    else:
        text = format_number(answer)
        where = "`out`" if mode == "scalar" else f"`out[{', '.join(map(str, index))}]`"
        prompt = f"What is {where}?"
        wrong = [t for _, t in mistakes] + [str(answer + 1), str(-answer)]
        alternatives = (f"{answer}.0",)
        terms = _expansion(d, plain, index)
        h3 = f"{where} = {terms}."
        expl = f"{_formula(d)}; here {where} = {terms} = {answer}."
    distractors = tuple(t for t in dict.fromkeys(wrong) if not check.check(t).correct)
    return Variant(
        family=f"einsum.{spec.name}", form="value", seed=seed,
        params=_params(spec, d, values=plain, mode=mode, index=list(index) if mode == "entry" else None,
                       out_shape=list(out.shape)),
        prompt=prompt, code=code, answer=answer, answer_text=text, checker=check,
        explanation=expl, hints=(spec.concept, _formula(d) + ".", h3),
        distractors=distractors, alternatives=alternatives, mistakes=mistakes,
    )
