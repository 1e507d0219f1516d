"""Checks for the questions only code-derived exercises ask: which axes (a set or a sequence
of names) and what ``ps`` a pack returns (a list of shapes). Both parse with ast literals or
plain splitting, never evaluation, and say what is wrong."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from exercises.base import Verdict
from exercises.checking import Check, parse_call
from exercises.patterns import run

from cardgen.fromcode.example import same_as_shown
from exercises.patterns import ELL

NONE_WORDS = {"none", "nothing", "no axes", "no axis", "-", "{}", "[]", "()", "set()", "∅", "empty"}


def parse_axes(text: str, known: tuple[str, ...]) -> list[str]:
    """Axis names in a response: ``f``, ``i, h``, ``{b, h}``, ``'b' and 'h'``, ``fh`` (einsum
    letters run together), ``none``. ValueError names an unknown axis."""
    s = text.strip().replace("…", ELL)
    if s.lower().rstrip(".!") in NONE_WORDS:
        return []
    s = re.sub(r"[`'\"\[\]{}()]", " ", s)
    s = re.sub(r"\band\b|\bthen\b", " ", s, flags=re.I)
    tokens = [t for t in re.split(r"[,;·\s]+", s) if t]
    if not tokens:
        raise ValueError("empty answer; type axis names such as `b, h`, or `none`")
    letters = all(len(k) == 1 for k in known if k != ELL)
    lower = {}
    for k in known:
        lower.setdefault(k.lower(), []).append(k)
    out: list[str] = []
    for t in tokens:
        if t in known:
            out.append(t)
        elif t.startswith(ELL) and t[3:] and letters and all(c in known for c in t[3:]) and ELL in known:
            out += [ELL, *t[3:]]
        elif letters and len(t) > 1 and all(c in known for c in t):
            out += list(t)  # "fh" for the einsum letters f and h
        elif len(lower.get(t.lower(), [])) == 1:
            out.append(lower[t.lower()][0])
        else:
            shown = ", ".join(known)
            raise ValueError(f"`{t}` is not an axis of this call; its axes are {shown}")
    return out


@dataclass(frozen=True)
class AxesCheck(Check):
    """A set of axis names (any order), or with ``ordered`` a sequence of them."""

    expected: tuple[str, ...]
    known: tuple[str, ...]
    ordered: bool = False
    kind = "axis names"

    def examples(self):
        return ("none", " ".join(self.known[:2]), self.known[-1] if self.known else "none")

    @property
    def expected_text(self) -> str:
        if not self.expected:
            return "none"
        return (" " if self.ordered else ", ").join(self.expected)

    def check(self, response: str) -> Verdict:
        try:
            got = parse_axes(response, self.known)
        except ValueError as e:
            return self.unreadable(str(e))
        if self.ordered:
            if tuple(got) == self.expected:
                return Verdict(True, "right axes in the right order", self.expected_text)
            if sorted(got) == sorted(self.expected):
                return self.wrong("the right axes in the wrong order", "axis_order")
        elif set(got) == set(self.expected):
            return Verdict(True, "right axes", self.expected_text)
        missing = [a for a in self.expected if a not in got]
        extra = [a for a in dict.fromkeys(got) if a not in self.expected]
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"{', '.join(extra)} should not be there")
        if not parts:
            parts.append("an axis is repeated")
        return Verdict(False, "; ".join(parts), self.expected_text)


def _shape_list_text(shapes) -> str:
    def one(s):
        return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"

    return "[" + ", ".join(one(s) for s in shapes) + "]"


def parse_shape_list(text: str) -> list[tuple[int, ...]]:
    """``[(5,), (2, 6), ()]``, also with ``torch.Size([...])`` or lists for the shapes."""
    s = text.strip()
    s = re.sub(r"torch\.Size\(\s*(\[[^\]]*\]|\([^)]*\))\s*\)", r"\1", s)
    try:
        value = ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"cannot read {text.strip()!r}; write a list of shapes such as [(5,), (2, 6)]") from None
    if not isinstance(value, (list, tuple)):
        raise ValueError("write a list of shapes such as [(5,), (2, 6)]")
    out = []
    for item in value:
        if type(item) is int:
            out.append((item,))
        elif isinstance(item, (list, tuple)) and all(type(x) is int for x in item):
            out.append(tuple(item))
        else:
            raise ValueError(f"{item!r} is not a shape; write shapes as tuples of integers")
    return out


@dataclass(frozen=True)
class ShapeListCheck(Check):
    """A list of shapes, in order (``ps`` from ``einops.pack``)."""

    expected: tuple[tuple[int, ...], ...]
    kind = "a list of shapes"

    def examples(self):
        return ("[(2,), (3, 4)]", "[(5, 6), (7,)]")

    @property
    def expected_text(self) -> str:
        return _shape_list_text(self.expected)

    def check(self, response: str) -> Verdict:
        try:
            got = parse_shape_list(response)
        except ValueError as e:
            return self.unreadable(str(e))
        exp = [tuple(s) for s in self.expected]
        if got == exp:
            return Verdict(True, "right shapes", self.expected_text)
        if len(got) != len(exp):
            return Verdict(False, f"{len(got)} shapes, but {len(exp)} tensors were packed", self.expected_text)
        if sorted(got) == sorted(exp):
            return self.wrong("the right shapes in the wrong order", "axis_order")
        i = next(i for i, (a, b) in enumerate(zip(got, exp)) if a != b)
        return Verdict(False, f"shape {i} is {_shape_list_text([got[i]])[1:-1]}, but it is "
                              f"{_shape_list_text([exp[i]])[1:-1]}", self.expected_text)


@dataclass(frozen=True)
class ShownCheck(Check):
    """A write card whose worked example (or stated shape) two non-equivalent patterns satisfy:
    the code's own pattern is judged by ``base``, and any other pattern that gives what the card
    shows is accepted too — a correct reading of the card is never marked wrong.

    ``inputs`` are the example's operands ``(name, start, shape)`` as ``arange`` (empty: the
    card states only the result's shape, and ``shapes`` are the operands' shapes); ``names``
    the operands in the order the call passes them."""

    base: Check
    op: str
    library: str
    names: tuple[str, ...]
    inputs: tuple[tuple[str, int, tuple[int, ...]], ...]
    values: object
    shape: tuple[int, ...]
    shapes: tuple[tuple[int, ...], ...] = ()
    reduction: str | None = None
    lengths: tuple[tuple[str, int], ...] = ()
    probes: tuple[tuple[int, ...], ...] = ()  # a big result: the indices whose values the card shows

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.base.kind

    @property
    def expected_text(self) -> str:
        return self.base.expected_text

    def examples(self):
        return self.base.examples()

    def check(self, response: str) -> Verdict:
        verdict = self.base.check(response)
        if verdict.correct or verdict.unreadable:
            return verdict
        pattern = parse_call(response).pattern.strip()
        if pattern and self._matches(pattern):
            return self.right(f"gives what the card shows (the code's own pattern is `{self.base.expected_text}`, "
                              f"which the card cannot tell apart from yours)")
        return verdict

    def _operands(self) -> list:
        import math

        import torch

        if self.inputs:
            by_name = {n: torch.arange(float(s), float(s + math.prod(sh)), dtype=torch.float64).reshape(sh)
                       for n, s, sh in self.inputs}
            ts = [by_name[n] for n in self.names]
        else:
            first = {}
            for n, sh in zip(self.names, self.shapes):
                first.setdefault(n, torch.zeros(sh, dtype=torch.float64))
            ts = [first[n] for n in self.names]
        return [t.numpy() for t in ts] if self.library == "numpy" else ts

    def _matches(self, pattern: str) -> bool:
        import torch

        try:
            got = torch.as_tensor(run(self.op, pattern, self._operands(), library=self.library,
                                      reduction=self.reduction, lengths=dict(self.lengths)))
        except Exception:  # a pattern the library refuses gives nothing the card shows
            return False
        if not self.inputs:
            return tuple(got.shape) == tuple(self.shape)
        return same_as_shown(got, self.shape, self.values, self.probes)
