"""The shared builder of the einops families.

A family module only *draws* a :class:`Problem` — one einops call described with named
axes, its sizes, a sentence saying what it does, hints and plausible wrong patterns — and
calls :func:`einops_family`. This module turns a Problem into the three forms:

- ``write``: the operation in words and the call with the pattern left blank; judged by
  :class:`~exercises.checking.EinopsCheck`, so any equivalent pattern is right;
- ``shape``: a concrete call; the learner predicts the result's shape;
- ``value``: tiny integer tensors; the learner computes the result or one entry of it.

Every answer comes from running einops on torch tensors. torch and einops are imported
inside the functions (absolute ``import einops`` is the library, not this package), so
importing a family module stays cheap.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from exercises.base import CodeSpec, Family, Variant
from exercises.checking import (
    ArrayCheck,
    EinopsCheck,
    NumberCheck,
    ShapeCheck,
    format_array,
    format_number,
)
from exercises.checking import format_shape as shape_text  # noqa: F401 - the family modules import it from here

FORMS = ("write", "shape", "value")
BLANK = "____"

#: Plausible spellings of each axis role: the first is the one-letter style, the rest long.
NAMES: dict[str, tuple[str, ...]] = {
    "batch": ("b", "batch", "bs"),
    "channel": ("c", "channels", "ch"),
    "height": ("h", "height", "rows"),
    "width": ("w", "width", "cols"),
    "seq": ("s", "seq", "tokens", "pos"),
    "model": ("d", "d_model", "dim", "emb"),
    "heads": ("h", "heads", "n_heads"),
    "head_dim": ("d", "d_head", "head_dim"),
    "feature": ("f", "feat", "features"),
    "out": ("o", "d_out", "out"),
    "inp": ("i", "d_in", "inp"),
    "rep": ("r", "copies", "reps"),
    "time": ("t", "time", "steps"),
    "block_h": ("p1", "ph", "bh"),
    "block_w": ("p2", "pw", "bw"),
    "items": ("n", "items", "patches"),
    "q_pos": ("q", "q_pos", "query"),
    "k_pos": ("k", "k_pos", "key"),
    "group": ("g", "groups", "grp"),
}

_TOKEN = re.compile(r"\.\.\.|\(|\)|\*|[A-Za-z_]\w*|\d+")
_IDENT = re.compile(r"[A-Za-z_]\w*")


# ------------------------------------------------------------------------- drawing


def pick_names(rng: random.Random, *roles: str, style: str | None = None) -> list[str]:
    """Distinct axis names for ``roles`` in one consistent style ("short" or "long")."""
    style = style or rng.choice(["short", "long"])
    out: list[str] = []
    for role in roles:
        spell = NAMES[role]
        pool = [spell[0]] if style == "short" else list(spell[1:])
        pool = [n for n in pool if n not in out] or [n for n in spell if n not in out]
        out.append(rng.choice(pool))
    return out


def small_sizes(rng: random.Random, n: int) -> list[int]:
    """Sizes for the value form: distinct and tiny (at most 24 entries in all)."""
    return rng.sample(range(2, 5), n) if n <= 3 else rng.sample(range(1, 5), n)


def groups(side: str) -> list[list[str]]:
    """``"b (h w) 1"`` → ``[["b"], ["h", "w"], ["1"]]``; ``()`` is an empty group."""
    out: list[list[str]] = []
    cur: list[str] | None = None
    for tok in _TOKEN.findall(side):
        if tok == "(":
            cur = []
        elif tok == ")":
            out.append(cur or [])
            cur = None
        elif cur is not None:
            cur.append(tok)
        else:
            out.append([tok])
    return out


def shape_of(layout: str, sizes: dict[str, int]) -> tuple[int, ...]:
    """The shape of a tensor laid out as ``layout`` (names, numbers, groups)."""
    return tuple(math.prod(int(t) if t.isdigit() else sizes[t] for t in g) for g in groups(layout))


def axes_text(layout: str) -> str:
    """``"b (h w)"`` → ``"(b, h·w)"``: how a layout is described in words."""
    parts = ["·".join(g) if g else "1" for g in groups(layout)]
    return "(" + ", ".join(parts) + ")"


@dataclass
class Operand:
    name: str
    layout: str  # its axes as the learner is told, e.g. "b (h w)"
    shape: tuple[int, ...]


def operand(name: str, layout: str, sizes: dict[str, int]) -> Operand:
    return Operand(name, layout, shape_of(layout, sizes))


@dataclass
class Problem:
    """One einops call with everything the three forms need; drawn by a family module."""

    op: str  # rearrange | reduce | repeat | einsum | pack | unpack
    pattern: str
    operands: list[Operand]
    sizes: dict[str, int]  # every named axis of the pattern
    roles: dict[str, str]  # axis name -> role in NAMES (for the renamed alternative)
    what: str  # the operation in words (write form)
    idea: str  # first, vague hint of every form
    write_hints: list[str]  # the more specific hints of the write form
    explanation: str
    wrong: list[str]  # plausible wrong patterns
    reduction: str | None = None
    lengths: tuple[str, ...] = ()  # axes passed as keyword lengths
    packed_shapes: list[tuple[int, ...]] = field(default_factory=list)  # unpack
    pieces: tuple[str, ...] = ()  # unpack: names of the results
    in_desc: str | None = None  # overrides the generic description of the inputs
    out_desc: str | None = None  # overrides the generic description of the result
    shape_hints: list[str] | None = None  # overrides the generic shape hints
    value_hint: str | None = None  # overrides the generic last value hint
    value_range: tuple[int, int] = (0, 9)
    result: str = "y"


# ------------------------------------------------------------------------- running


def execute(p: Problem, tensors: Sequence[Any], pattern: str | None = None, reduction: str | None = None):
    """Run the problem's einops call (or ``pattern`` in its place) on ``tensors``."""
    import einops

    pat = p.pattern if pattern is None else pattern
    kw = {n: p.sizes[n] for n in p.lengths}
    if p.op == "rearrange":
        return einops.rearrange(tensors[0], pat, **kw)
    if p.op == "reduce":
        return einops.reduce(tensors[0], pat, reduction or p.reduction, **kw)
    if p.op == "repeat":
        return einops.repeat(tensors[0], pat, **kw)
    if p.op == "einsum":
        return einops.einsum(*tensors, pat)
    if p.op == "pack":
        return einops.pack(list(tensors), pat)[0]
    if p.op == "unpack":
        return list(einops.unpack(tensors[0], [tuple(s) for s in p.packed_shapes], pat))
    raise ValueError(f"unknown einops op {p.op!r}")


def _zeros(p: Problem) -> list:
    import torch

    return [torch.zeros(o.shape, dtype=torch.float64) for o in p.operands]


def _pick(out, piece: int | None):
    return out[piece] if piece is not None else out


def _try(fn: Callable[[], Any]):
    try:
        return fn()
    except Exception:  # a wrong pattern may not run at all; then it yields no distractor
        return None


# ------------------------------------------------------------------------- text


def _kwargs(p: Problem, names: dict[str, str] | None = None) -> str:
    names = names or {}
    return "".join(f", {names.get(n, n)}={p.sizes[n]}" for n in p.lengths)


def call_code(p: Problem, pattern_text: str, names: dict[str, str] | None = None) -> str:
    """The call as a line of code (preceded by ``ps = ...`` for unpack)."""
    ops = [o.name for o in p.operands]
    red = f", {p.reduction!r}" if p.op == "reduce" else ""
    if p.op in ("rearrange", "reduce", "repeat"):
        return f"{p.result} = einops.{p.op}({ops[0]}, {pattern_text}{red}{_kwargs(p, names)})"
    if p.op == "einsum":
        return f"{p.result} = einops.einsum({', '.join(ops)}, {pattern_text})"
    if p.op == "pack":
        return f"{p.result}, ps = einops.pack([{', '.join(ops)}], {pattern_text})"
    ps = "[" + ", ".join(shape_text(s) if s else "()" for s in p.packed_shapes) + "]"
    return f"ps = {ps}\n{', '.join(p.pieces)} = einops.unpack({ops[0]}, ps, {pattern_text})"


def _expr(p: Problem, pattern: str, names: dict[str, str] | None = None) -> str:
    """The call as one expression (a whole-call response to the write form)."""
    ops = [o.name for o in p.operands]
    red = f", {p.reduction!r}" if p.op == "reduce" else ""
    if p.op in ("rearrange", "reduce", "repeat"):
        return f"einops.{p.op}({ops[0]}, {pattern!r}{red}{_kwargs(p, names)})"
    if p.op == "einsum":
        return f"einops.einsum({', '.join(ops)}, {pattern!r})"
    if p.op == "pack":
        return f"einops.pack([{', '.join(ops)}], {pattern!r})"
    return f"einops.unpack({ops[0]}, ps, {pattern!r})"


def _in_desc(p: Problem) -> str:
    if p.in_desc:
        return p.in_desc
    bits = []
    for o in p.operands:
        grouped = [t for g in groups(o.layout) if len(g) > 1 for t in g if not t.isdigit()]
        extra = " with " + ", ".join(f"{t}={p.sizes[t]}" for t in grouped) if grouped else ""
        bits.append(f"`{o.name}` has shape {shape_text(o.shape)}, axes {axes_text(o.layout)}{extra}.")
    return " ".join(bits)


def _out_desc(p: Problem, shape: Sequence[int]) -> str:
    if p.out_desc:
        return p.out_desc
    rhs = p.pattern.split("->")[1]
    return f"`{p.result}` should have shape {shape_text(shape)}, axes {axes_text(rhs)}."


def rename_map(p: Problem, keep: Sequence[str] = ()) -> dict[str, str]:
    """Another plausible name for every axis of the pattern (``keep`` keeps its name)."""
    used = set(_IDENT.findall(p.pattern))
    out: dict[str, str] = {}
    for name in _IDENT.findall(p.pattern):
        if name in out or name in keep:
            continue
        cands = [n for n in NAMES.get(p.roles.get(name, ""), ()) if n != name and n not in used]
        k, new = 2, cands[0] if cands else f"{name}2"
        while new in used:  # (a trailing "_" would not do: einops rejects such names)
            k, new = k + 1, f"{name}{k + 1}"
        used.add(new)
        out[name] = new
    return out


def rename(pattern: str, mapping: dict[str, str]) -> str:
    return _IDENT.sub(lambda m: mapping.get(m.group(0), m.group(0)), pattern)


def _compact(pattern: str) -> str:
    return re.sub(r"\s*->\s*", "->", re.sub(r"\s*,\s*", ",", pattern))


def _round2(x: Any) -> Any:
    """``x`` (a number or nested list) rounded to the 2 decimals a non-integral value prompt asks for."""
    return [_round2(v) for v in x] if isinstance(x, list) else _to_py(round(float(x), 2))


def _to_py(x: Any) -> Any:
    if isinstance(x, list):
        return [_to_py(v) for v in x]
    x = float(x)
    return int(x) if x.is_integer() else round(x, 6)


def tensor_literal(values: Any, column: int) -> str:
    """A nested list laid out like numpy prints it; ``column`` is where ``[`` starts."""
    flat: list = []

    def walk(a):
        if isinstance(a, list):
            for v in a:
                walk(v)
        else:
            flat.append(a)

    walk(values)
    width = max((len(format_number(v)) for v in flat), default=1)

    def fmt(a, col: int) -> str:
        if not a or not isinstance(a[0], list):
            return "[" + ", ".join(format_number(v).rjust(width) for v in a) + "]"
        return "[" + (",\n" + " " * (col + 1)).join(fmt(sub, col + 1) for sub in a) + "]"

    return fmt(values, column)


def _index_text(idx: Sequence[int]) -> str:
    return "[" + ", ".join(map(str, idx)) + "]"


# ------------------------------------------------------------------------- the forms


def _write(fid: str, form: str, seed: int, rng: random.Random, p: Problem, params: dict) -> Variant:
    out_shape = tuple(execute(p, _zeros(p)).shape) if p.op != "unpack" else None
    check = EinopsCheck(
        op=p.op,
        reference=p.pattern,
        shapes=tuple(o.shape for o in p.operands),
        seed=rng.randrange(2**31),
        reduction=p.reduction,
        axes_lengths=tuple((n, p.sizes[n]) for n in p.lengths),
        packed_shapes=tuple(tuple(s) for s in p.packed_shapes),
        axis_names=tuple((s, n) for n, s in p.sizes.items() if list(p.sizes.values()).count(s) == 1),
    )
    bare = rename(p.pattern, rename_map(p, keep=p.lengths))
    full = rename_map(p)
    alts = [a for a in (bare, _expr(p, rename(p.pattern, full), full), _compact(p.pattern)) if a != p.pattern]
    wrong = list(p.wrong)
    if p.op == "reduce":
        other = next(r for r in ("mean", "sum", "max", "min") if r != p.reduction)
        wrong.append(_expr(p, p.pattern).replace(repr(p.reduction), repr(other)))
    out = " " + p.out_desc if p.out_desc else "" if out_shape is None else " " + _out_desc(p, out_shape)
    params.update(out_shape=list(out_shape) if out_shape is not None else None)
    return Variant(
        family=fid,
        form=form,
        seed=seed,
        params=params,
        prompt=f"{p.what} {_in_desc(p)}{out} Fill in the blank `{BLANK}` with the einops pattern.",
        code=call_code(p, BLANK),
        answer=p.pattern,
        answer_text=p.pattern,
        checker=check,
        explanation=p.explanation,
        hints=(p.idea, *p.write_hints),
        distractors=tuple(dict.fromkeys(wrong)),
        alternatives=tuple(dict.fromkeys(alts)),
    )


def _target(p: Problem, rng: random.Random) -> tuple[int | None, str]:
    if p.op == "unpack":
        k = rng.randrange(len(p.pieces))
        return k, p.pieces[k]
    return None, p.result


def _shape(fid: str, form: str, seed: int, rng: random.Random, p: Problem, params: dict) -> Variant:
    piece, target = _target(p, rng)
    zeros = _zeros(p)
    shape = tuple(_pick(execute(p, zeros), piece).shape)
    wrong: list[tuple[int, ...]] = []
    for pat in p.wrong:
        got = _try(lambda: tuple(_pick(execute(p, zeros, pat), piece).shape))
        if got is not None:
            wrong.append(got)
    wrong += [tuple(o.shape) for o in p.operands] + [shape[::-1], shape[:-1]]
    wrong = [w for w in dict.fromkeys(wrong) if w != shape and w]
    code = "\n".join(f"{o.name} = torch.randn{shape_text(o.shape) if len(o.shape) != 1 else f'({o.shape[0]})'}"
                     for o in p.operands)
    code += "\n" + call_code(p, repr(p.pattern))
    hints = p.shape_hints or _shape_hints(p)
    params.update(piece=piece)
    return Variant(
        family=fid,
        form=form,
        seed=seed,
        params=params,
        prompt=f"{_given(p, 'shape')} After running the code below, what is `{target}.shape`?",
        code=code,
        answer=list(shape),
        answer_text=shape_text(shape),
        checker=ShapeCheck(shape),
        explanation=p.explanation,
        hints=(p.idea, *hints),
        distractors=tuple(shape_text(w) for w in wrong[:3]),
        alternatives=("x".join(map(str, shape)), "[" + ", ".join(map(str, shape)) + "]", f"torch.Size({list(shape)})"),
    )


def _size_words(shape) -> str:
    """``2×3`` for a matrix, ``length-4`` for a vector ("a 4 tensor" reads as a number, not a shape)."""
    return f"length-{shape[0]}" if len(shape) == 1 else "×".join(map(str, shape))


def _given(p: Problem, form: str) -> str:
    """One sentence naming the inputs, e.g. "`x` has shape (4, 3, 5)." or "`x` is a 2×3 tensor."."""
    if form == "shape":
        bits = [f"`{o.name}` has shape {shape_text(o.shape)}" for o in p.operands]
    else:
        bits = [f"`{o.name}` is a {_size_words(o.shape)} tensor" for o in p.operands]
    text = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
    return text[0].upper() + text[1:] + "." if text[0] != "`" else text + "."


def _shape_hints(p: Problem) -> list[str]:
    lhs, rhs = p.pattern.split("->")
    sides = [s for s in lhs.split(",")]
    named = [f"{t}={p.sizes[t]}" for side in sides for g in groups(side) for t in g if not t.isdigit()]
    grouped = any(len(g) > 1 for side in sides for g in groups(side))
    first = f"Match the left side to the input shape: {', '.join(dict.fromkeys(named))}" + (
        " (a group's sizes multiply to its input axis)." if grouped else ".")
    merged = [g for g in groups(rhs) if len(g) > 1]
    if merged:
        parts = [
            f"`({' '.join(g)})` is one axis of size " + "·".join(t if t.isdigit() else str(p.sizes[t]) for t in g)
            for g in merged
        ]
        second = "On the right, " + "; ".join(parts) + "."
    else:
        second = "The result has exactly the right side's axes, in that order: " + ", ".join(
            " ".join(g) or "1" for g in groups(rhs)
        ) + "."
    return [first, second]


def _value(fid: str, form: str, seed: int, rng: random.Random, p: Problem, params: dict) -> Variant:
    import torch

    lo, hi = p.value_range
    values = []
    for o in p.operands:
        n = math.prod(o.shape)
        values.append(torch.tensor([rng.randint(lo, hi) for _ in range(n)], dtype=torch.float64).reshape(o.shape))
    piece, target = _target(p, rng)
    out = _pick(execute(p, values), piece)
    whole = out.numel() <= 12 and out.ndim <= 3
    index = None if whole else tuple(rng.randrange(d) for d in out.shape)

    def pick(t) -> Any:
        return _to_py(t.tolist()) if index is None else _to_py(t[index].item())

    answer = pick(out)
    asked = out if index is None else out[index]
    integral = bool(torch.all(asked == asked.round()))
    wrong: list[Any] = []
    cands = [lambda pat=pat: _pick(execute(p, values, pat), piece) for pat in p.wrong]
    if p.op == "reduce":
        cands += [lambda r=r: execute(p, values, reduction=r) for r in ("sum", "mean", "max", "min") if r != p.reduction]
    if len(p.operands) == 1 and values[0].numel() == out.numel():
        cands.append(lambda: values[0].reshape(out.shape))  # reading x in memory order
    for cand in cands:
        got = _try(cand)
        if got is not None and tuple(got.shape) == tuple(out.shape):
            w = pick(got)
            if w != answer and w not in wrong:
                wrong.append(w)
    if not wrong:
        wrong.append(answer + 1 if index is not None else _to_py((out + 1).tolist()))

    float_kw = ", dtype=torch.float" if p.reduction == "mean" else ""
    lines = []
    for o, v in zip(p.operands, values):
        head = f"{o.name} = torch.tensor("
        lines.append(head + tensor_literal(_to_py(v.tolist()), len(head)) + f"{float_kw})")
    code = "\n".join(lines) + "\n" + call_code(p, repr(p.pattern))
    rounding = "" if integral else " (round to 2 decimals)"
    show = (lambda x: x) if integral else _round2  # shown answers match the rounding asked for
    if index is None:
        prompt = f"{_given(p, 'value')} After running the code below, what is `{target}`? Write it as a nested list{rounding}."
        check = ArrayCheck(answer, atol=1e-6 if integral else 0.006)
        shown = show(answer)
        text, wtext = format_array(shown), [format_array(show(w)) for w in wrong]
        alts = tuple(dict.fromkeys((str(answer).replace(" ", ""), format_array(shown).replace(" ", ""))))
    else:
        prompt = f"{_given(p, 'value')} After running the code below, what is `{target}{_index_text(index)}`?{rounding}"
        check = NumberCheck(float(answer), atol=1e-3 if integral else 0.006, rtol=0.0)
        text, wtext = format_number(show(answer)), [format_number(show(w)) for w in wrong]
        alts = (f"{float(answer):.2f}",)
    example = index or tuple(rng.randrange(d) for d in out.shape)
    params.update(values=[_to_py(v.tolist()) for v in values], piece=piece, index=list(index) if index else None)
    return Variant(
        family=fid,
        form=form,
        seed=seed,
        params=params,
        prompt=prompt,
        code=code,
        answer=answer,
        answer_text=text,
        checker=check,
        explanation=p.explanation,
        hints=(p.idea, f"First the shape: `{target}` has shape {shape_text(out.shape)}.", _value_hint(p, piece, target, example)),
        distractors=tuple(wtext[:3]),
        alternatives=alts,
    )


def _value_hint(p: Problem, piece: int | None, target: str, idx: tuple[int, ...]) -> str:
    """Where one entry of the result comes from, found by running the call on indices."""
    if p.value_hint:
        return p.value_hint
    lhs, rhs = (p.pattern.split("->") + [""])[:2]
    if p.op in ("reduce", "einsum"):
        gone = [t for t in dict.fromkeys(_TOKEN.findall(lhs)) if t not in _TOKEN.findall(rhs) and t not in "(),"]
        gone_text = ", ".join(f"`{t}`" for t in gone)
        if p.op == "einsum":
            return f"Each entry sums, over {gone_text}, the products of the matching entries of the inputs."
        return f"Each entry is the {p.reduction} over {gone_text} of the entries that share its other indices."
    import torch

    srcs, start = [], 0
    for o in p.operands:
        n = math.prod(o.shape)
        srcs.append(torch.arange(start, start + n, dtype=torch.float64).reshape(o.shape))
        start += n
    flat = int(_pick(execute(p, srcs), piece)[idx].item())
    for o, s in zip(p.operands, srcs):
        n = s.numel()
        first = int(s.reshape(-1)[0].item()) if n else 0
        if first <= flat < first + n:
            rest, where = flat - first, []
            for d in reversed(o.shape):
                where.append(rest % d)
                rest //= d
            return f"`{target}{_index_text(idx)}` is `{o.name}{_index_text(where[::-1])}`; the other entries follow the same rule."
    raise AssertionError("source entry not found")  # pragma: no cover


_BUILDERS = {"write": _write, "shape": _shape, "value": _value}


def einops_family(
    fid: str,
    title: str,
    draw: Callable[[random.Random, str], Problem],
    *,
    difficulty: int,
    summary: str,
    code_spec: CodeSpec | None = None,
    tags: tuple[str, ...] = (),
) -> Family:
    """Register an einops family whose ``draw(rng, form)`` returns a :class:`Problem`."""

    def make(rng: random.Random, form: str, seed: int) -> Variant:
        p = draw(rng, form)
        params = {
            "op": p.op,
            "pattern": p.pattern,
            "reduction": p.reduction,
            "lengths": {n: p.sizes[n] for n in p.lengths},
            "operands": [o.name for o in p.operands],
            "shapes": [list(o.shape) for o in p.operands],
            "packed_shapes": [list(s) for s in p.packed_shapes],
            "sizes": dict(p.sizes),
        }
        return _BUILDERS[form](fid, form, seed, rng, p, params)

    return (
        Family(id=fid, title=title, make=make, forms=FORMS, difficulty=difficulty, summary=summary,
               code_spec=code_spec, tags=("einops", *tags))
    )


# ------------------------------------------------------------------------- code specs


def torch_randn(rng: random.Random, *shape: int):
    """A float32 tensor of normal values, seeded from ``rng`` (so cases are reproducible)."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    return torch.randn(shape, generator=g)
