"""Drawing consistent sizes for a found call's pattern, and running it.

The pattern is parsed by the one engine, :mod:`exercises.patterns`, only to *draw* inputs of
the right rank and to name axes in questions; every shape the learner is asked about comes
from running the call (torch.einsum, numpy.einsum or einops) on tensors of those sizes, and
the run is compared with the structure, so a pattern misread here is skipped instead of
producing a wrong card.

Sizes are distinct per axis (and a merged group's size differs from every single axis), so a
transposed or wrongly merged answer cannot pass; sizes the code fixes — ``h=8`` or ``(h 2)`` —
are respected, and ``...`` covers 0 to 2 extra axes.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from cardgen.fromcode.scan import Call
from exercises.checking import format_shape as shape_text
from exercises.patterns import (  # noqa: F401 - re-exported for the from-code modules
    ELL,
    Item,
    Pattern,
    PatternError,
    Side,
    axes_text,
    error_text,
    item_dims,
    parse,
    run as run_pattern,
    shape_of,
)

MAX_NUMEL = 4_000_000
#: A call's parsed pattern (the engine's :class:`~exercises.patterns.Pattern`).
Structure = Pattern


def structure_of(call: Call) -> Pattern:
    return parse(call.op, call.pattern, call.library)


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
    pieces: list[str] = field(default_factory=list)  # unpack: the pieces' variable names
    piece_shapes: list[tuple[int, ...]] = field(default_factory=list)  # unpack: from the run

    @property
    def same_as(self) -> tuple[int, ...]:
        """For each operand, the index of its first occurrence (``W`` passed twice is one tensor)."""
        return tuple(self.names.index(n) for n in self.names)


_RESERVED = {"torch", "np", "numpy", "einops", "pack", "unpack", "rearrange", "reduce", "repeat", "einsum", "ps"}


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


def draw_inputs(call: Call, st: Structure, rng: random.Random) -> Draw:
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
    # `...` and `*` cover 0-2 drawn axes; when that makes a tensor too big, draw again without them
    # (a `...` that is summed or reduced away covers at least one axis: else the call does nothing)
    for extra in (((1, 2) if st.ellipsis_removed() else (0, 1, 2)), (0,)):
        n_ell = rng.choice(extra) if st.has_ellipsis else 0

        groups = [it for side in (*st.inputs, *((st.output,) if st.output else ())) for it in side
                  if it.grouped and len(it.members) > 1]
        exclude = set(fixed.values()) | numbers | {1}
        for _ in range(50):
            values = _distinct(rng, len(free) + n_ell, exclude)
            sizes = {**fixed, **dict(zip(free, values))}
            sizes = {n: sizes[rep[n]] for n in st.names}
            ell = tuple(values[len(free):])
            singles = set(sizes.values()) | set(ell)
            if all(item_dims(g, sizes, ell)[0] not in singles for g in groups):
                break

        stars: list[tuple[int, ...]] = []
        pieces: list[str] = []
        if call.op == "unpack":  # one packed tensor; each piece's `*` axes drawn
            pieces = _piece_names(call, names)
            stars = [tuple(_distinct(rng, rng.choice(extra), set(sizes.values()))) for _ in pieces]
            shapes = [_packed_shape(st.inputs[0], sizes, ell, _joined(stars))]
        elif call.op == "pack":
            by_name: dict[str, tuple[int, ...]] = {}
            for name in names:
                if name not in by_name:
                    k = rng.choice(extra)
                    by_name[name] = tuple(_distinct(rng, k, set(sizes.values())))
                stars.append(by_name[name])
            side = st.inputs[0]
            shapes = [tuple(d for it in side for d in (star if it.members == ("*",) else item_dims(it, sizes, ell)))
                      for star in stars]
        else:
            shapes = [shape_of(side, sizes, ell) for side in st.inputs]
        if all(math.prod(s) <= MAX_NUMEL for s in shapes):
            break
    else:
        raise PatternError("too many axes to draw small example tensors")

    lengths: dict[str, int] = {}
    if call.op in ("rearrange", "reduce", "repeat", "einmix"):
        lengths = {k: sizes[k] for k, _ in call.lengths if k in sizes}
        unknown_code = [k for k, _ in call.lengths if k not in sizes]
        if unknown_code:
            raise PatternError(f"the call passes a length for {unknown_code[0]!r}, which the pattern does not name")
        lengths.update({k: sizes[k] for k in st.needed_lengths(lengths) if k not in lengths})
        if call.op == "einmix":  # EinMix needs the length of every weight axis
            weight = [n for it in parse("rearrange", f"{call.weight_shape} -> ").inputs[0] for n in it.names]
            missing = [n for n in weight if n not in sizes]
            if missing:
                raise PatternError(f"weight_shape names {missing[0]!r}, which the pattern does not name")
            lengths.update({n: sizes[n] for n in weight if n not in lengths})
    reduction = None
    if call.op == "reduce":
        reduction = call.reduction if call.reduction_literal and call.reduction else "sum"

    if call.layer:
        layer_name = call.result if call.result and call.result not in names + list(_RESERVED) else "layer"
        result = next(r for r in ("out", "y", "result") if r not in names + [layer_name])
    else:
        layer_name, result = "layer", _result_name(call, names)
    if pieces:
        result = pieces[0]
    d = Draw(st, sizes, ell, shapes, names, result, lengths, reduction, stars, layer_name=layer_name,
             pieces=pieces)
    out = run(call, d)
    if call.op == "unpack":
        d.piece_shapes = [tuple(p.shape) for p in out]
        want = [_packed_shape(st.inputs[0], sizes, ell, [s]) for s in stars]
        if d.piece_shapes != want:
            raise PatternError(f"running it gave pieces of shapes {d.piece_shapes}, but its pattern reads as {want}")
        d.out_shape = d.piece_shapes[0]
        return d
    d.out_shape = tuple(out.shape)
    expected = predicted_shape(st, d)
    if d.out_shape != expected:
        raise PatternError(
            f"running it gave shape {shape_text(d.out_shape)}, but its pattern reads as {shape_text(expected)}"
        )
    return d


def _packed_shape(side: Side, sizes: dict[str, int], ell: tuple[int, ...],
                  stars: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The shape a pack pattern describes: its named axes, with ``stars[0]`` at ``*`` (pass
    :func:`_joined` for the packed tensor, one piece's axes for that piece)."""
    out: list[int] = []
    for it in side:
        if it.members == ("*",):
            out += list(stars[0])
        else:
            out += item_dims(it, sizes, ell)
    return tuple(out)


def _joined(stars: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The ``*`` part of a packed tensor: one axis holding every piece's entries."""
    return [(sum(math.prod(s) for s in stars),)]


def _piece_names(call: Call, taken: list[str]) -> list[str]:
    """unpack's pieces: the code's own variable names, generic ones for `_` (or when unknown)."""
    given = list(call.pieces) or [None, None]
    spare = [n for n in ("p0", "p1", "p2", "p3", "p4", "p5") if n not in given and n not in taken]
    out = []
    for name in given:
        if name is None or name in taken or name in out or name in _RESERVED:
            name = spare.pop(0) if spare else f"piece{len(out)}"
        out.append(name)
    return out


def predicted_shape(st: Structure, d: Draw) -> tuple[int, ...]:
    if st.output is None:  # pack
        return _packed_shape(st.inputs[0], d.sizes, d.ell, _joined(d.stars))
    return shape_of(st.output, d.sizes, d.ell)


# ----------------------------------------------------------------------------- running


def run(call: Call, d: Draw, pattern: str | None = None) -> Any:
    """Run the call (or ``pattern`` in its place) on zero tensors of the drawn shapes."""
    if call.library == "numpy":
        import numpy as np

        ops = [np.zeros(s) for s in _operands(d)]
    else:
        import torch

        ops = [torch.zeros(s, dtype=torch.float32) for s in _operands(d)]
    try:
        return run_pattern(call.op, call.pattern if pattern is None else pattern, ops, library=call.library,
                           reduction=d.reduction, lengths=d.lengths, packed_shapes=d.stars,
                           weight_shape=call.weight_shape, bias_shape=call.bias_shape)
    except PatternError:
        raise
    except Exception as e:  # the library's own error, e.g. an invalid pattern
        raise PatternError(f"{call.api} fails on it: {error_text(e)[:200]}") from None


def _operands(d: Draw) -> list[tuple[int, ...]]:
    """The shapes passed, with one tensor passed twice given the same shape both times."""
    return [d.shapes[i] for i in d.same_as]


def pack_shapes(call: Call, d: Draw) -> list[tuple[int, ...]]:
    """``ps`` of a pack call, by running einops.pack."""
    import einops
    import torch

    _, ps = einops.pack([torch.zeros(s) for s in d.shapes], call.pattern)
    return [tuple(int(x) for x in p) for p in ps]
