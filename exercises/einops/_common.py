"""The shared builder of the einops families.

A family module defines ``problem(rng, form)``, which returns a :class:`Problem` — one einops
call described with named axes, its sizes, a sentence saying what it computes, hints, plausible
wrong patterns and the family's classic mistakes as code — and declares
``FAMILY = Family(..., make=einops_maker(problem))``. This module turns a Problem into the
three forms:

- ``write``: what is computed (in words, a convention or a tiny example) and the operands'
  layouts, with the pattern left blank; the result's layout and shape are never printed, so the
  learner decides grouping and order. Judged by :class:`~exercises.checking.EinopsCheck`, so any
  equivalent pattern is right;
- ``shape``: a concrete call; the learner predicts the result's shape;
- ``value``: tiny integer tensors; the learner computes the result or one entry of it, asked
  where every classic mistake gives an answer the checker rejects.

Every answer comes from running einops on torch tensors. torch and einops are imported
inside the functions (absolute ``import einops`` is the library, not this package), so
importing a family module stays cheap.
"""
from __future__ import annotations

import inspect
import itertools
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from exercises.base import Variant
from exercises.calls import call_expr, call_lines
from exercises.checking import (
    ArrayCheck,
    EinopsCheck,
    NumberCheck,
    Precision,
    ShapeCheck,
    format_array,
    format_number,
)
from exercises.checking import format_shape as shape_text  # noqa: F401 - the family modules import it from here
from exercises.patterns import axes_text, groups, parse, rename, run, shape_of  # noqa: F401 - re-exported to the family modules

FORMS = ("write", "shape", "value")
#: The forms of a family whose write form is retired (issue 18): its pattern is printed by the card
#: itself whatever the wording — pack's is the pieces' shared axes with `*` where they differ, unpack's
#: the packed tensor's axes with `*` at the one whose size is the pieces' total (``ps``), unflatten's
#: the printed shape read by the printed sizes — so a stranger copies it (measured in the README).
#: Their shape and value forms ask the same operation and stay; the old write notes retire.
FORMS_WITHOUT_WRITE = ("shape", "value")
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
    "frame": ("t", "frames", "n_frames"),
}

_IDENT = re.compile(r"[A-Za-z_]\w*")


# ------------------------------------------------------------------------- drawing


def pick_names(rng: random.Random, *roles: str, style: str | None = None, avoid: str = "") -> list[str]:
    """Distinct axis names for ``roles`` in one consistent style ("short" or "long").

    No name is a word of ``avoid`` (the card's prose): a name the prose happens to use, like "batch"
    in "batch-first", would print the answer's order for anyone copying names off the card.
    """
    style = style or rng.choice(["short", "long"])
    words = set(re.findall(r"[a-z_]+", avoid.lower()))
    out: list[str] = []
    for role in roles:
        spell = [n for n in NAMES[role] if n not in words] or list(NAMES[role])
        pool = [n for n in spell if n in (NAMES[role][:1] if style == "short" else NAMES[role][1:])]
        pool = [n for n in pool if n not in out] or [n for n in spell if n not in out]
        out.append(rng.choice(pool))
    return out


def small_sizes(rng: random.Random, n: int) -> list[int]:
    """Sizes for the value form: distinct and tiny (at most 24 entries in all)."""
    return rng.sample(range(2, 5), n) if n <= 3 else rng.sample(range(1, 5), n)


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
    shape_hints: list[str] | None = None  # overrides the generic shape hints
    value_hint: str | None = None  # overrides the generic last value hint
    value_range: tuple[int, int] = (0, 9)
    distinct_values: bool = False  # value form: no repeated entries (e.g. so a max is not always 9)
    result: str = "y"
    mistakes: list["Slip"] = field(default_factory=list)  # the classic mistakes, as code
    task: str = ""  # the task form's problem sentence for this problem (overrides the family's)
    task_solutions: tuple[str, ...] = ()  # more idioms the task form shows where they verify (repeat_interleave...)


@dataclass(frozen=True)
class Slip:
    """A classic mistake as code: ``run(p, tensors, answer)`` returns what the mistaken call gives.

    Value cards are drawn so that every slip's result is rejected; write and shape cards list the
    slips whose pattern (or shape) differs from the answer.
    """

    what: str
    run: Callable[["Problem", Sequence[Any], Any], Any]
    pattern: str | None = None  # the wrong pattern, when the slip is one


def unique_slips(slips: Sequence[Slip]) -> list[Slip]:
    """The slips with the first description kept where several are the same wrong pattern."""
    seen: set[str] = set()
    out = []
    for slip in slips:
        if slip.pattern is None or slip.pattern not in seen:
            out.append(slip)
            seen.add(slip.pattern or "")
    return out


def wrong_pattern(what: str, pattern: str, reduction: str | None = None) -> Slip:
    """The problem's call with ``pattern`` (and ``reduction``) in place of the right ones."""
    # a slip in the reduction is no wrong *pattern*: write cards do not list it
    return Slip(what, lambda p, xs, out: execute(p, xs, pattern, reduction), None if reduction else pattern)


def reshape_slip(what: str = "a plain reshape to the result's shape, without moving any axis") -> Slip:
    """Reading the input in memory order, as ``x.reshape(result.shape)`` does."""
    return Slip(what, lambda p, xs, out: xs[0].reshape(out.shape))


def same_index_slip(what: str = "reading the input at the same index, as if nothing moved") -> Slip:
    """The asked entry taken from the input unchanged (only meaningful where the index exists)."""
    return Slip(what, lambda p, xs, out: xs[0])


# ------------------------------------------------------------------------- running


def execute(p: Problem, tensors: Sequence[Any], pattern: str | None = None, reduction: str | None = None):
    """Run the problem's einops call (or ``pattern`` in its place) on ``tensors``."""
    return run(p.op, p.pattern if pattern is None else pattern, tensors, reduction=reduction or p.reduction,
               lengths={n: p.sizes[n] for n in p.lengths}, packed_shapes=p.packed_shapes)


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


def _render_args(p: Problem, names: dict[str, str] | None) -> dict:
    names = names or {}
    return dict(reduction=repr(p.reduction) if p.op == "reduce" else None,
                lengths=[(names.get(n, n), p.sizes[n]) for n in p.lengths])


def call_code(p: Problem, pattern_text: str, names: dict[str, str] | None = None) -> str:
    """The call as a line of code (preceded by ``ps = ...`` for unpack), by the one renderer."""
    return "\n".join(call_lines(p.op, pattern_text, [o.name for o in p.operands], p.result,
                                 pieces=p.pieces, packed_shapes=p.packed_shapes, **_render_args(p, names)))


def _expr(p: Problem, pattern: str, names: dict[str, str] | None = None) -> str:
    """The call as one expression (a whole-call response to the write form)."""
    return call_expr(p.op, repr(pattern), [o.name for o in p.operands], **_render_args(p, names))


def _in_desc(p: Problem) -> str:
    if p.in_desc:
        return p.in_desc
    bits = []
    for o in p.operands:
        grouped = [t for g in groups(o.layout) if len(g) > 1 for t in g if not t.isdigit()]
        extra = " with " + ", ".join(f"{t}={p.sizes[t]}" for t in grouped) if grouped else ""
        bits.append(f"`{o.name}` has shape {shape_text(o.shape)}, axes {axes_text(o.layout)}{extra}.")
    return " ".join(bits)


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


def _write(fid: str, form: str, seed: int, rng: random.Random, p: Problem, params: dict) -> Variant | None:
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
    # the slips that are wrong patterns, kept where this variant's checker tells them apart
    mistakes = tuple((s.what, s.pattern) for s in unique_slips(p.mistakes) if s.pattern and not check.check(s.pattern).correct)
    params.update(out_shape=list(out_shape) if out_shape is not None else None)
    # The result's layout and shape are never printed: deciding them is the exercise.
    return Variant(
        family=fid,
        form=form,
        seed=seed,
        params=params,
        prompt=f"{p.what} {_in_desc(p)} Fill in the blank `{BLANK}` with the einops pattern.",
        code=call_code(p, BLANK),
        answer=p.pattern,
        answer_text=p.pattern,
        checker=check,
        explanation=p.explanation,
        hints=(p.idea, *p.write_hints),
        distractors=tuple(dict.fromkeys(w for w in wrong if not check.check(w).correct)),
        alternatives=tuple(dict.fromkeys(alts)),
        mistakes=mistakes,
    )


def _target(p: Problem, rng: random.Random) -> tuple[int | None, str]:
    if p.op == "unpack":
        k = rng.randrange(len(p.pieces))
        return k, p.pieces[k]
    return None, p.result


def _shape(fid: str, form: str, seed: int, rng: random.Random, p: Problem, params: dict) -> Variant | None:
    piece, target = _target(p, rng)
    zeros = _zeros(p)
    full = execute(p, zeros)
    shape = tuple(_pick(full, piece).shape)
    wrong: list[tuple[int, ...]] = []
    for pat in p.wrong:
        got = _try(lambda: tuple(_pick(execute(p, zeros, pat), piece).shape))
        if got is not None:
            wrong.append(got)
    mistakes = []
    for slip in unique_slips(p.mistakes):
        got = _try(lambda: tuple(_pick(slip.run(p, zeros, _pick(full, piece)), piece).shape))
        if got is not None and got != shape:
            mistakes.append((slip.what, shape_text(got)))
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
        mistakes=tuple(dict.fromkeys(mistakes)),
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


def precision_of(integral: bool) -> Precision:
    """The precision a value card asks for: integers exactly, anything else to 2 decimal places."""
    return Precision.exact() if integral else Precision.decimals(2)


def _draw_values(rng: random.Random, p: Problem) -> list:
    import torch

    lo, hi = p.value_range
    total = sum(math.prod(o.shape) for o in p.operands)
    pool = rng.sample(range(lo, hi + 1), total) if p.distinct_values and hi - lo + 1 >= total else None
    values, start = [], 0
    for o in p.operands:
        n = math.prod(o.shape)
        flat = pool[start:start + n] if pool else [rng.randint(lo, hi) for _ in range(n)]
        start += n
        values.append(torch.tensor(flat, dtype=torch.float64).reshape(o.shape))
    return values


def _slip_results(p: Problem, values: list, full: Any, piece: int | None) -> list[tuple[str, Any]]:
    """Each classic mistake run on these values: (what, tensor).

    Slips that do not run are left out, and so are slips that compute the very same function at these
    sizes (e.g. ``(h 2)`` versus ``(2 h)`` when ``h`` is 1): on this card they are no mistake.
    """
    import torch

    probe, start = [], 0
    for v in values:
        probe.append(torch.arange(start + 1, start + 1 + v.numel(), dtype=torch.float64).reshape(v.shape))
        start += v.numel()
    probe_out = _pick(execute(p, probe), piece)
    out = []
    for slip in unique_slips(p.mistakes):
        same = _try(lambda: _pick(slip.run(p, probe, probe_out), piece))
        if same is not None and same.shape == probe_out.shape and torch.equal(same, probe_out):
            continue
        got = _try(lambda: _pick(slip.run(p, values, _pick(full, piece)), piece))
        if got is not None:
            out.append((slip.what, got))
    return out


def reversed_group_slips(pattern: str, what: str = "the axes inside `{group}` in the wrong order") -> list[Slip]:
    """One slip per parenthesized group of ``pattern``: that group's axes reversed (``(d h)`` for ``(h d)``)."""
    lhs, rhs = pattern.split("->")
    slips = []
    for side in (0, 1):
        parts = [lhs, rhs]
        for m in re.finditer(r"\(([^()]*)\)", parts[side]):
            names = m.group(1).split()
            if len(names) < 2:
                continue
            parts2 = list(parts)
            parts2[side] = parts[side][:m.start()] + "(" + " ".join(names[::-1]) + ")" + parts[side][m.end():]
            slips.append(wrong_pattern(what.format(group=m.group(0)), f"{parts2[0].strip()} -> {parts2[1].strip()}"))
    return slips


def swapped_axes_slips(pattern: str) -> list[Slip]:
    """einsum slips: an operand read with its last two axes swapped, and the result's last two axes swapped."""
    lhs, rhs = (s.strip() for s in pattern.split("->"))
    ops = [o.strip().split() for o in lhs.split(",")]
    slips = []
    for i, names in enumerate(ops):
        if len(names) >= 2:
            new = [list(o) for o in ops]
            new[i] = names[:-2] + [names[-1], names[-2]]
            slips.append(wrong_pattern(f"operand {i + 1} read transposed (its last two axes swapped)",
                                       ", ".join(" ".join(o) for o in new) + f" -> {rhs}"))
    out = rhs.split()
    if len(out) >= 2:
        slips.append(wrong_pattern("the result's last two axes swapped",
                                   f"{lhs} -> {' '.join(out[:-2] + [out[-1], out[-2]])}"))
    return slips


def _at(t, index: tuple[int, ...]):
    """``t[index]`` as a float, or None where ``t`` has no such entry."""
    if t.ndim != len(index) or any(i >= d for i, d in zip(index, t.shape)):
        return None
    return float(t[index].item())


def _value(fid: str, form: str, seed: int, rng: random.Random, p: Problem, params: dict) -> Variant | None:
    """The value card, or None when these values leave a classic mistake undetectable (draw again)."""
    import torch

    values = _draw_values(rng, p)
    piece, target = _target(p, rng)
    full = execute(p, values)
    out = _pick(full, piece)
    slips = _slip_results(p, values, full, piece)
    whole = out.numel() <= 12 and out.ndim <= 3
    integral_all = bool(torch.all(out == out.round()))
    tol = 1e-6 if integral_all else 0.006  # a slip must miss by more than the precision allows
    if whole:
        index = None
        for _, got in slips:
            if tuple(got.shape) == tuple(out.shape) and torch.all((got - out).abs() <= tol):
                return None
    else:
        good, telling = [], []  # telling: every slip gives some (wrong) number there
        for idx in itertools.product(*(range(d) for d in out.shape)):
            if not any(idx) and len(idx) > 0:
                continue  # [0, …, 0] is where memory-order slips agree; never ask it
            a = float(out[idx].item())
            got_there = [_at(got, idx) for _, got in slips]
            if all(m is None or abs(m - a) > tol for m in got_there):
                good.append(idx)
                if all(m is not None for m in got_there):
                    telling.append(idx)
        if not good:
            return None
        index = rng.choice(telling or good)

    def pick(t) -> Any:
        return _to_py(t.tolist()) if index is None else _to_py(t[index].item())

    answer = pick(out)
    asked = out if index is None else out[index]
    integral = bool(torch.all(asked == asked.round()))
    precision = precision_of(integral)
    show = (lambda x: x) if integral else _round2  # shown answers match the precision asked for

    def response(t) -> str | None:
        if index is None:
            return format_array(show(_to_py(t.tolist())))
        m = _at(t, index)
        return None if m is None else format_number(show(_to_py(m)))

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
    if index is None:
        rounding = "" if integral else f", each entry {precision.text}"
        prompt = f"{_given(p, 'value')} After running the code below, what is `{target}`? Write it as a nested list{rounding}."
        check = ArrayCheck(answer, precision=None if integral else precision)
        shown = show(answer)
        text, wtext = format_array(shown), [format_array(show(w)) for w in wrong]
        alts = tuple(dict.fromkeys((str(answer).replace(" ", ""), format_array(shown).replace(" ", ""))))
    else:
        rounding = "" if integral else f" {precision.instruction}"
        prompt = f"{_given(p, 'value')} After running the code below, what is `{target}{_index_text(index)}`?{rounding}"
        check = NumberCheck(float(answer), precision=precision)
        text = format_number(answer) if integral else precision.format(answer)
        wtext = [format_number(show(w)) for w in wrong]
        alts = (f"{float(answer):.2f}",)
    mistakes = []
    for what, got in slips:
        r = response(got)
        if r is not None:
            if check.check(r).correct:
                return None  # the rounded slip still scores: draw again
            mistakes.append((what, r))
    if p.mistakes and not mistakes:
        return None  # every classic mistake is invisible on these values: draw again
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
        distractors=tuple(w for w in wtext[:3] if not check.check(w).correct),
        alternatives=alts,
        mistakes=tuple(dict.fromkeys(mistakes)),
    )


def _value_hint(p: Problem, piece: int | None, target: str, idx: tuple[int, ...]) -> str:
    """Where one entry of the result comes from, found by running the call on indices."""
    if p.value_hint:
        return p.value_hint
    if p.op in ("reduce", "einsum"):
        gone = parse(p.op, p.pattern).removed()
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
_ATTEMPTS = 200


def einops_maker(problem: Callable[[random.Random, str], Problem], task: str = "",
                 task_problem: Callable[..., Problem] | None = None) -> Callable[[random.Random, str, int], Variant]:
    """The ``make`` of the family whose module defines ``problem(rng, form)``.

    ``task`` is the family's problem sentence for the task form, in the learner's terms and never
    the tool (``{t0}``... name the operands, ``{red}`` the reduction, ``{<role>}`` a keyword length);
    the task form draws the value form's small problem and states it (:mod:`exercises.einops._task`),
    or, where given, ``task_problem(rng)`` (``task_problem(rng, seed=seed)`` where it takes the seed:
    a table drawn in balanced blocks): a problem drawn for the task form alone (its own cases,
    its sentence in ``Problem.task``), so the task varies more than the other forms without
    changing them. ``problem(rng, form, seed=seed)`` likewise where ``problem`` takes the seed (the
    fix form calls it without one).

    Problems are drawn from ``rng`` until one gives a card on which every classic mistake is
    rejected (value cards), so the card stays reproducible from the seed. The family id comes
    from the module, ``exercises.einops.<name>`` → ``einops.<name>``.
    """
    fid = problem.__module__.removeprefix("exercises.")
    takes_seed = task_problem is not None and "seed" in inspect.signature(task_problem).parameters
    # a family whose other forms draw a table of cases in balanced blocks takes the seed too
    problem_takes_seed = "seed" in inspect.signature(problem).parameters

    def make(rng: random.Random, form: str, seed: int) -> Variant:
        if form == "task":
            from exercises.einops._task import einops_task

            if task_problem is None:
                p = problem(rng, "value")
            else:  # a table drawn in balanced blocks takes the seed (see _task_cases.draw_balanced)
                p = task_problem(rng, seed=seed) if takes_seed else task_problem(rng)
            return einops_task(fid, seed, rng, p, p.task or task, _expr, unique_slips)
        for _ in range(_ATTEMPTS):
            p = problem(rng, form, seed=seed) if problem_takes_seed else problem(rng, form)
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
            v = _BUILDERS[form](fid, form, seed, rng, p, params)
            if v is not None:
                return v
        raise AssertionError(f"{fid}/{form}/{seed}: no draw separates every classic mistake from the answer")

    return make


# ------------------------------------------------------------------------- code specs


def torch_randn(rng: random.Random, *shape: int):
    """A float32 tensor of normal values, seeded from ``rng`` (so cases are reproducible)."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(62))
    return torch.randn(shape, generator=g)

