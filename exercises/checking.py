"""Judging typed responses by execution, written once and used by every family.

An einsum string or einops pattern is right when it computes the same tensor as the
reference on random inputs whose axes all have distinct sizes (so a transposed answer is
caught); a wrong one gets a specific reason. Numbers are compared with a stated tolerance,
and shapes accept the common spellings: ``(3, 4)``, ``3x4``, ``[3,4]``, ``torch.Size([3, 4])``.
Responses are parsed with :mod:`ast` literals only, never evaluated.
"""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

from exercises.base import Verdict

Shape = tuple[int, ...]


# --------------------------------------------------------------------------- parsing


def parse_shape(text: str) -> Shape:
    """Parse a shape in the common spellings; ValueError with a reason otherwise."""
    s = text.strip().lower()
    s = re.sub(r"^(torch\.)?size\s*", "", s)
    s = s.strip()
    if s in {"()", "[]", "scalar", "torch.size([])", "([])"}:
        return ()
    s = s.strip("()[] ")
    s = s.strip("()[] ")
    if not s:
        return ()
    parts = [p for p in re.split(r"\s*(?:,|x|×|\*|\s)\s*", s) if p]
    if not parts:
        raise ValueError(f"cannot read {text.strip()!r} as a shape; write it like (3, 4) or 3x4")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"cannot read {text.strip()!r} as a shape; write it like (3, 4) or 3x4") from None
    if any(d < 0 for d in dims):
        raise ValueError("a shape has no negative sizes")
    return dims


_WRAPPER = re.compile(r"^\s*(?:torch\.)?(?:np\.|numpy\.)?(?:tensor|array)\((.*?)(?:,\s*dtype\s*=.*)?\)\s*$", re.S)


def _unwrap(text: str) -> str:
    """``tensor([1, 2])`` / ``array([1, 2])`` as printed by torch and numpy -> ``[1, 2]``."""
    m = _WRAPPER.match(text)
    return m.group(1) if m else text


def parse_number(text: str) -> float:
    """Parse a number: ``0.25``, ``-1e-3``, ``1/4``, ``25%``, ``tensor(-7.)``; ValueError otherwise."""
    s = _unwrap(text).strip().replace(" ", "").replace("−", "-").rstrip(".")
    if not s:
        raise ValueError("empty answer; type a number")
    try:
        if s.endswith("%"):
            return float(s[:-1]) / 100
        if "/" in s:
            return float(Fraction(s))
        return float(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"cannot read {text.strip()!r} as a number") from None


def parse_literal(text: str) -> Any:
    """A Python literal (numbers, lists, tuples, sets), also as torch or numpy print it
    (``tensor([4, -8])``, ``[4 -8 0]``); ValueError otherwise."""
    s = _unwrap(text).strip().replace("−", "-")
    s = re.sub(r"(?<=[\d.\]])\s+(?=[-+\d.\[])", ", ", s)  # numpy prints lists without commas
    try:
        return ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"cannot read {text.strip()!r}; write a list such as [1, 2, 3]") from None


def parse_int_set(text: str) -> frozenset[int]:
    """A set of integers: ``0, 1``, ``[0, 1]``, ``{1, 0}``, ``0 and 1``, ``none``."""
    s = text.strip().lower()
    if s in {"none", "{}", "[]", "()", "set()", "nothing", "-"}:
        return frozenset()
    s = s.replace(" and ", ",").strip("{}[]() ")
    parts = [p for p in re.split(r"[,\s]+", s) if p]
    try:
        return frozenset(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"cannot read {text.strip()!r} as a list of indices such as 0, 2") from None


@dataclass(frozen=True)
class CallForm:
    """What a response means when typed as a bare pattern or as a whole call."""

    pattern: str
    reduction: str | None = None
    axes_lengths: dict[str, int] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # the names passed as positional operands, in order


def parse_call(text: str) -> CallForm:
    """Accept ``'ij,jk->ik'``, ``ij,jk->ik`` or a call like ``torch.einsum("ij,jk->ik", a, b)``
    / ``reduce(x, 'b c -> b', 'max', c=3)`` (``out = `` before it is fine): the first string
    literal is the pattern, a second one the reduction, integer keywords the axis lengths,
    and the plain names passed are the operands."""
    s = re.sub(r"^[A-Za-z_][\w.]*\s*=(?!=)\s*", "", text.strip())  # `out = torch.einsum(...)`
    if "(" in s and s.endswith(")") and not s.startswith(("'", '"')):
        try:
            node = ast.parse(s, mode="eval").body
        except SyntaxError:
            node = None
        if isinstance(node, ast.Call):
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if strings:
                kwargs = {
                    k.arg: k.value.value
                    for k in node.keywords
                    if k.arg and isinstance(k.value, ast.Constant) and isinstance(k.value.value, int)
                }
                red = strings[1] if len(strings) > 1 else None
                for k in node.keywords:
                    if k.arg == "reduction" and isinstance(k.value, ast.Constant):
                        red = k.value.value
                names = tuple(a.id for a in node.args if isinstance(a, ast.Name))
                return CallForm(strings[0], red, kwargs, names)
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        s = s[1:-1]
    return CallForm(s)


# --------------------------------------------------------------------------- checks


class Check:
    """Judges a response. Subclasses are small dataclasses holding only data."""

    def check(self, response: str) -> Verdict:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def expected_text(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def format_shape(shape: Sequence[int]) -> str:
    """``(3, 4)``, ``(5,)`` or ``()``: how every prompt and reason writes a shape."""
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


@dataclass(frozen=True)
class ShapeCheck(Check):
    expected: Shape

    @property
    def expected_text(self) -> str:
        return format_shape(self.expected)

    def check(self, response: str) -> Verdict:
        try:
            got = parse_shape(response)
        except ValueError as e:
            return Verdict(False, str(e), self.expected_text)
        exp = tuple(self.expected)
        if got == exp:
            return Verdict(True, "right shape", self.expected_text)
        if len(got) != len(exp):
            why = f"{_count(len(got), 'dimension')}, but the result has {len(exp)}"
        elif sorted(got) == sorted(exp):
            why = "the right sizes in the wrong order"
        else:
            wrong = [i for i, (a, b) in enumerate(zip(got, exp)) if a != b]
            why = f"dimension {wrong[0]} is {got[wrong[0]]}, but it is {exp[wrong[0]]}"
        return Verdict(False, f"{format_shape(got)} has {why}", self.expected_text)


@dataclass(frozen=True)
class NumberCheck(Check):
    """A number within ``atol + rtol*|expected|`` (the tolerance is stated in the reason)."""

    expected: float
    atol: float = 1e-3
    rtol: float = 1e-2
    digits: int = 4

    @property
    def expected_text(self) -> str:
        return format_number(self.expected, self.digits)

    def check(self, response: str) -> Verdict:
        try:
            got = parse_number(response)
        except ValueError as e:
            return Verdict(False, str(e), self.expected_text)
        tol = self.atol + self.rtol * abs(self.expected)
        if math.isfinite(got) and abs(got - self.expected) <= tol:
            return Verdict(True, f"within ±{format_number(tol, 2)}", self.expected_text)
        hint = ""
        if self.expected != 0 and got != 0 and abs(got + self.expected) <= tol:
            hint = " (the sign is wrong)"
        elif self.expected != 0 and abs(got / self.expected - 1) < 0.5:
            hint = " (close, but outside the tolerance)"
        return Verdict(
            False,
            f"{format_number(got, self.digits)} is off by {format_number(abs(got - self.expected), 3)}; "
            f"tolerance ±{format_number(tol, 2)}{hint}",
            self.expected_text,
        )


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 dimension``, ``2 dimensions``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def format_number(x: float, digits: int = 4) -> str:
    """Short, stable text for a number: integers without a point, others to ``digits``."""
    if isinstance(x, bool):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


@dataclass(frozen=True)
class ArrayCheck(Check):
    """A small tensor typed as a nested list, compared element-wise with ``atol``."""

    expected: Any  # nested list
    atol: float = 1e-6

    @property
    def expected_text(self) -> str:
        return format_array(self.expected)

    def check(self, response: str) -> Verdict:
        import numpy as np

        try:
            got = np.asarray(parse_literal(response), dtype=float)
        except ValueError as e:
            return Verdict(False, str(e), self.expected_text)
        exp = np.asarray(self.expected, dtype=float)
        if got.shape != exp.shape:
            return Verdict(
                False,
                f"your answer has shape {format_shape(got.shape)}, the result has shape {format_shape(exp.shape)}",
                self.expected_text,
            )
        diff = np.abs(got - exp)
        if np.all(diff <= self.atol):
            return Verdict(True, "every entry matches", self.expected_text)
        if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and np.allclose(got, exp.T, atol=self.atol):
            return Verdict(False, "the entries are transposed", self.expected_text)
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        n_bad = int((diff > self.atol).sum())
        return Verdict(
            False,
            f"{_count(n_bad, 'entry', 'entries')} {'differs' if n_bad == 1 else 'differ'}; at index {list(idx)} you have "
            f"{format_number(float(got[idx]))}, the result is {format_number(float(exp[idx]))}",
            self.expected_text,
        )


def format_array(a: Any) -> str:
    import numpy as np

    arr = np.asarray(a)
    if arr.ndim == 0:
        return format_number(float(arr))
    if arr.ndim == 1:
        return "[" + ", ".join(format_number(float(x)) for x in arr) + "]"
    return "[" + ", ".join(format_array(x) for x in arr) + "]"


@dataclass(frozen=True)
class SetCheck(Check):
    """A set of indices in any order, e.g. which features are represented."""

    expected: frozenset[int]
    noun: str = "feature"

    @property
    def expected_text(self) -> str:
        return ", ".join(str(i) for i in sorted(self.expected)) or "none"

    def check(self, response: str) -> Verdict:
        try:
            got = parse_int_set(response)
        except ValueError as e:
            return Verdict(False, str(e), self.expected_text)
        if got == self.expected:
            return Verdict(True, f"right {self.noun}s", self.expected_text)
        missing, extra = sorted(self.expected - got), sorted(got - self.expected)
        parts = []
        if missing:
            parts.append(f"missing {self.noun} {', '.join(map(str, missing))}")
        if extra:
            parts.append(f"{self.noun} {', '.join(map(str, extra))} should not be there")
        return Verdict(False, "; ".join(parts), self.expected_text)


@dataclass(frozen=True)
class ChoiceCheck(Check):
    """One of a few labelled options; accepts the label (``B``) or the option text."""

    options: tuple[str, ...]
    answer: int

    @property
    def expected_text(self) -> str:
        return f"{'ABCDEFGH'[self.answer]}) {self.options[self.answer]}"

    def check(self, response: str) -> Verdict:
        s = response.strip().rstrip(")").strip().lower()
        labels = [c.lower() for c in "ABCDEFGH"[: len(self.options)]]
        if s in labels:
            got = labels.index(s)
        else:
            matches = [i for i, o in enumerate(self.options) if o.strip().lower() == s]
            if not matches:
                return Verdict(False, f"answer with one of {', '.join(l.upper() for l in labels)}", self.expected_text)
            got = matches[0]
        if got == self.answer:
            return Verdict(True, "right choice", self.expected_text)
        return Verdict(False, f"{labels[got].upper()} is not it", self.expected_text)


# ----------------------------------------------------------- equivalence by execution


def _random_inputs(shapes: Sequence[Shape], seed: int) -> list:
    import torch

    g = torch.Generator().manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
    return [torch.randn(tuple(s), generator=g, dtype=torch.float64) for s in shapes]


def _first_line(e: BaseException) -> str:
    """The error's message on one line (einops puts the specifics on its second line)."""
    msg = " ".join(line.strip() for line in str(e).strip().splitlines() if line.strip())
    return (msg[:240] + "…") if len(msg) > 240 else (msg or type(e).__name__)


def _compare(got, expected, axis_by_size: dict[int, str]) -> str | None:
    """None when equal; otherwise why they differ, naming axes by their (distinct) sizes."""
    import torch

    if not isinstance(got, torch.Tensor):
        return f"the result is a {type(got).__name__}, not a tensor"
    gshape, eshape = tuple(got.shape), tuple(expected.shape)
    if gshape != eshape:
        def names(shape: Shape) -> str:
            return " ".join(axis_by_size.get(d, str(d)) for d in shape) or "a scalar"

        why = f"wrong output shape: yours gives {format_shape(gshape)}, expected {format_shape(eshape)}"
        if sorted(gshape) == sorted(eshape):
            return why + " — the right axes in the wrong order"
        if axis_by_size and all(d in axis_by_size for d in gshape + eshape):
            kept, want = set(gshape), set(eshape)
            summed = [axis_by_size[d] for d in sorted(want - kept)]
            extra = [axis_by_size[d] for d in sorted(kept - want)]
            bits = []
            if summed:
                bits.append(f"it sums over {', '.join(summed)}, which should be kept")
            if extra:
                bits.append(f"it keeps {', '.join(extra)}, which should be summed")
            if bits:
                return f"{why} ({names(gshape)} instead of {names(eshape)}): " + "; ".join(bits)
        return why
    if torch.allclose(got.to(expected.dtype), expected, rtol=1e-6, atol=1e-8):
        return None
    if got.ndim >= 2 and got.shape[-1] == got.shape[-2] and torch.allclose(
        got.to(expected.dtype).transpose(-1, -2), expected, rtol=1e-6, atol=1e-8
    ):
        return "right shape, but the last two axes are swapped (transposed result)"
    return "right shape, wrong values: an index pairs the wrong axes or sums the wrong one"


@dataclass(frozen=True)
class EinsumCheck(Check):
    """Any einsum string computing the same tensor as ``reference`` on random operands."""

    reference: str
    shapes: tuple[Shape, ...]
    seed: int = 0
    axis_names: tuple[tuple[int, str], ...] = ()  # (size, name) pairs for reasons
    # for each operand, the index of the operand it is: W passed twice (``ifh,igh->ifg``)
    # must be one tensor, or a right answer that swaps the two W's is judged transposed
    same_as: tuple[int, ...] = ()
    # the operands' names, in the reference's order: a whole call typed with the operands in
    # another order is run in that order, and one passing other tensors is wrong
    operands: tuple[str, ...] = ()

    @property
    def expected_text(self) -> str:
        return self.reference

    def _order(self, names: tuple[str, ...]) -> list[int] | str:
        """Indices of the reference's operands in the order a call passes them, or why not."""
        left = list(enumerate(self.operands))
        order = []
        for n in names:
            hit = next((i for i, (_, m) in enumerate(left) if m == n), None)
            if hit is None:
                break
            order.append(left.pop(hit)[0])
        if len(order) == len(names) == len(self.operands):
            return order
        return f"your call passes {', '.join(names)}; the operands are {', '.join(self.operands)}"

    def check(self, response: str) -> Verdict:
        import torch

        call = parse_call(response)
        expr = call.pattern.replace(" ", "")
        if not expr:
            return Verdict(False, "empty answer; type an einsum string such as ij,jk->ik", self.reference)
        n_in = len(expr.split("->")[0].split(","))
        if n_in != len(self.shapes):
            return Verdict(
                False,
                f"invalid expression: it names {n_in} operand(s), the operation takes {len(self.shapes)}",
                self.reference,
            )
        ops = _random_inputs(self.shapes, self.seed)
        if self.same_as:
            ops = [ops[j] for j in self.same_as]
        expected = torch.einsum(self.reference, *ops)
        order = self._order(call.args) if call.args and self.operands else list(range(len(ops)))
        if isinstance(order, str):
            return Verdict(False, order, self.reference)
        try:
            got = torch.einsum(expr, *[ops[j] for j in order])
        except Exception as e:  # torch raises RuntimeError/ValueError for bad subscripts
            return Verdict(False, f"invalid expression: {_first_line(e)}", self.reference)
        why = _compare(got, expected, dict(self.axis_names))
        if why is None:
            return Verdict(True, "computes the same tensor", self.reference)
        return Verdict(False, why, self.reference)


@dataclass(frozen=True)
class EinopsCheck(Check):
    """Any einops pattern computing the same result as ``reference`` for ``op``.

    ``op`` is one of rearrange, reduce, repeat, einsum (einops.einsum), pack or unpack.
    For ``unpack``, ``packed_shapes`` are the shapes to split into; the first shape in
    ``shapes`` is the packed tensor.
    """

    op: str
    reference: str
    shapes: tuple[Shape, ...]
    seed: int = 0
    reduction: str | None = None
    axes_lengths: tuple[tuple[str, int], ...] = ()
    packed_shapes: tuple[Shape, ...] = ()
    axis_names: tuple[tuple[int, str], ...] = ()

    @property
    def expected_text(self) -> str:
        return self.reference

    def run(self, pattern: str, reduction: str | None = None, axes_lengths: dict | None = None):
        import einops

        inputs = _random_inputs(self.shapes, self.seed)
        lengths = dict(self.axes_lengths) if axes_lengths is None else axes_lengths
        if self.op == "rearrange":
            return einops.rearrange(inputs[0], pattern, **lengths)
        if self.op == "reduce":
            return einops.reduce(inputs[0], pattern, reduction or self.reduction, **lengths)
        if self.op == "repeat":
            return einops.repeat(inputs[0], pattern, **lengths)
        if self.op == "einsum":
            return einops.einsum(*inputs, pattern)
        if self.op == "pack":
            return einops.pack(inputs, pattern)[0]
        if self.op == "unpack":
            return list(einops.unpack(inputs[0], [tuple(s) for s in self.packed_shapes], pattern))
        raise ValueError(f"unknown einops op {self.op!r}")

    def check(self, response: str) -> Verdict:
        call = parse_call(response)
        if not call.pattern.strip():
            return Verdict(False, "empty answer; type an einops pattern such as 'b c -> c b'", self.reference)
        # The reference's axis lengths apply only to axes the response names: a whole call
        # with renamed axes (``..., r=4``) must not also get ``h=4`` ("Axis h is not used").
        named = set(re.findall(r"[A-Za-z_]\w*", call.pattern))
        lengths = {**{k: v for k, v in self.axes_lengths if k in named}, **call.axes_lengths}
        if call.reduction and self.op == "reduce" and call.reduction != self.reduction:
            return Verdict(
                False, f"wrong reduction: {call.reduction!r}, the operation uses {self.reduction!r}", self.reference
            )
        expected = self.run(self.reference)
        try:
            got = self.run(call.pattern, call.reduction, lengths)
        except Exception as e:  # einops raises EinopsError with the pattern quoted
            return Verdict(False, f"invalid pattern: {_first_line(e)}", self.reference)
        if isinstance(expected, list):  # unpack: compare the pieces, then their values
            import torch

            gs, es = [tuple(p.shape) for p in got], [tuple(p.shape) for p in expected]
            if gs != es:
                return Verdict(
                    False,
                    f"wrong output shapes: yours splits into {', '.join(map(format_shape, gs))}, "
                    f"expected {', '.join(map(format_shape, es))}",
                    self.reference,
                )
            got, expected = torch.cat([p.reshape(-1) for p in got]), torch.cat([p.reshape(-1) for p in expected])
        why = _compare(got, expected, dict(self.axis_names))
        if why is None:
            return Verdict(True, "computes the same tensor", self.reference)
        return Verdict(False, why, self.reference)


def distinct_sizes(rng, n: int, low: int = 2, high: int = 9) -> list[int]:
    """``n`` distinct sizes from ``[low, high]``, so every axis is identifiable by its size."""
    if high - low + 1 < n:
        high = low + n - 1
    return rng.sample(range(low, high + 1), n)
