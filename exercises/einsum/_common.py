"""The builder behind every einsum family: a family is data, this module draws variants.

A family file states its expression in canonical letters, pools of letters and axis names,
a sentence saying what the expression computes and a few known mistakes; :func:`einsum_family`
turns that into a registered :class:`~exercises.base.Family` with the forms "write", "shape"
and "value". Every answer (output shape, values) comes from running ``torch.einsum`` on
operands of the variant's shapes; the text around it (hints, explanation) is derived from
the expression. Sizes are distinct per axis so a transposed answer cannot pass.
"""
from __future__ import annotations

import itertools
import math
import random
import string
from dataclasses import dataclass, field
from typing import Any, Callable

from exercises.base import CodeSpec, Family, Variant
from exercises.checking import (
    ArrayCheck,
    EinsumCheck,
    NumberCheck,
    ShapeCheck,
    distinct_sizes,
    format_array,
    format_number,
    format_shape,
)

FORMS = ("write", "shape", "value")
ELL = "..."
VALUES = range(-3, 4)  # entries of the value form's tiny tensors
FULL_LIMIT = 9  # the value form asks for the whole result up to this many entries (and 2-D)


@dataclass(frozen=True)
class Case:
    """One operation a family can ask about, in canonical letters.

    ``task`` says in words what the expression computes; ``{t0}``, ``{t1}``... stand for
    the operand names and ``{<letter>}`` for an axis name. ``mistakes`` are plausible
    wrong expressions (transposed output, a wrong summed axis) used as distractors.
    ``info`` is kept in the variant's params (e.g. the permutation of a transpose).
    """

    expr: str
    task: str
    mistakes: tuple[str, ...]
    info: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # overrides the family's note for this case


@dataclass(frozen=True)
class Spec:
    """What one einsum family file declares; see :func:`einsum_family`."""

    name: str
    title: str
    summary: str
    difficulty: int
    cases: tuple[Case, ...] | Callable[[random.Random], Case]
    axes: dict[str, str]  # canonical letter -> "letter:name letter:name ..." to draw from
    tensors: tuple[str, ...]  # operand names to draw from, space separated: ("A B", "X Y")
    concept: str  # the first hint: the idea, never the answer
    note: str = ""  # an optional sentence for the explanation (same placeholders as a task)
    same_size: dict[str, str] = field(default_factory=dict)  # letter -> letter of equal size
    value_sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # default (2, 3)
    batch_names: tuple[str, ...] = ("batch", "sample", "pos")  # names for the axes of "..."
    code_spec: CodeSpec | None = None
    tags: tuple[str, ...] = ()


def einsum_family(spec: Spec) -> Family:
    """The family ``einsum.<spec.name>`` built from ``spec`` (the module assigns it to ``FAMILY``)."""

    def make(rng: random.Random, form: str, seed: int) -> Variant:
        return _build(spec, rng, form, seed)

    return (
        Family(
            id=f"einsum.{spec.name}",
            title=spec.title,
            make=make,
            forms=FORMS,
            difficulty=spec.difficulty,
            summary=spec.summary,
            code_spec=spec.code_spec,
            tags=("einsum",) + spec.tags,
        )
    )


# ----------------------------------------------------------------------------- expressions


def tokens(term: str) -> list[str]:
    """The axes of one term: letters, with ``...`` as a single token."""
    out, i = [], 0
    while i < len(term):
        if term.startswith(ELL, i):
            out.append(ELL)
            i += 3
        else:
            out.append(term[i])
            i += 1
    return out


def split(expr: str) -> tuple[list[list[str]], list[str]]:
    """``"ik,kj->ij"`` -> ``([["i","k"], ["k","j"]], ["i","j"])``."""
    lhs, rhs = expr.replace(" ", "").split("->")
    return [tokens(t) for t in lhs.split(",")], tokens(rhs)


def letters_of(expr: str) -> list[str]:
    """Distinct letters in order of first appearance."""
    return list(dict.fromkeys(c for c in expr if c.isalpha()))


def rename(expr: str, mapping: dict[str, str]) -> str:
    return "".join(mapping.get(c, c) for c in expr)


def summed_letters(expr: str) -> list[str]:
    ins, out = split(expr)
    return [c for c in dict.fromkeys(t for term in ins for t in term) if c != ELL and c not in out]


def _plural(items: list[str], one: str, many: str) -> str:
    return one if len(items) == 1 else many


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ----------------------------------------------------------------------------- drawing


@dataclass
class _Draw:
    """Everything drawn for one variant (letters, names, sizes, operands)."""

    case: Case
    expr: str  # in the variant's letters
    mistakes: list[str]
    letter: dict[str, str]  # canonical -> variant letter
    name: dict[str, str]  # variant letter -> axis name
    size: dict[str, int]  # variant letter -> size
    ell_names: list[str]
    ell_sizes: list[int]
    tensors: list[str]
    shapes: list[tuple[int, ...]]


def _draw(spec: Spec, rng: random.Random, form: str) -> _Draw:
    case = spec.cases(rng) if callable(spec.cases) else rng.choice(spec.cases)
    canon = letters_of(case.expr)
    letter: dict[str, str] = {}
    name: dict[str, str] = {}
    for c in canon:
        options = [tuple(o.split(":", 1)) for o in spec.axes[c].split()]
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
    for c in letters_of(",".join(case.mistakes)):
        if c not in letter:  # a letter only a mistake uses
            options = [o.split(":", 1)[0] for o in spec.axes.get(c, "").split()]
            pick = next((l for l in options if l in spare), spare[0])
            letter[c] = pick
            spare.remove(pick)

    n_ell = (1 if form == "value" else rng.choice((1, 2))) if ELL in case.expr else 0
    ell_names = rng.sample([n for n in spec.batch_names if n not in name.values()], n_ell)
    independent = [letter[c] for c in canon if c not in spec.same_size]
    if form == "value":
        size = {l: rng.choice(spec.value_sizes.get(c, (2, 3))) for c, l in letter.items() if c in canon}
        ell_sizes = [2] * n_ell
    else:
        drawn = distinct_sizes(rng, len(independent) + n_ell, 2, 9)
        size = dict(zip(independent, drawn))
        ell_sizes = drawn[len(independent):]
    for c, target in spec.same_size.items():
        if c in canon:
            size[letter[c]] = size[letter[target]]

    # a tensor named like an index letter would make `t[b, t, f]` ambiguous in the hints
    clear = [o for o in spec.tensors if not set(o.split()) & set(letter.values())]
    tensors = rng.choice(clear or list(spec.tensors)).split()
    expr = rename(case.expr, letter)
    ins, _ = split(expr)
    shapes = [tuple(d for t in term for d in (ell_sizes if t == ELL else [size[t]])) for term in ins]
    return _Draw(
        case, expr, [rename(m, letter) for m in case.mistakes], letter, name, size,
        ell_names, ell_sizes, tensors, shapes,
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
    """``template`` with ``{t0}``... as the operand names and ``{<letter>}`` as axis names."""
    names = {f"t{i}": t for i, t in enumerate(d.tensors)}
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


def _params(spec: Spec, d: _Draw, **extra: Any) -> dict[str, Any]:
    return {
        "expr": d.expr,
        "operands": [{"name": n, "shape": list(s)} for n, s in zip(d.tensors, d.shapes)],
        "axes": {l: {"name": d.name[l], "size": d.size[l]} for l in letters_of(d.expr)},
        "batch_axes": [{"name": n, "size": s} for n, s in zip(d.ell_names, d.ell_sizes)],
        "case": dict(d.case.info),
        **extra,
    }


def _call(d: _Draw, expr: str) -> str:
    return f'torch.einsum("{expr}", {", ".join(d.tensors)})'


def _explain_expr(d: _Draw) -> str:
    ins, out = split(d.expr)
    summed = summed_letters(d.expr)
    kept = "".join(out)
    if summed:
        first = (
            f"In `{d.expr}`, {_and([f'`{c}`' for c in summed])} "
            f"{_plural(summed, 'appears', 'appear')} in the inputs but not after `->`, "
            f"so {_plural(summed, 'it is', 'they are')} summed"
        )
    else:
        first = f"In `{d.expr}` every input letter is kept, so nothing is summed"
    repeated = any(len(set(term)) < len(term) for term in ins)
    diag = "; a letter repeated inside one operand reads its diagonal" if repeated else ""
    last = f"the output keeps `{kept}` in that order" if kept else "the output is a scalar"
    return f"{first}{diag}; {last}."


# ----------------------------------------------------------------------------- forms


def _build(spec: Spec, rng: random.Random, form: str, seed: int) -> Variant:
    d = _draw(spec, rng, form)
    return {"write": _write, "shape": _shape, "value": _value}[form](spec, d, rng, seed)


def _write(spec: Spec, d: _Draw, rng: random.Random, seed: int) -> Variant:
    ins, out = split(d.expr)
    out_shape = _out_shape(d.expr, d.shapes)
    described: dict[str, str] = {}
    for t, term in zip(d.tensors, ins):
        described.setdefault(t, f"`{t}` has shape {_axes_text(d, term)}")
    ops = list(described.values())
    ops_text = ops[0] if len(ops) == 1 else ", ".join(ops[:-1]) + " and " + ops[-1]
    result = f"of shape {_axes_text(d, out)}" if out_shape else "a scalar"
    order = ""
    if len(d.tensors) > 1:
        order = f" Pass the operands as `{', '.join(d.tensors)}`."
    ell = " Use `...` for the leading batch axes (or name them)." if d.ell_names else ""
    prompt = (
        f"{ops_text}. Write the einsum string that computes {_fill(d.case.task, d)}, {result}.{order}{ell}"
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

    summed = summed_letters(d.expr)
    kept_names = [n for t in out for n in (d.ell_names if t == ELL else [d.name[t]])]
    h2 = (
        f"Summed away: {_and([d.name[c] for c in summed])}. "
        if summed
        else "Nothing is summed away. "
    ) + (f"Kept, in this order: {_and(kept_names)}." if kept_names else "The result is a scalar.")
    h3 = f"Label the operands `{d.expr.split('->')[0]}`; now write the output letters after `->`."
    return Variant(
        family=f"einsum.{spec.name}", form="write", seed=seed,
        params=_params(spec, d, out_shape=list(out_shape)),
        prompt=prompt, answer=d.expr, answer_text=d.expr, checker=check,
        explanation=(_explain_expr(d) + " " + _fill(d.case.note or spec.note, d)).strip(),
        hints=(spec.concept, h2, h3),
        distractors=tuple(dict.fromkeys(m for m in d.mistakes if m != d.expr)),
        alternatives=tuple(alternatives),
    )


def _shape(spec: Spec, d: _Draw, rng: random.Random, seed: int) -> Variant:
    ins, out = split(d.expr)
    code_lines = [
        f"{t} = torch.randn({', '.join(map(str, s))})"
        for t, s in dict(zip(d.tensors, d.shapes)).items()
    ]
    code = "\n".join(code_lines + [f"out = {_call(d, d.expr)}"])
    shape = _out_shape(d.expr, d.shapes)
    wrong: list[tuple[int, ...]] = []
    for m in d.mistakes:
        wrong.append(_out_shape(m, d.shapes))
    wrong += [shape[::-1], d.shapes[0]]
    distractors = tuple(dict.fromkeys(format_shape(w) for w in wrong if tuple(w) != shape))
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
        expl += f" {_and([f'`{c}`' for c in summed])} {_plural(summed, 'is', 'are')} summed away."
    return Variant(
        family=f"einsum.{spec.name}", form="shape", seed=seed,
        params=_params(spec, d, out_shape=list(shape)),
        prompt="What is `out.shape`?", code=code,
        answer=list(shape), answer_text=format_shape(shape), checker=ShapeCheck(shape),
        explanation=expl,
        hints=(h1, f"Sizes: {sizes}.", out_text),
        distractors=distractors, alternatives=alternatives,
    )


def _literal(values: Any, indent: int) -> str:
    """A nested list as Python source, one innermost row per line."""
    if not isinstance(values, list):
        return str(values)
    if not values or not isinstance(values[0], list):
        return "[" + ", ".join(str(v) for v in values) + "]"
    sep = ",\n" + " " * (indent + 1)
    return "[" + sep.join(_literal(v, indent + 1) for v in values) + "]"


def _explicit(d: _Draw) -> tuple[list[list[str]], list[str]]:
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
        return f"`{ref('out', out)}` is the sum over {_and([f'`{c}`' for c in summed])} of `{prod}`"
    return f"`{ref('out', out)} = {prod}`"


def _expansion(d: _Draw, values: list, index: tuple[int, ...]) -> str:
    """The terms that make up ``out[index]``, with the operands' numbers filled in; a
    single term (nothing summed) is shown as the entries it reads, e.g. ``x[1, 0, 2]``."""
    import numpy as np

    ins, out = _explicit(d)
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


def _value(spec: Spec, d: _Draw, rng: random.Random, seed: int) -> Variant:
    import torch

    values: dict[str, Any] = {}
    for t, s in zip(d.tensors, d.shapes):
        if t not in values:
            values[t] = torch.tensor([rng.choice(VALUES) for _ in range(math.prod(s))], dtype=torch.long).reshape(s)
    operands = [values[t] for t in d.tensors]
    out = _run(d.expr, operands)
    lines = [f"{t} = torch.tensor({_literal(v.tolist(), len(t) + 16)})" for t, v in values.items()]
    code = "\n".join(lines + [f"out = {_call(d, d.expr)}"])
    plain = [v.tolist() for v in operands]
    mistaken = [_run(m, operands) for m in d.mistakes]

    if out.ndim == 0:
        mode = "scalar"
    elif out.ndim <= 2 and out.numel() <= FULL_LIMIT:
        mode = "full"
    else:
        mode = "entry"
    if mode == "full":
        answer = out.tolist()
        check = ArrayCheck(answer)
        text = format_array(answer)
        prompt = "What is `out`? Type it as a nested list such as `[[1, 2], [3, 4]]`."
        if out.ndim == 1:
            prompt = "What is `out`? Type it as a list such as `[1, 2]`."
        wrong = [w for w in mistaken if tuple(w.shape) != tuple(out.shape) or not torch.equal(w, out)]
        if out.ndim == 2 and not torch.equal(out.T, out):
            wrong.append(out.T)
        bumped = out.reshape(-1).clone()
        bumped[0] += 1  # a slip in one entry
        wrong.append(bumped.reshape(out.shape))
        distractors = tuple(dict.fromkeys(format_array(w.tolist()) for w in wrong))
        first = (0,) * out.ndim
        alternatives = (str([[float(x) for x in row] for row in answer]) if out.ndim == 2
                        else str([float(x) for x in answer]),)
        h3 = f"For example, `out[{', '.join(map(str, first))}]` = {_expansion(d, plain, first)}."
        index = None
        expl = f"{_formula(d)}; e.g. `out[{', '.join(map(str, first))}]` = {_expansion(d, plain, first)} = {int(out[first])}."
    else:
        index = () if mode == "scalar" else tuple(rng.randrange(n) for n in out.shape)
        answer = int(out[index])
        check = NumberCheck(float(answer), atol=1e-6, rtol=0.0)
        text = format_number(answer)
        where = "`out`" if mode == "scalar" else f"`out[{', '.join(map(str, index))}]`"
        prompt = f"What is {where}?"
        wrong_numbers = [
            int(w[index]) for w in mistaken if tuple(w.shape) == tuple(out.shape)
        ]
        swapped = index[::-1]
        if len(swapped) >= 2 and all(i < n for i, n in zip(swapped, out.shape)):
            wrong_numbers.append(int(out[swapped]))
        wrong_numbers += [answer + 1, -answer]
        distractors = tuple(dict.fromkeys(str(w) for w in wrong_numbers if w != answer))
        alternatives = (f"{answer}.0",)
        terms = _expansion(d, plain, index)
        h3 = f"{where} = {terms}."
        expl = f"{_formula(d)}; here {where} = {terms} = {answer}."
    return Variant(
        family=f"einsum.{spec.name}", form="value", seed=seed,
        params=_params(spec, d, values=plain, mode=mode, index=list(index) if index is not None else None,
                       out_shape=list(out.shape)),
        prompt=prompt, code=code, answer=answer, answer_text=text, checker=check,
        explanation=expl, hints=(spec.concept, _formula(d) + ".", h3),
        distractors=distractors, alternatives=alternatives,
    )
