"""Reading a found call's pattern, drawing consistent sizes for it, and running it.

The structure of a pattern (its operands' axes, groups, ellipsis) is parsed here only to
*draw* inputs of the right rank and to name axes in questions; every shape the learner is
asked about comes from running the call (torch.einsum, numpy.einsum or einops) on tensors of
those sizes, and the run is compared with the structure, so a pattern this module misreads
is skipped instead of producing a wrong card.

Sizes are distinct per axis (and a merged group's size differs from every single axis), so a
transposed or wrongly merged answer cannot pass; sizes the code fixes — ``h=8`` or ``(h 2)`` —
are respected, and ``...`` covers 0 to 2 extra axes.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from cardgen.fromcode.scan import Call
from exercises.checking import format_shape as shape_text

ELL = "..."
MAX_NUMEL = 4_000_000
_EINOPS_TOKEN = re.compile(r"\.\.\.|\(|\)|\*|[A-Za-z_]\w*|\d+|\S")


class PatternError(ValueError):
    """The pattern cannot be turned into exercises; the message says why."""


# ----------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Item:
    """One axis of a tensor as a pattern writes it: a name, a number, ``...``, ``*``, or a
    parenthesised group of those (``grouped``)."""

    members: tuple[str, ...]
    grouped: bool = False

    @property
    def names(self) -> list[str]:
        return [m for m in self.members if m not in (ELL, "*") and not m.isdigit()]

    def text(self) -> str:
        inner = " ".join(self.members)
        return f"({inner})" if self.grouped else inner


Side = tuple[Item, ...]


@dataclass(frozen=True)
class Structure:
    """The parsed pattern: the axes of each input and of the result (None for pack)."""

    inputs: tuple[Side, ...]
    output: Side | None
    letters: bool  # einsum-string style (one letter per axis, no spaces needed)

    @property
    def names(self) -> list[str]:
        """Axis names in order of first appearance (``...`` and numbers excluded)."""
        seen: dict[str, None] = {}
        for side in (*self.inputs, *((self.output,) if self.output is not None else ())):
            for item in side:
                for n in item.names:
                    seen.setdefault(n, None)
        return list(seen)

    @property
    def has_ellipsis(self) -> bool:
        sides = (*self.inputs, *((self.output,) if self.output is not None else ()))
        return any(ELL in item.members for side in sides for item in side)

    def input_names(self) -> list[str]:
        return list(dict.fromkeys(n for side in self.inputs for item in side for n in item.names))

    def output_names(self) -> list[str]:
        return [n for item in (self.output or ()) for n in item.names]


def parse_einsum(pattern: str) -> Structure:
    """An einsum string (torch / numpy): letters, ``...``, commas and one ``->``; an implicit
    output (no ``->``) follows the library rule: ``...`` then letters used once, sorted."""
    s = "".join(pattern.split())
    if s.count("->") > 1:
        raise PatternError("more than one '->'")
    lhs, arrow, rhs = s.partition("->")

    def term(t: str) -> Side:
        out: list[Item] = []
        i = 0
        while i < len(t):
            if t.startswith(ELL, i):
                out.append(Item((ELL,)))
                i += 3
            elif t[i].isascii() and t[i].isalpha():
                out.append(Item((t[i],)))
                i += 1
            else:
                raise PatternError(f"unexpected character {t[i]!r} in the einsum string")
        if sum(ELL in it.members for it in out) > 1:
            raise PatternError("more than one '...' in one operand")
        return tuple(out)

    inputs = tuple(term(t) for t in lhs.split(","))
    counts: dict[str, int] = {}
    for side in inputs:
        for it in side:
            counts[it.members[0]] = counts.get(it.members[0], 0) + 1
    if arrow:
        output = term(rhs)
    else:
        ell = [Item((ELL,))] if ELL in counts else []
        output = tuple(ell + [Item((c,)) for c in sorted(c for c, n in counts.items() if n == 1 and c != ELL)])
    outs = [it.members[0] for it in output]
    for c in outs:
        if c not in counts:
            raise PatternError(f"output axis {c!r} appears in no operand")
    if len(set(outs)) != len(outs):
        raise PatternError("an output axis is repeated")
    return Structure(inputs, output, letters=True)


def _einops_side(text: str, allow_star: bool = False) -> Side:
    items: list[Item] = []
    group: list[str] | None = None
    for tok in _EINOPS_TOKEN.findall(text):
        if tok == "(":
            if group is not None:
                raise PatternError("nested parentheses")
            group = []
        elif tok == ")":
            if group is None:
                raise PatternError("unbalanced ')'")
            items.append(Item(tuple(group), grouped=True))
            group = None
        elif tok == "*" and not allow_star:
            raise PatternError("'*' is only allowed in pack patterns")
        elif not (tok in (ELL, "*") or tok.isdigit() or re.fullmatch(r"[A-Za-z_]\w*", tok)):
            raise PatternError(f"unexpected {tok!r} in the pattern")
        elif group is not None:
            group.append(tok)
        else:
            items.append(Item((tok,)))
    if group is not None:
        raise PatternError("unbalanced '('")
    return tuple(items)


def parse_einops(op: str, pattern: str) -> Structure:
    """An einops pattern for ``op`` (rearrange, reduce, repeat, einsum or pack)."""
    if op == "pack":
        if "->" in pattern:
            raise PatternError("a pack pattern has no '->'")
        side = _einops_side(pattern, allow_star=True)
        if sum(it.members == ("*",) for it in side) != 1 or any(it.grouped for it in side):
            raise PatternError("a pack pattern has exactly one '*' and no parentheses")
        return Structure((side,), None, letters=False)
    if pattern.count("->") != 1:
        raise PatternError("the pattern needs exactly one '->'")
    lhs, rhs = pattern.split("->")
    parts = lhs.split(",") if op == "einsum" else [lhs]
    inputs = tuple(_einops_side(p) for p in parts)
    output = _einops_side(rhs)
    if op == "einsum" and any(it.grouped for side in (*inputs, output) for it in side):
        raise PatternError("einops.einsum patterns have no parentheses")
    return Structure(inputs, output, letters=False)


def structure_of(call: Call) -> Structure:
    if call.op == "einsum" and call.library in ("torch", "numpy"):
        return parse_einsum(call.pattern)
    return parse_einops(call.op, call.pattern)


def axes_text(side: Side) -> str:
    """``(b, h·d, …)``: a layout in words (a group's members joined by ``·``)."""
    parts = []
    for it in side:
        if it.grouped:
            parts.append("·".join(it.members) if it.members else "1")
        else:
            parts.append(it.members[0])
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def side_text(side: Side, letters: bool) -> str:
    return ("" if letters else " ").join(it.text() for it in side)


# ----------------------------------------------------------------------------- drawing


@dataclass
class Draw:
    """Concrete inputs for one variant: sizes of every axis and the tensors' shapes."""

    structure: Structure
    sizes: dict[str, int]  # every named axis
    ell: tuple[int, ...]  # the axes that ``...`` covers
    shapes: list[tuple[int, ...]]  # one per tensor argument
    names: list[str]  # the tensors' variable names in the snippet
    result: str  # the result's variable name
    lengths: dict[str, int] = field(default_factory=dict)  # keyword axis lengths of the call
    reduction: str | None = None
    stars: list[tuple[int, ...]] = field(default_factory=list)  # pack: what `*` covers per input
    out_shape: tuple[int, ...] = ()
    layer_name: str = "layer"  # an einops layer's variable (Rearrange/Reduce)

    @property
    def same_as(self) -> tuple[int, ...]:
        """For each operand, the index of its first occurrence (``W`` passed twice is one tensor)."""
        return tuple(self.names.index(n) for n in self.names)


_RESERVED = {"torch", "np", "numpy", "einops", "pack", "rearrange", "reduce", "repeat", "einsum", "ps"}


def _operand_names(call: Call, n: int) -> list[str]:
    """Variable names for ``n`` tensor arguments: the code's own when it names them plainly."""
    generic = ["x", "y", "z", "u", "v", "w"] if n <= 6 else [f"t{i}" for i in range(n)]
    if n == 1:
        generic = ["x"]
    if call.operands_known and len(call.operands) == n:
        names = [o if o and o not in _RESERVED else None for o in call.operands]
    else:
        names = [None] * n
    out: list[str] = []
    spare = [g for g in generic if g not in names]
    for name in names:
        if name is None:
            name = spare.pop(0) if spare else f"t{len(out)}"
        out.append(name)
    return out


def _result_name(call: Call, operands: list[str]) -> str:
    for cand in (call.result, "out", "result", "res"):
        if cand and cand not in operands and cand not in _RESERVED:
            return cand
    return "out_"


def _distinct(rng: random.Random, n: int, exclude: set[int], low: int = 2) -> list[int]:
    high = max(9, low + n + len(exclude))
    pool = [v for v in range(low, high + 1) if v not in exclude]
    return rng.sample(pool, n)


def _item_size(it: Item, sizes: dict[str, int], ell: tuple[int, ...]) -> list[int]:
    """The dimension(s) one item stands for: an ungrouped ``...`` is several."""
    if not it.grouped and it.members == (ELL,):
        return list(ell)
    n = 1
    for m in it.members:
        n *= math.prod(ell) if m == ELL else int(m) if m.isdigit() else sizes[m]
    return [n]


def shape_of(side: Side, sizes: dict[str, int], ell: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for it in side for d in _item_size(it, sizes, ell))


def _einsum_classes(st: Structure, names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Letters that must share a size because one tensor is passed twice (``W`` as both
    ``ifh`` and ``igh``): a map letter -> representative. ``names`` is updated so a tensor
    that cannot be the same (different rank) gets its own name."""
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name not in first:
            first[name] = i
            continue
        a, b = st.inputs[first[name]], st.inputs[i]
        same_layout = len(a) == len(b) and all((x.members == (ELL,)) == (y.members == (ELL,)) for x, y in zip(a, b))
        if not same_layout:
            k = 2
            while f"{name}_{k}" in names:
                k += 1
            names[i] = f"{name}_{k}"
            continue
        for x, y in zip(a, b):
            if x.members != (ELL,):
                ra, rb = find(x.members[0]), find(y.members[0])
                if ra != rb:
                    parent[rb] = ra
    return {c: find(c) for c in st.names}, names


def draw(call: Call, st: Structure, rng: random.Random) -> Draw:
    """Sizes and shapes for one variant of ``call``, with the output shape from a real run."""
    n_in = len(st.inputs)
    fixed = {k: v for k, v in call.lengths if v is not None}
    numbers = {int(m) for side in st.inputs for it in side for m in it.members if m.isdigit()}
    if st.output is not None:
        numbers |= {int(m) for it in st.output for m in it.members if m.isdigit()}

    if call.op == "pack":
        n_tensors = len(call.operands) if call.operands_known and call.operands else 2
        names = _operand_names(call, n_tensors)
    else:
        names = _operand_names(call, n_in)
    rep = {n: n for n in st.names}
    if call.op == "einsum":
        rep, names = _einsum_classes(st, names)
    free = [n for n in dict.fromkeys(rep[n] for n in st.names) if n not in fixed]
    n_ell = rng.choice((0, 1, 2)) if st.has_ellipsis else 0

    groups = [it for side in (*st.inputs, *((st.output,) if st.output else ())) for it in side
              if it.grouped and len(it.members) > 1]
    exclude = set(fixed.values()) | numbers | {1}
    for _ in range(50):
        values = _distinct(rng, len(free) + n_ell, exclude)
        sizes = {**fixed, **dict(zip(free, values))}
        sizes = {n: sizes[rep[n]] for n in st.names}
        ell = tuple(values[len(free):])
        singles = set(sizes.values()) | set(ell)
        if all(_item_size(g, sizes, ell)[0] not in singles for g in groups):
            break

    stars: list[tuple[int, ...]] = []
    if call.op == "pack":
        by_name: dict[str, tuple[int, ...]] = {}
        for name in names:
            if name not in by_name:
                k = rng.choice((0, 1, 2))
                by_name[name] = tuple(_distinct(rng, k, set(sizes.values())))
            stars.append(by_name[name])
        side = st.inputs[0]
        shapes = [tuple(d for it in side for d in (star if it.members == ("*",) else _item_size(it, sizes, ell)))
                  for star in stars]
    else:
        shapes = [shape_of(side, sizes, ell) for side in st.inputs]
    if any(math.prod(s) > MAX_NUMEL for s in shapes):
        raise PatternError("too many axes to draw small example tensors")

    lengths: dict[str, int] = {}
    if call.op in ("rearrange", "reduce", "repeat"):
        lengths = {k: sizes[k] for k, _ in call.lengths if k in sizes}
        unknown_code = [k for k, _ in call.lengths if k not in sizes]
        if unknown_code:
            raise PatternError(f"the call passes a length for {unknown_code[0]!r}, which the pattern does not name")
        lengths.update({k: sizes[k] for k in needed_lengths(st, lengths) if k not in lengths})
    reduction = None
    if call.op == "reduce":
        reduction = call.reduction if call.reduction_literal and call.reduction else "sum"

    if call.layer:
        layer_name = call.result if call.result and call.result not in names + list(_RESERVED) else "layer"
        result = next(r for r in ("out", "y", "result") if r not in names + [layer_name])
    else:
        layer_name, result = "layer", _result_name(call, names)
    d = Draw(st, sizes, ell, shapes, names, result, lengths, reduction, stars, layer_name=layer_name)
    d.out_shape = tuple(run(call, d).shape)
    expected = predicted_shape(st, d)
    if d.out_shape != expected:
        raise PatternError(
            f"running it gave shape {shape_text(d.out_shape)}, but its pattern reads as {shape_text(expected)}"
        )
    return d


def needed_lengths(st: Structure, known: dict[str, int]) -> list[str]:
    """Axis lengths einops cannot infer: new axes on the right, and all but one unknown
    member of each group on the left."""
    lhs = set(st.input_names())
    out = [n for n in st.output_names() if n not in lhs and n not in known]
    for it in st.inputs[0]:
        if it.grouped:
            unknown = [m for m in it.names if m not in known]
            out += unknown[:-1]
    return list(dict.fromkeys(out))


def predicted_shape(st: Structure, d: Draw) -> tuple[int, ...]:
    if st.output is None:  # pack
        side = st.inputs[0]
        out = []
        for it in side:
            if it.members == ("*",):
                out.append(sum(math.prod(s) for s in d.stars))
            else:
                out += _item_size(it, d.sizes, d.ell)
        return tuple(out)
    return shape_of(st.output, d.sizes, d.ell)


# ----------------------------------------------------------------------------- running


def run(call: Call, d: Draw, pattern: str | None = None) -> Any:
    """Run the call (or ``pattern`` in its place) on zero tensors of the drawn shapes."""
    pat = call.pattern if pattern is None else pattern
    try:
        if call.library == "numpy":
            import numpy as np

            return np.einsum(pat, *[np.zeros(s) for s in _operands(d)])
        import torch

        ops = [torch.zeros(s, dtype=torch.float32) for s in _operands(d)]
        if call.library == "torch":
            return torch.einsum(pat, *ops)
        import einops

        if call.op == "einsum":
            return einops.einsum(*ops, pat)
        if call.op == "pack":
            return einops.pack(ops, pat)[0]
        if call.op == "rearrange":
            return einops.rearrange(ops[0], pat, **d.lengths)
        if call.op == "reduce":
            return einops.reduce(ops[0], pat, d.reduction, **d.lengths)
        if call.op == "repeat":
            return einops.repeat(ops[0], pat, **d.lengths)
    except Exception as e:  # the library's own error, e.g. an invalid pattern
        msg = " ".join(line.strip() for line in str(e).splitlines() if line.strip())
        raise PatternError(f"{call.api} fails on it: {msg[:200]}") from None
    raise PatternError(f"unknown op {call.op!r}")  # pragma: no cover


def _operands(d: Draw) -> list[tuple[int, ...]]:
    """The shapes passed, with one tensor passed twice given the same shape both times."""
    return [d.shapes[i] for i in d.same_as]


def pack_shapes(call: Call, d: Draw) -> list[tuple[int, ...]]:
    """``ps`` of a pack call, by running einops.pack."""
    import einops
    import torch

    _, ps = einops.pack([torch.zeros(s) for s in d.shapes], call.pattern)
    return [tuple(int(x) for x in p) for p in ps]
