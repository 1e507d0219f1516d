"""The one pattern engine: parse, validate, describe and run einsum and einops patterns.

Every caller — the einsum and einops families, the checker and ``cardgen from-code`` — reads
patterns through :func:`parse` and runs them through :func:`run`, the way einops has one
parsed-expression class behind all its verbs. A :class:`Pattern` knows its operands' axes
(names, literal numbers, ``...``, pack's ``*``, parenthesised groups, anonymous ``()``) and its
result's; the answers themselves always come from :func:`run`, i.e. from torch, numpy or einops.

- einsum strings (torch / numpy): letters, ``...``, commas, an optional ``->`` (implicit mode:
  ``...`` then the letters used once, sorted — numpy's and torch's rule);
- einops patterns for rearrange, reduce, repeat, einsum (space-separated names), pack and
  unpack (one ``*``, no ``->``), and the EinMix layer (``weight_shape``, ``bias_shape``).
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

ELL = "..."
STAR = "*"
#: The ops :func:`run` dispatches, and which library's semantics each ``library`` value means.
OPS = ("einsum", "rearrange", "reduce", "repeat", "pack", "unpack", "einmix")
LIBRARIES = ("torch", "numpy", "einops")

_TOKEN = re.compile(r"\.\.\.|\(|\)|\*|[A-Za-z_]\w*|\d+|\S")
_NAME = re.compile(r"[A-Za-z_]\w*")


class PatternError(ValueError):
    """The pattern is not valid for its op; the message says why, quoting it."""


@dataclass(frozen=True)
class Item:
    """One axis of a tensor as a pattern writes it: a name, a number, ``...``, ``*``, or a
    parenthesised group of those (``grouped``; ``()`` is an empty group of size 1)."""

    members: tuple[str, ...]
    grouped: bool = False

    @property
    def names(self) -> list[str]:
        """The named axes in it (numbers, ``...`` and ``*`` are not names)."""
        return [m for m in self.members if m not in (ELL, STAR) and not m.isdigit()]

    @property
    def is_ellipsis(self) -> bool:
        return not self.grouped and self.members == (ELL,)

    def text(self) -> str:
        inner = " ".join(self.members)
        return f"({inner})" if self.grouped else inner


Side = tuple[Item, ...]


@dataclass(frozen=True)
class Pattern:
    """A parsed pattern: ``inputs`` (one side per operand) and ``output`` (None for pack and
    unpack, whose pattern describes one side of the packed tensor)."""

    op: str
    text: str
    inputs: tuple[Side, ...]
    output: Side | None
    letters: bool  # einsum-string style: one letter per axis, no spaces

    @property
    def sides(self) -> tuple[Side, ...]:
        return (*self.inputs, *((self.output,) if self.output is not None else ()))

    @property
    def names(self) -> list[str]:
        """Axis names in order of first appearance (``...``, ``*`` and numbers excluded)."""
        return list(dict.fromkeys(n for side in self.sides for item in side for n in item.names))

    @property
    def has_ellipsis(self) -> bool:
        return any(ELL in item.members for side in self.sides for item in side)

    def input_names(self) -> list[str]:
        return list(dict.fromkeys(n for side in self.inputs for item in side for n in item.names))

    def output_names(self) -> list[str]:
        return [n for item in (self.output or ()) for n in item.names]

    def removed(self) -> list[str]:
        """Axes on the left and not on the right: summed (einsum) or reduced (reduce); none
        for pack and unpack, whose pattern is one side."""
        if self.output is None:
            return []
        outs = set(self.output_names())
        return [n for n in self.input_names() if n not in outs]

    def new(self) -> list[str]:
        """Axes on the right and not on the left (repeat's copies)."""
        ins = set(self.input_names())
        return [n for n in self.output_names() if n not in ins]

    def ellipsis_removed(self) -> bool:
        """``...`` on the left but not on the right: its axes are summed / reduced."""
        return any(ELL in it.members for s in self.inputs for it in s) and not any(
            ELL in it.members for it in (self.output or ()))

    def needed_lengths(self, known: dict[str, int] | Sequence[str] = ()) -> list[str]:
        """Axis lengths einops cannot infer: new axes on the right, and all but one unknown
        member of each group on the left."""
        known = set(known)
        lhs = set(self.input_names())
        out = [n for n in self.output_names() if n not in lhs and n not in known]
        for side in self.inputs:
            for it in side:
                if it.grouped:
                    out += [m for m in it.names if m not in known][:-1]
        return list(dict.fromkeys(out))

    def side_text(self, side: Side) -> str:
        return ("" if self.letters else " ").join(it.text() for it in side)


# ----------------------------------------------------------------------------- parsing


def parse(op: str, text: str, library: str = "einops") -> Pattern:
    """The pattern ``text`` of ``op`` as ``library`` reads it; PatternError says what is wrong.

    ``library`` matters only for einsum: torch and numpy take letter strings, einops takes
    space-separated names.
    """
    if op not in OPS:
        raise PatternError(f"unknown op {op!r}; the ops are {', '.join(OPS)}")
    if not isinstance(text, str) or not text.strip():
        raise PatternError("the pattern is empty")
    if op == "einsum" and library in ("torch", "numpy"):
        return _parse_einsum_string(text)
    if op in ("pack", "unpack"):
        if "->" in text:
            raise PatternError(f"a {op} pattern has no '->': {text!r}")
        side = layout(text, allow_star=True)
        if sum(it.members == (STAR,) for it in side) != 1 or any(it.grouped for it in side):
            raise PatternError(f"a {op} pattern has exactly one '*' and no parentheses: {text!r}")
        return Pattern(op, text, (side,), None, letters=False)
    if text.count("->") != 1:
        raise PatternError(f"the pattern needs exactly one '->': {text!r}")
    lhs, rhs = text.split("->")
    inputs = tuple(layout(p) for p in (lhs.split(",") if op == "einsum" else [lhs]))
    output = layout(rhs)
    if op == "einsum" and any(it.grouped for side in (*inputs, output) for it in side):
        raise PatternError(f"einops.einsum patterns have no parentheses: {text!r}")
    return Pattern(op, text, inputs, output, letters=False)


def layout(text: str, allow_star: bool = False) -> Side:
    """One side of an einops pattern: ``"b (h w) 1 ..."`` -> its items."""
    items: list[Item] = []
    group: list[str] | None = None
    for tok in _TOKEN.findall(text):
        if tok == "(":
            if group is not None:
                raise PatternError(f"nested parentheses in {text.strip()!r}")
            group = []
        elif tok == ")":
            if group is None:
                raise PatternError(f"unbalanced ')' in {text.strip()!r}")
            items.append(Item(tuple(group), grouped=True))
            group = None
        elif tok == STAR and not allow_star:
            raise PatternError("'*' is only allowed in pack and unpack patterns")
        elif not (tok in (ELL, STAR) or tok.isdigit() or _NAME.fullmatch(tok)):
            raise PatternError(f"unexpected {tok!r} in {text.strip()!r}")
        elif group is not None:
            group.append(tok)
        else:
            items.append(Item((tok,)))
    if group is not None:
        raise PatternError(f"unbalanced '(' in {text.strip()!r}")
    return tuple(items)


@functools.lru_cache(maxsize=4096)  # a Pattern is immutable; cards parse the same few strings often
def _parse_einsum_string(text: str) -> Pattern:
    s = "".join(text.split())
    if s.count("->") > 1:
        raise PatternError(f"more than one '->' in {text!r}")
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
                raise PatternError(f"unexpected character {t[i]!r} in the einsum string {text!r}")
        if sum(it.is_ellipsis for it in out) > 1:
            raise PatternError(f"more than one '...' in one operand of {text!r}")
        return tuple(out)

    inputs = tuple(term(t) for t in lhs.split(","))
    counts: dict[str, int] = {}
    for side in inputs:
        for it in side:
            counts[it.members[0]] = counts.get(it.members[0], 0) + 1
    if arrow:
        output = term(rhs)
    else:  # implicit mode
        ell = [Item((ELL,))] if ELL in counts else []
        output = tuple(ell + [Item((c,)) for c in sorted(c for c, n in counts.items() if n == 1 and c != ELL)])
    outs = [it.members[0] for it in output]
    for c in outs:
        if c not in counts:
            raise PatternError(f"output axis {c!r} appears in no operand of {text!r}")
    if len(set(outs)) != len(outs):
        raise PatternError(f"an output axis is repeated in {text!r}")
    return Pattern("einsum", text, inputs, output, letters=True)


def einsum_terms(text: str) -> tuple[list[list[str]], list[str]]:
    """``"ik,kj->ij"`` -> ``([["i","k"], ["k","j"]], ["i","j"])``, ``...`` one token."""
    p = _parse_einsum_string(text)
    return [[it.members[0] for it in side] for side in p.inputs], [it.members[0] for it in p.output or ()]


# ----------------------------------------------------------------------------- describing


def _as_side(side: Side | str) -> Side:
    return layout(side, allow_star=True) if isinstance(side, str) else side


def groups(side: Side | str) -> list[list[str]]:
    """``"b (h w) 1"`` -> ``[["b"], ["h", "w"], ["1"]]``: each axis as its members (``()`` is
    an empty group)."""
    return [list(it.members) for it in _as_side(side)]


def item_dims(item: Item, sizes: dict[str, int], ell: Sequence[int] = ()) -> list[int]:
    """The dimension(s) one item stands for: an ungrouped ``...`` is several (``ell``)."""
    if item.is_ellipsis:
        return list(ell)
    n = 1
    for m in item.members:
        n *= math.prod(ell) if m == ELL else int(m) if m.isdigit() else sizes[m]
    return [n]


def shape_of(side: Side | str, sizes: dict[str, int], ell: Sequence[int] = ()) -> tuple[int, ...]:
    """The shape of a tensor laid out as ``side`` (a parsed side or einops text)."""
    return tuple(d for it in _as_side(side) for d in item_dims(it, sizes, ell))


def axes_text(side: Side | str) -> str:
    """``"b (h w)"`` -> ``"(b, h·w)"``: how a layout is described in words."""
    parts = ["·".join(it.members) if it.grouped and it.members else "1" if it.grouped else it.members[0]
             for it in _as_side(side)]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def rename(text: str, mapping: dict[str, str], letters: bool = False) -> str:
    """The pattern with axis names replaced: single letters of an einsum string when
    ``letters``, else einops names."""
    if letters:
        return "".join(mapping.get(c, c) for c in text)
    return _NAME.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: one way to list things in prose."""
    items = list(items)
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ----------------------------------------------------------------------------- running


def run(op: str, text: str, operands: Sequence[Any], *, library: str = "einops",
        reduction: Any = None, lengths: dict[str, int] | None = None,
        packed_shapes: Sequence[Sequence[int]] = (), weight_shape: str | None = None,
        bias_shape: str | None = None, seed: int = 0) -> Any:
    """Run ``text`` as ``library`` runs ``op`` on ``operands`` (torch tensors, or numpy arrays
    for numpy): the one dispatch behind every answer. ``pack`` returns the packed tensor,
    ``unpack`` the list of pieces; ``einmix`` builds the layer with weights drawn from ``seed``
    (so two patterns are compared with the same weights). The library's own exception
    propagates."""
    lengths = lengths or {}
    if op == "einmix":
        return _einmix(text, operands[0], weight_shape, bias_shape, lengths, seed)
    if op == "einsum" and library == "numpy":
        import numpy as np

        return np.einsum(text, *operands)
    if op == "einsum" and library == "torch":
        import torch

        return torch.einsum(text, *operands)
    import einops

    if op == "einsum":
        return einops.einsum(*operands, text)
    if op == "rearrange":
        return einops.rearrange(operands[0], text, **lengths)
    if op == "reduce":
        return einops.reduce(operands[0], text, reduction, **lengths)
    if op == "repeat":
        return einops.repeat(operands[0], text, **lengths)
    if op == "pack":
        return einops.pack(list(operands), text)[0]
    if op == "unpack":
        return list(einops.unpack(operands[0], [tuple(s) for s in packed_shapes], text))
    raise PatternError(f"unknown op {op!r}; the ops are {', '.join(OPS)}")


def _einmix(text: str, x: Any, weight_shape: str | None, bias_shape: str | None,
            lengths: dict[str, int], seed: int) -> Any:
    import torch
    from einops.layers.torch import EinMix

    if not weight_shape:
        raise PatternError("EinMix needs a weight_shape")
    layer = EinMix(text, weight_shape=weight_shape, bias_shape=bias_shape, **lengths).to(dtype=x.dtype)
    g = torch.Generator().manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
    with torch.no_grad():
        for _, p in sorted(layer.named_parameters()):
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype))
    return layer(x)


def error_text(e: BaseException) -> str:
    """A library error on one line (einops puts the specifics on its second line)."""
    msg = " ".join(line.strip() for line in str(e).strip().splitlines() if line.strip())
    return (msg[:240] + "…") if len(msg) > 240 else (msg or type(e).__name__)
