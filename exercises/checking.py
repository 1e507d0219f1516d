"""Judging typed responses by execution, written once and used by every family.

An einsum string or einops pattern is right when it computes the same tensor as the
reference on random inputs whose axes all have distinct sizes (so a transposed answer is
caught); a wrong one gets a specific reason and a :attr:`Verdict.diagnosis` key. Numbers are
judged by the :class:`Precision` the card asks for (one rule everywhere: within half a unit of
the last asked place), and arithmetic such as ``0.9^5`` or ``sqrt(2)/2`` is read by
:func:`safe_eval`, a whitelisted :mod:`ast` walk that never calls Python's ``eval``. A
response that cannot be read as the kind asked gets ``Verdict(unreadable=True)``: not wrong,
just not an answer yet (the drill asks again).
"""
from __future__ import annotations

import ast
import math
import operator
import re
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Sequence

from exercises.base import Verdict
from exercises.patterns import error_text
from exercises.patterns import run as run_pattern

Shape = tuple[int, ...]


# --------------------------------------------------------------------------- precision


@dataclass(frozen=True)
class Precision:
    """The precision a value card asks for; the tolerance follows from it, the same in every family.

    A response is right when it lies within half a unit of the last asked place of the exact
    value (plus a tiny epsilon for float noise): every correctly rounded response does, and so
    does a more precise one; a response rounded the wrong way does not.
    """

    kind: str  # "decimals" | "sig" | "exact"
    n: int = 0

    @classmethod
    def decimals(cls, n: int) -> "Precision":
        if n < 0:
            raise ValueError("decimal places must be >= 0")
        return cls("decimals", n)

    @classmethod
    def sig(cls, n: int) -> "Precision":
        if n < 1:
            raise ValueError("significant figures must be >= 1")
        return cls("sig", n)

    @classmethod
    def exact(cls) -> "Precision":
        return cls("exact", 0)

    @property
    def text(self) -> str:
        """How a prompt states it: ``to 2 decimal places``, ``to 3 significant figures``, ``exactly (...)``."""
        if self.kind == "decimals":
            return f"to {_count(self.n, 'decimal place')}"
        if self.kind == "sig":
            return f"to {_count(self.n, 'significant figure')}"
        return "exactly (a fraction such as p/q is fine)"

    @property
    def instruction(self) -> str:
        """The sentence a value prompt ends with: ``Give it to 2 decimal places.``"""
        return f"Give it {self.text}."

    def unit(self, expected: float) -> float:
        """One unit in the last asked place of ``expected`` (0 for exact)."""
        if self.kind == "decimals":
            return 10.0 ** -self.n
        if self.kind == "sig":
            if expected == 0 or not math.isfinite(expected):
                return 0.0
            return 10.0 ** (math.floor(math.log10(abs(expected))) - self.n + 1)
        return 0.0

    def tolerance(self, expected: float) -> float:
        """Half a unit in the last asked place, plus a tiny epsilon (so a rounded tie is accepted)."""
        eps = 1e-9 * max(1.0, abs(expected))
        return self.unit(expected) / 2 + eps

    def format(self, x: float) -> str:
        """``x`` written at this precision: ``0.59``, ``0.590``, ``3/8``."""
        x = float(x)
        if not math.isfinite(x):
            return str(x)
        if self.kind == "decimals":
            s = f"{x:.{self.n}f}"
            return s[1:] if re.fullmatch(r"-0\.?0*", s) else s
        if self.kind == "sig":
            if x == 0:
                return "0"
            if not 1e-4 <= abs(x) < 1e6:
                return f"{x:.{self.n - 1}e}"
            places = self.n - 1 - math.floor(math.log10(abs(x)))
            r = round(x, places)
            if r != 0 and math.floor(math.log10(abs(r))) != math.floor(math.log10(abs(x))):
                places -= 1  # 0.0996 -> 0.100 has one figure too many after rounding up
                r = round(x, places)
            return f"{r:.{max(places, 0)}f}"
        return exact_text(x)


def exact_text(x: float) -> str:
    """An exact value as typed: ``3``, ``-3/8``, or the float itself when it is no small fraction."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    f = Fraction(x).limit_denominator(10_000)
    if abs(float(f) - x) <= 1e-12 * max(1.0, abs(x)):
        return f"{f.numerator}/{f.denominator}"
    return repr(float(x))


# --------------------------------------------------------------------------- safe arithmetic

MAX_EXPR_LEN = 200
MAX_EXPONENT = 1000.0

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: math.pow,
}
_FUNCS: dict[str, Callable[[float], float]] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "cos": math.cos, "sin": math.sin,
}
_CONSTS = {"pi": math.pi, "e": math.e}


def _arith_source(text: str) -> str:
    """Typographic operators as Python: ``×``/``·`` multiply, ``^`` is a power, ``−`` a minus, ``π`` pi."""
    s = text.strip()
    for a, b in (("−", "-"), ("–", "-"), ("×", "*"), ("·", "*"), ("^", "**"), ("π", "pi")):
        s = s.replace(a, b)
    return s


def _eval(node: ast.AST) -> float:
    """The float value of a whitelisted node; ValueError for anything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        raise ValueError("only numbers are allowed")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ValueError(f"an exponent above {MAX_EXPONENT:g} is refused")
        if isinstance(node.op, ast.Pow) and left == 0 and right < 0:
            raise ValueError("division by zero")
        if isinstance(node.op, ast.Div) and right == 0:
            raise ValueError("division by zero")
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.Name) and node.id in _CONSTS:
        return _CONSTS[node.id]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS
            and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
        return _FUNCS[node.func.id](_eval(node.args[0]))
    if isinstance(node, ast.Name):
        raise ValueError(f"unknown name {node.id!r}")
    raise ValueError("only numbers, + - * / ^, sqrt, exp, log, cos, sin, pi and e are allowed")


def _finite(f: Callable[[], float]) -> float:
    """Run an evaluation, turning math errors and non-finite results into ValueError."""
    try:
        v = f()
    except (OverflowError, ZeroDivisionError, RecursionError, MemoryError):
        raise ValueError("the value is too large or undefined") from None
    except ValueError as e:
        if str(e) == "math domain error":
            raise ValueError("the value is undefined (math domain error)") from None
        raise
    if not math.isfinite(v):
        raise ValueError("the value is not finite")
    return v


def safe_eval(text: str) -> float:
    """The value of an arithmetic expression such as ``0.9^5``, ``sqrt(2)/2`` or ``cos(pi/4)``.

    Only numbers, ``+ - * / ^ **`` (``×`` and ``·`` multiply), unary minus, parentheses,
    ``sqrt exp log cos sin pi e`` are read; anything else (names, attributes, other calls,
    exponents above 1000, input over 200 characters) raises ValueError. Floats only.
    """
    s = _arith_source(text)
    if not s:
        raise ValueError("empty expression")
    if len(s) > MAX_EXPR_LEN:
        raise ValueError(f"the expression is longer than {MAX_EXPR_LEN} characters")
    try:
        tree = ast.parse(s, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValueError(f"cannot read {text.strip()!r} as arithmetic") from None
    return _finite(lambda: _eval(tree.body))


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
    """A number or arithmetic: ``0.25``, ``-1e-3``, ``1/4``, ``25%``, ``0.9^5``, ``sqrt(2)/2``,
    ``tensor(-7.)``; ValueError otherwise."""
    s = _unwrap(text).strip().rstrip(".")
    if not s:
        raise ValueError("empty answer; type a number")
    try:
        if s.endswith("%"):
            return safe_eval(s[:-1]) / 100
        return safe_eval(s)
    except ValueError as e:
        raise ValueError(f"cannot read {text.strip()!r} as a number: {e}") from None


def _numpy_commas(s: str) -> str:
    """numpy prints lists without commas (``[4 -8  0]``); insert them when the text has none."""
    if "," in s:
        return s
    return re.sub(r"(?<=[\d.\])])\s+(?=[-+]?[\d.\[(]|[a-z])", ", ", s.strip())


def _tree(node: ast.AST) -> Any:
    """Nested lists/tuples of whitelisted arithmetic, as nested lists of floats."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_tree(e) for e in node.elts]
    return _eval(node)


def parse_array(text: str) -> Any:
    """A nested list of numbers, each entry read by :func:`safe_eval` (``[0.9^5, 1/2]``), also as
    torch and numpy print it; ValueError otherwise."""
    s = _numpy_commas(_arith_source(_unwrap(text)))
    if not s:
        raise ValueError("empty answer; type a list such as [1, 2]")
    if len(s) > 20 * MAX_EXPR_LEN:
        raise ValueError("the answer is too long")
    try:
        tree = ast.parse(s, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValueError(f"cannot read {text.strip()!r} as a list") from None
    return _finite_tree(tree.body)


def _finite_tree(node: ast.AST) -> Any:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_finite_tree(e) for e in node.elts]
    return _finite(lambda: _eval(node))


def parse_literal(text: str) -> Any:
    """A Python literal (numbers, lists, tuples, sets), also as torch or numpy print it
    (``tensor([4, -8])``, ``[4 -8 0]``); ValueError otherwise. Arithmetic is not read here:
    use :func:`parse_array` for answers."""
    s = _unwrap(text).strip().replace("−", "-")
    s = re.sub(r"(?<=[\d.\]])\s+(?=[-+\d.\[])", ", ", s)  # numpy prints lists without commas
    try:
        return ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"cannot read {text.strip()!r}; write a list such as [1, 2, 3]") from None


_NONE_WORDS = {"none", "no", "nothing", "{}", "[]", "()", "set()", "-", "empty"}


def parse_int_set(text: str) -> frozenset[int]:
    """A set of integers: ``0, 1``, ``[0, 1]``, ``{1, 0}``, ``0 and 1``, ``none``; ValueError for
    anything else, a repeated index included (``0, 1, 1`` is not a set)."""
    s = text.strip().lower()
    if s in _NONE_WORDS:
        return frozenset()
    s = re.sub(r"\band\b", ",", s).strip()
    if re.fullmatch(r"[\[{(]?[^\[\]{}()]*[\]})]?", s) is None:
        raise ValueError("nested brackets")
    parts = [p for p in re.split(r"[,;\s]+", s.strip("{}[]() ")) if p]
    if not parts:
        raise ValueError("no index given")
    try:
        ints = [int(p) for p in parts]
    except ValueError:
        raise ValueError("only whole indices") from None
    if any(i < 0 for i in ints):
        raise ValueError("indices are never negative")
    dup = sorted({i for i in ints if ints.count(i) > 1})
    if dup:
        raise ValueError(f"{', '.join(map(str, dup))} {'is' if len(dup) == 1 else 'are'} listed twice")
    return frozenset(ints)


Pair = tuple[int, int]
_PAIR = re.compile(r"[(\[{]\s*(\d+)\s*[,;\s]\s*(\d+)\s*[)\]}]|(\d+)\s*(?:-|–|—|&|/|<->|↔)\s*(\d+)")


def _norm_pairs(pairs) -> frozenset[Pair]:
    return frozenset(tuple(sorted((int(a), int(b)))) for a, b in pairs)


def format_pairs(pairs) -> str:
    """``(0, 3), (1, 2)`` or ``none``."""
    return ", ".join(f"({a}, {b})" for a, b in sorted(_norm_pairs(pairs))) or "none"


def parse_pairs(text: str, disjoint: bool = True) -> frozenset[Pair]:
    """Unordered pairs written as groups: ``(0, 3), (1, 2)``, ``[[0, 3], [1, 2]]``, ``0-3, 1-2``,
    ``0&3 1&2``, one bare pair ``0, 3``, or ``none``. ValueError when the structure is not pairs
    (``0, 3, 1, 2`` could be grouped either way), a pair repeats, or (``disjoint``) an index is
    in two pairs."""
    s = text.strip().lower()
    if s in _NONE_WORDS | {"no pairs", "0 pairs", "zero"}:
        return frozenset()
    found = [(m.group(1) or m.group(3), m.group(2) or m.group(4)) for m in _PAIR.finditer(s)]
    leftover = _PAIR.sub(" ", s)
    leftover = re.sub(r"\band\b|[\s,;()\[\]{}]", "", leftover)
    if not found:
        bare = re.findall(r"\d+", s)
        if len(bare) == 2 and not re.sub(r"\d+|[\s,;()\[\]{}]", "", s):
            found, leftover = [(bare[0], bare[1])], ""
        elif bare and not re.sub(r"\d+|\band\b|[\s,;()\[\]{}]", "", s):
            raise ValueError("bare indices do not say which go together")
    if leftover or not found:
        raise ValueError("not a list of pairs")
    pairs = [(int(a), int(b)) for a, b in found]
    if any(a == b for a, b in pairs):
        raise ValueError("a pair needs two different indices")
    norm = [tuple(sorted(p)) for p in pairs]
    if len(set(norm)) != len(norm):
        raise ValueError("a pair is listed twice")
    if disjoint:
        flat = [i for p in norm for i in p]
        dup = sorted({i for i in flat if flat.count(i) > 1})
        if dup:
            raise ValueError(f"{', '.join(map(str, dup))} {'is' if len(dup) == 1 else 'are'} in two pairs")
    return frozenset(norm)


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
        except (SyntaxError, ValueError, RecursionError, MemoryError):
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


_EXAMPLES = threading.local()  # set while the examples of an unreadable message are judged


class Check:
    """Judges a response. Subclasses are small dataclasses holding only data.

    ``check`` returns a :class:`Verdict`: right, wrong (with a ``diagnosis`` key when the mistake
    is recognised), or ``unreadable`` when the response is not of the kind asked.
    """

    #: what the response should be, for "Couldn't read that as a <kind>"
    kind = "answer"

    def check(self, response: str) -> Verdict:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def expected_text(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def examples(self) -> Sequence[str]:
        """Well-formed sample responses; the unreadable message shows one that is not the answer."""
        return ()

    def unreadable(self, detail: str = "") -> Verdict:
        """``Couldn't read that as a <kind>, e.g. <example>`` — never an example that is right here."""
        if getattr(_EXAMPLES, "busy", False):  # judging an example that is itself unreadable
            return Verdict(False, f"Couldn't read that as {self.kind}", self.expected_text, unreadable=True)
        _EXAMPLES.busy = True
        try:
            example = next((e for e in self.examples() if not self._accepts(e)), "")
        finally:
            _EXAMPLES.busy = False
        reason = f"Couldn't read that as {self.kind}" + (f", e.g. {example}" if example else "")
        if detail:
            reason += f" ({detail})"
        return Verdict(False, reason, self.expected_text, unreadable=True)

    def _accepts(self, example: str) -> bool:
        """Whether ``example`` cannot be shown: it is right here, unreadable, or cannot be judged."""
        try:
            v = self.check(example)
        except Exception:
            return True
        return v.correct or v.unreadable

    def wrong(self, reason: str, diagnosis: str = "") -> Verdict:
        return Verdict(False, reason, self.expected_text, diagnosis=diagnosis)

    def right(self, reason: str) -> Verdict:
        return Verdict(True, reason, self.expected_text)


def format_shape(shape: Sequence[int]) -> str:
    """``(3, 4)``, ``(5,)`` or ``()``: how every prompt and reason writes a shape."""
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


@dataclass(frozen=True)
class ShapeCheck(Check):
    expected: Shape
    kind = "a shape"

    @property
    def expected_text(self) -> str:
        return format_shape(self.expected)

    def examples(self) -> Sequence[str]:
        return ("(2, 3)", "(4,)", "(5, 6, 7)")

    def check(self, response: str) -> Verdict:
        try:
            got = parse_shape(response)
        except ValueError as e:
            return self.unreadable(str(e).split(";")[0] if "negative" in str(e) else "")
        exp = tuple(self.expected)
        if got == exp:
            return self.right("right shape")
        if len(got) != len(exp):
            why, key = f"{_count(len(got), 'dimension')}, but the result has {len(exp)}", "rank"
        elif sorted(got) == sorted(exp):
            why, key = "the right sizes in the wrong order", "axis_order"
        else:
            bad = [i for i, (a, b) in enumerate(zip(got, exp)) if a != b]
            why, key = f"dimension {bad[0]} is {got[bad[0]]}, but it is {exp[bad[0]]}", "wrong_size"
        return self.wrong(f"{format_shape(got)} has {why}", key)


_LEGACY_NUMBER = (1e-3, 1e-2)  # the old default atol, rtol: used only while no precision is given


def _deprecated(what: str) -> None:
    import warnings

    warnings.warn(f"{what} is deprecated: pass precision=Precision.decimals(n) / .sig(n) / .exact()",
                  DeprecationWarning, stacklevel=4)


@dataclass(frozen=True)
class NumberCheck(Check):
    """A number judged at the card's :class:`Precision`; arithmetic (``0.9^5``) is read as its value.

    Without ``precision`` an integer expected value is exact. ``atol``/``rtol``/``digits`` are the
    deprecated tolerance of old cards (``atol + rtol*|expected|``), kept while families move over.
    """

    expected: float
    precision: Precision | None = None
    atol: float | None = None  # deprecated
    rtol: float | None = None  # deprecated
    digits: int | None = None  # deprecated
    kind = "a number"

    def __post_init__(self) -> None:
        if self.atol is not None or self.rtol is not None or self.digits is not None:
            _deprecated("NumberCheck(atol=, rtol=, digits=)")
        elif self.precision is None and not float(self.expected).is_integer():
            _deprecated("NumberCheck of a non-integer without a precision")

    @property
    def _precision(self) -> Precision | None:
        if self.precision is not None:
            return self.precision
        if self.atol is None and self.rtol is None and float(self.expected).is_integer():
            return Precision.exact()
        return None

    @property
    def tolerance(self) -> float:
        p = self._precision
        if p is not None:
            return p.tolerance(self.expected)
        atol = _LEGACY_NUMBER[0] if self.atol is None else self.atol
        rtol = _LEGACY_NUMBER[1] if self.rtol is None else self.rtol
        return atol + rtol * abs(self.expected)

    @property
    def expected_text(self) -> str:
        p = self._precision
        return p.format(self.expected) if p is not None else format_number(self.expected, self.digits or 4)

    def examples(self) -> Sequence[str]:
        p = self._precision
        if p is None:
            return ("1.25", "-0.5", "2.75")
        if p.kind == "exact":
            return ("3/8", "-5/4", "7")
        return tuple(p.format(x) for x in (1.2345, -0.4321, 2.7182))

    def check(self, response: str) -> Verdict:
        try:
            got = parse_number(response)
        except ValueError as e:
            detail = str(e).split(": ", 1)[1] if ": " in str(e) else ""
            return self.unreadable(detail if detail.startswith(("unknown name", "an exponent", "the value")) else "")
        exp, tol, p = float(self.expected), self.tolerance, self._precision
        if abs(got - exp) <= tol:
            return self.right(f"right {p.text}" if p is not None and p.kind != "exact" else
                              "right" if p is not None else f"within ±{format_number(tol, 2)}")
        shown, off = format_number(got, 6), format_number(abs(got - exp), 3)
        if exp != 0 and abs(got + exp) <= tol:
            return self.wrong(f"{shown}: the sign is wrong", "sign")
        if p is not None and p.kind != "exact":
            limit = f"{p.text} an answer may be off by at most {format_number(p.unit(exp) / 2, 3)}"
            if abs(got - exp) <= p.unit(exp) + 1e-9 * max(1.0, abs(exp)):
                return self.wrong(f"{shown} is off by {off}; {limit} (rounded the wrong way?)", "rounding")
            return self.wrong(f"{shown} is off by {off}; {limit}")
        if p is not None:  # exact
            return self.wrong(f"{shown} is off by {off}; the answer is exact")
        hint = " (close, but outside the tolerance)" if exp != 0 and abs(got / exp - 1) < 0.5 else ""
        return self.wrong(f"{shown} is off by {off}; tolerance ±{format_number(tol, 2)}{hint}")


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
    """A small tensor typed as a nested list, every entry judged at ``precision``
    (None: integer entries, compared exactly); entries may be arithmetic (``[0.9^2, 1/2]``).
    ``atol`` is the deprecated absolute tolerance of old cards."""

    expected: Any  # nested list
    precision: Precision | None = None
    atol: float | None = None  # deprecated
    kind = "a list of numbers"

    def __post_init__(self) -> None:
        import numpy as np

        if self.atol is not None:
            _deprecated("ArrayCheck(atol=)")
        elif self.precision is None and not np.all(np.mod(np.asarray(self.expected, dtype=float), 1) == 0):
            _deprecated("ArrayCheck of non-integer entries without a precision")

    @property
    def expected_text(self) -> str:
        return format_array(self.expected, self.precision)

    def examples(self) -> Sequence[str]:
        import numpy as np

        if np.ndim(self.expected) >= 2:
            return ("[[1, 2], [3, 4]]", "[[5, 6, 7], [8, 9, 10]]")
        return ("[1, 2, 3]", "[4, 5]")

    def _tolerance(self, exp):
        import numpy as np

        if self.precision is not None:
            return np.vectorize(self.precision.tolerance, otypes=[float])(exp) if exp.size else exp
        if self.atol is not None:
            return np.full_like(exp, self.atol)
        return 1e-9 * np.maximum(1.0, np.abs(exp))

    def check(self, response: str) -> Verdict:
        import numpy as np

        try:
            got = np.asarray(parse_array(response), dtype=float)
        except ValueError as e:
            detail = str(e) if str(e).startswith(("unknown name", "an exponent", "the value")) else ""
            return self.unreadable(detail)
        exp = np.asarray(self.expected, dtype=float)
        tol = self._tolerance(exp)
        if got.shape != exp.shape:
            if exp.ndim == 2 and got.shape == exp.shape[::-1] and np.all(np.abs(got - exp.T) <= tol.T):
                return self.wrong("the entries are transposed", "transposed")
            return self.wrong(
                f"your answer has shape {format_shape(got.shape)}, the result has shape {format_shape(exp.shape)}",
                "wrong_shape",
            )
        diff = np.abs(got - exp)
        if np.all(diff <= tol):
            return self.right("every entry matches")
        if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and np.all(np.abs(got - exp.T) <= tol):
            return self.wrong("the entries are transposed", "transposed")
        if np.any(exp != 0) and np.all(np.abs(got + exp) <= tol):
            return self.wrong("every entry has the wrong sign", "sign")
        bad = diff > tol
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape))
        n_bad = int(bad.sum())
        show = (lambda v: format_number(v)) if self.precision is None else self.precision.format
        return self.wrong(
            f"{_count(n_bad, 'entry', 'entries')} {'differs' if n_bad == 1 else 'differ'}; at index {list(idx)} you "
            f"have {format_number(float(got[idx]), 6)}, the result is {show(float(exp[idx]))}",
            "wrong_values",
        )


def format_array(a: Any, precision: Precision | None = None) -> str:
    """A nested list as typed, entries short (or at ``precision``)."""
    import numpy as np

    arr = np.asarray(a)
    show = format_number if precision is None else precision.format
    if arr.ndim == 0:
        return show(float(arr))
    if arr.ndim == 1:
        return "[" + ", ".join(show(float(x)) for x in arr) + "]"
    return "[" + ", ".join(format_array(x, precision) for x in arr) + "]"


@dataclass(frozen=True)
class SetCheck(Check):
    """A set of indices in any order, e.g. which features are represented; a repeated index or
    a nested list is unreadable, not wrong."""

    expected: frozenset[int]
    noun: str = "feature"

    @property
    def kind(self) -> str:  # type: ignore[override]
        return f"a set of {self.noun}s"

    @property
    def expected_text(self) -> str:
        return ", ".join(str(i) for i in sorted(self.expected)) or "none"

    def examples(self) -> Sequence[str]:
        return ("0, 2", "1, 3, 4", "5", "none")

    def check(self, response: str) -> Verdict:
        try:
            got = parse_int_set(response)
        except ValueError as e:
            return self.unreadable(str(e))
        if got == self.expected:
            return self.right(f"right {self.noun}s" if self.expected else f"right: no {self.noun}")
        missing, extra = sorted(self.expected - got), sorted(got - self.expected)
        parts = []
        if missing:
            parts.append(f"missing {self.noun} {', '.join(map(str, missing))}")
        if extra:
            parts.append(f"{self.noun} {', '.join(map(str, extra))} should not be there")
        return self.wrong("; ".join(parts), "missing" if not extra else "extra" if not missing else "missing_and_extra")


@dataclass(frozen=True)
class PairsCheck(Check):
    """A set of unordered index pairs (e.g. antipodal pairs): ``(0, 3), (1, 2)`` or ``none``.
    Ungrouped indices, a repeated pair or (``disjoint``) an index in two pairs is unreadable."""

    expected: frozenset[Pair]
    noun: str = "pair"
    disjoint: bool = True

    @property
    def kind(self) -> str:  # type: ignore[override]
        return f"{self.noun}s"

    @property
    def expected_text(self) -> str:
        return format_pairs(self.expected)

    def examples(self) -> Sequence[str]:
        return ("(0, 5), (2, 4)", "(1, 4)", "(2, 3), (0, 1)", "none")

    def check(self, response: str) -> Verdict:
        try:
            got = parse_pairs(response, self.disjoint)
        except ValueError as e:
            return self.unreadable(str(e))
        exp = _norm_pairs(self.expected)
        if got == exp:
            return self.right(f"right {self.noun}s" if exp else "right: there is none")
        if not exp:
            return self.wrong(f"there is no such {self.noun}", "extra")
        if not got:
            return self.wrong(f"there {'is' if len(exp) == 1 else 'are'} {len(exp)}", "missing")
        missing, extra = sorted(exp - got), sorted(got - exp)
        parts = []
        if missing:
            parts.append(f"missing {format_pairs(missing)}")
        if extra:
            parts.append(f"{format_pairs(extra)} {'is' if len(extra) == 1 else 'are'} not")
        return self.wrong("; ".join(parts), "missing" if not extra else "extra" if not missing else "missing_and_extra")


@dataclass(frozen=True)
class ChoiceCheck(Check):
    """One of a few labelled options; accepts the label (``B``) or the option text."""

    options: tuple[str, ...]
    answer: int
    kind = "one of the options"

    @property
    def expected_text(self) -> str:
        return f"{'ABCDEFGH'[self.answer]}) {self.options[self.answer]}"

    def check(self, response: str) -> Verdict:
        s = response.strip().rstrip(")").strip().lower()
        labels = [c.lower() for c in "ABCDEFGH"[: len(self.options)]]
        m = re.match(r"^\(?([a-h])\)\s*(.+)$", response.strip(), re.I | re.S)  # "C) text", as the answer shows
        if m and m.group(1).lower() in labels:
            s = m.group(1).lower()  # the card asks for a letter: the label decides, whatever follows it
        if s in labels:
            got = labels.index(s)
        else:
            matches = [i for i, o in enumerate(self.options) if o.strip().lower() == s]
            if not matches:
                return Verdict(False, f"Couldn't read that as one of {', '.join(l.upper() for l in labels)}",
                               self.expected_text, unreadable=True)
            got = matches[0]
        if got == self.answer:
            return self.right("right choice")
        return self.wrong(f"{labels[got].upper()} is not it")


# ----------------------------------------------------------- equivalence by execution


def _random_inputs(shapes: Sequence[Shape], seed: int) -> list:
    import torch

    g = torch.Generator().manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
    return [torch.randn(tuple(s), generator=g, dtype=torch.float64) for s in shapes]


def _compare(got, expected, axis_by_size: dict[int, str]) -> tuple[str, str] | None:
    """None when equal; otherwise (why they differ, naming axes by their distinct sizes; diagnosis key)."""
    import torch

    if not isinstance(got, torch.Tensor):
        return f"the result is a {type(got).__name__}, not a tensor", "wrong_shape"
    gshape, eshape = tuple(got.shape), tuple(expected.shape)
    if gshape != eshape:
        def names(shape: Shape) -> str:
            return " ".join(axis_by_size.get(d, str(d)) for d in shape) or "a scalar"

        why = f"wrong output shape: yours gives {format_shape(gshape)}, expected {format_shape(eshape)}"
        if sorted(gshape) == sorted(eshape):
            return why + " — the right axes in the wrong order", "axis_order"
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
                key = "summed_wrong_axis" if summed and extra else "sums_kept_axis" if summed else "keeps_summed_axis"
                return f"{why} ({names(gshape)} instead of {names(eshape)}): " + "; ".join(bits), key
        return why, "wrong_shape"
    if torch.allclose(got.to(expected.dtype), expected, rtol=1e-6, atol=1e-8):
        return None
    if got.ndim >= 2 and got.shape[-1] == got.shape[-2] and torch.allclose(
        got.to(expected.dtype).transpose(-1, -2), expected, rtol=1e-6, atol=1e-8
    ):
        return "right shape, but the last two axes are swapped (transposed result)", "transposed"
    if got.numel() == expected.numel() and torch.allclose(
        torch.sort(got.to(expected.dtype).reshape(-1)).values, torch.sort(expected.reshape(-1)).values,
        rtol=1e-6, atol=1e-8,
    ):
        return "right shape and the right numbers, but in the wrong places: an axis is grouped or ordered wrongly", \
            "misplaced_elements"
    return "right shape, wrong values: an index pairs the wrong axes or sums the wrong one", "wrong_values"


_EINSUM_CHARS = re.compile(r"^[A-Za-z.,\s]*(?:->[A-Za-z.\s]*)?$")


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
    kind = "an einsum string"

    @property
    def expected_text(self) -> str:
        return self.reference

    def examples(self) -> Sequence[str]:
        return ("ij,jk->ik", "bij,bjk->bik", "ij->ji", "i,i->")

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
        call = parse_call(response)
        expr = call.pattern.replace(" ", "")
        if not expr or not _EINSUM_CHARS.match(expr) or not re.search(r"[A-Za-z]", expr):
            return self.unreadable("" if expr else "empty answer")
        n_in = len(expr.split("->")[0].split(","))
        if n_in != len(self.shapes):
            return self.wrong(
                f"invalid expression: it names {n_in} operand(s), the operation takes {len(self.shapes)}",
                "operand_count",
            )
        ops = _random_inputs(self.shapes, self.seed)
        if self.same_as:
            ops = [ops[j] for j in self.same_as]
        expected = run_pattern("einsum", self.reference, ops, library="torch")
        order = self._order(call.args) if call.args and self.operands else list(range(len(ops)))
        if isinstance(order, str):
            return self.wrong(order, "wrong_operands")
        try:
            got = run_pattern("einsum", expr, [ops[j] for j in order], library="torch")
        except Exception as e:  # torch raises RuntimeError/ValueError for bad subscripts
            return self.wrong(f"invalid expression: {error_text(e)}", "invalid")
        diff = _compare(got, expected, dict(self.axis_names))
        if diff is None:
            return self.right("computes the same tensor")
        return self.wrong(*diff)


_EINOPS_CHARS = re.compile(r"^[\w\s().…*,-]*(?:->[\w\s().…*,]*)?$")


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
    weight_shape: str | None = None  # einmix (the EinMix layer)
    bias_shape: str | None = None
    kind = "an einops pattern"

    @property
    def expected_text(self) -> str:
        return self.reference

    def examples(self) -> Sequence[str]:
        if self.op in ("pack", "unpack"):
            return ("b * d", "* n")
        if self.op == "einsum":
            return ("i j, j k -> i k", "b i j, b j k -> b i k")
        return ("b c h w -> b h w c", "a b -> b a", "(u v) w -> u v w")

    def run(self, pattern: str, reduction: str | None = None, axes_lengths: dict | None = None):
        from exercises.patterns import run

        lengths = dict(self.axes_lengths) if axes_lengths is None else axes_lengths
        return run(self.op, pattern, _random_inputs(self.shapes, self.seed), reduction=reduction or self.reduction,
                   lengths=lengths, packed_shapes=self.packed_shapes, weight_shape=self.weight_shape,
                   bias_shape=self.bias_shape, seed=self.seed)

    def _readable(self, pattern: str) -> bool:
        p = pattern.strip()
        if not p or not _EINOPS_CHARS.match(p) or not re.search(r"[A-Za-z_*0-9]|\.\.\.", p):
            return False
        return ("->" in p) == (self.op not in ("pack", "unpack"))

    def check(self, response: str) -> Verdict:
        call = parse_call(response)
        if not self._readable(call.pattern):
            return self.unreadable("" if call.pattern.strip() else "empty answer")
        # The reference's axis lengths apply only to axes the response names: a whole call
        # with renamed axes (``..., r=4``) must not also get ``h=4`` ("Axis h is not used").
        named = set(re.findall(r"[A-Za-z_]\w*", call.pattern))
        lengths = {**{k: v for k, v in self.axes_lengths if k in named}, **call.axes_lengths}
        if call.reduction and self.op == "reduce" and call.reduction != self.reduction:
            return self.wrong(
                f"wrong reduction: {call.reduction!r}, the operation uses {self.reduction!r}", "wrong_reduction"
            )
        expected = self.run(self.reference)
        try:
            got = self.run(call.pattern, call.reduction, lengths)
        except Exception as e:  # einops raises EinopsError with the pattern quoted
            return self.wrong(f"invalid pattern: {error_text(e)}", "invalid")
        if isinstance(expected, list):  # unpack: compare the pieces, then their values
            import torch

            gs, es = [tuple(p.shape) for p in got], [tuple(p.shape) for p in expected]
            if gs != es:
                return self.wrong(
                    f"wrong output shapes: yours splits into {', '.join(map(format_shape, gs))}, "
                    f"expected {', '.join(map(format_shape, es))}",
                    "wrong_shape",
                )
            got, expected = torch.cat([p.reshape(-1) for p in got]), torch.cat([p.reshape(-1) for p in expected])
        diff = _compare(got, expected, dict(self.axis_names))
        if diff is None:
            return self.right("computes the same tensor")
        if diff[1] in ("misplaced_elements", "wrong_values"):
            diff = self._misplaced(got) or diff
        return self.wrong(*diff)

    def _misplaced(self, got) -> tuple[str, str] | None:
        """Name the classic layout mistakes by running them: a plain reshape (no axes moved), a
        group whose axes are listed in the other order, and so tile versus repeat-interleave."""
        import torch

        if self.op not in ("rearrange", "repeat", "reduce"):
            return None

        def same(pattern: str) -> bool:
            try:
                other = self.run(pattern)
                return tuple(other.shape) == tuple(got.shape) and torch.allclose(other.to(got.dtype), got)
            except Exception:  # a swap einops refuses is not the learner's result
                return False

        x = _random_inputs(self.shapes, self.seed)[0]
        if self.op == "rearrange" and x.numel() == got.numel() and torch.equal(x.reshape(got.shape), got):
            return ("the elements are still in memory order: a reshape without moving (permuting) the axes first",
                    "reshape_without_permute")
        lhs, _, rhs = self.reference.partition("->")
        for side, text in (("rhs", rhs), ("lhs", lhs)):
            for m in re.finditer(r"\(([^()]*)\)", text):
                names = m.group(1).split()
                if len(names) < 2:
                    continue
                swapped = text[: m.start()] + "(" + " ".join(names[::-1]) + ")" + text[m.end():]
                if not same(f"{swapped}->{rhs}" if side == "lhs" else f"{lhs}->{swapped}"):
                    continue
                new = [n for n in names if n not in re.findall(r"\w+", lhs)]
                if self.op == "repeat" and side == "rhs" and new:
                    if names[0] in new:  # (r a): the whole block repeats, like torch.tile
                        return ("each element is repeated in place (repeat_interleave); the operation repeats "
                                "the whole block (tile)", "interleave_for_tile")
                    return ("the whole block is repeated (tile); the operation repeats each element in place "
                            "(repeat_interleave)", "tile_for_interleave")
                return (f"the group ({' '.join(names[::-1])}) lists its axes in the wrong order: the first "
                        "one in a group varies slowest", "group_order")
        return None


def distinct_sizes(rng, n: int, low: int = 2, high: int = 9) -> list[int]:
    """``n`` distinct sizes from ``[low, high]``, so every axis is identifiable by its size."""
    if high - low + 1 < n:
        high = low + n - 1
    return rng.sample(range(low, high + 1), n)


# ----------------------------------------------------------- expressions, by execution
#
# The fix form asks for a Python expression (``x.permute(0, 2, 1, 3).reshape(b, s, h * d)``).
# It is never handed to Python's ``eval``: :class:`_Evaluator` walks the parsed tree and allows
# only the snippet's names, a few torch / einops functions and tensor methods, arithmetic,
# subscripts and constants. Every response runs first on the meta device (shapes only, nothing
# allocated) so an expression that would build a huge tensor is refused before it costs anything.

MAX_EXPRESSION_CHARS = 400
MAX_EXPRESSION_NODES = 300
MAX_ELEMENTS = 2_000_000  # largest tensor an expression may build (one call, or its result)
MAX_INT = 10**9  # largest number an expression may compute with

_TORCH_FUNCS = frozenset({
    "einsum", "matmul", "bmm", "mm", "transpose", "permute", "reshape", "relu", "sum", "mean", "flatten",
    "unsqueeze", "squeeze", "movedim", "swapaxes", "cat", "stack", "clamp", "maximum",
})
_EINOPS_FUNCS = frozenset({"rearrange", "reduce", "repeat", "einsum"})
_F_FUNCS = frozenset({"relu"})
_TENSOR_ATTRS = frozenset({"T", "mT", "shape", "ndim"})
_TENSOR_METHODS = frozenset({
    "permute", "transpose", "reshape", "view", "sum", "mean", "relu", "flatten", "unsqueeze", "squeeze",
    "contiguous", "movedim", "swapaxes", "clamp", "matmul", "size", "dim",
})
_EXPR_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
}
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
#: keywords a torch function or tensor method may get (never ``out=`` or ``inplace=``, which write)
_TORCH_KEYWORDS = frozenset({"dim", "keepdim", "dim0", "dim1", "min", "max", "start_dim", "end_dim", "dims",
                             "source", "destination"})
_DISPLAY_ONLY = re.compile(r"\s*(?:#.*|import\s.*|from\s.*)?\Z")


class ExpressionRefused(ValueError):
    """The expression is not one the checker will run (unknown name, disallowed construct, too large)."""


class ExpressionFailed(Exception):
    """The expression is allowed but does not run (a shape mismatch, a bad pattern)."""


@dataclass(frozen=True)
class _Namespace:
    """``torch``, ``einops``, ``F`` (and ``torch.nn``): only their whitelisted members are reachable."""

    name: str
    members: frozenset[str]
    subspaces: tuple[tuple[str, "_Namespace"], ...] = ()


_F = _Namespace("F", _F_FUNCS)
_NAMESPACES = {
    "torch": _Namespace("torch", _TORCH_FUNCS, (("nn", _Namespace("torch.nn", frozenset(), (("functional", _F),))),)),
    "einops": _Namespace("einops", _EINOPS_FUNCS),
    "F": _F,
}
_BARE = {"rearrange": ("einops", "rearrange"), "reduce": ("einops", "reduce"), "repeat": ("einops", "repeat")}


@dataclass(frozen=True)
class _Fn:
    """A whitelisted callable, resolved to the real function only when called."""

    owner: Any  # a _Namespace, or the tensor a method is bound to
    name: str


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Evaluator:
    """Evaluates one whitelisted expression tree in ``env`` (tensors, ints, shapes by name)."""

    def __init__(self, env: dict[str, Any]):
        self.env = env

    # -- resolution
    def _call_fn(self, fn: _Fn, args: list, kwargs: dict) -> Any:
        import torch

        if isinstance(fn.owner, _Namespace):
            if fn.owner.name == "einops":
                import einops

                target = getattr(einops, fn.name)
            elif fn.owner.name == "F":
                target = getattr(torch.nn.functional, fn.name)
            else:
                target = getattr(torch, fn.name)
        else:
            target = getattr(fn.owner, fn.name)
        self._guard_call(args, kwargs)
        einops_call = isinstance(fn.owner, _Namespace) and fn.owner.name == "einops"
        if einops_call:
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in kwargs.values()):
                raise ExpressionRefused("einops keywords are axis lengths (whole numbers)")
        elif set(kwargs) - _TORCH_KEYWORDS:
            raise ExpressionRefused(f"the keyword {min(set(kwargs) - _TORCH_KEYWORDS)!r}")
        if isinstance(fn.owner, _Namespace) and fn.owner.name == "F" and len(args) > 1:
            raise ExpressionRefused("F.relu takes one tensor")  # its second argument is `inplace`
        try:
            out = target(*args, **kwargs)
        except (ExpressionRefused, MemoryError):
            raise
        except Exception as e:  # torch / einops reject shapes or patterns: the response is wrong, not unreadable
            raise ExpressionFailed(error_text(e)) from None
        return self._guard(out)

    def _guard_call(self, args: list, kwargs: dict) -> None:
        """Refuse a call whose integers (sizes, repeats, numbers inside a pattern) could build a huge tensor."""
        import torch

        ints: list[int] = []
        biggest = 1
        for a in [*args, *kwargs.values()]:
            if isinstance(a, torch.Tensor):
                biggest = max(biggest, a.numel())
            elif isinstance(a, bool):
                continue
            elif isinstance(a, int):
                ints.append(abs(a))
            elif isinstance(a, str):
                ints += [int(d) for d in re.findall(r"\d+", a)]
            elif isinstance(a, (tuple, list)):
                ints += [abs(v) for v in a if isinstance(v, int) and not isinstance(v, bool)]
        total = 1
        for v in ints:
            total *= max(v, 1)
            if total > MAX_ELEMENTS:
                raise ExpressionRefused(f"the sizes in one call multiply to more than {MAX_ELEMENTS:,}")

    def _guard(self, v: Any) -> Any:
        import torch

        if isinstance(v, torch.Tensor):
            if v.numel() > MAX_ELEMENTS:
                raise ExpressionRefused(f"a tensor of more than {MAX_ELEMENTS:,} elements")
        elif isinstance(v, bool):
            pass
        elif _number(v):
            if not (abs(v) <= MAX_INT) and not (isinstance(v, float) and math.isnan(v)):
                raise ExpressionRefused(f"a number above {MAX_INT:,}")
        elif isinstance(v, (tuple, list)):
            if len(v) > 16:
                raise ExpressionRefused("a tuple of more than 16 entries")
            for e in v:
                self._guard(e)
        elif isinstance(v, str):
            if len(v) > MAX_EXPRESSION_CHARS:
                raise ExpressionRefused("a string that long")
        elif v is not None and v is not Ellipsis and not isinstance(v, (_Fn, _Namespace, slice)):
            raise ExpressionRefused(f"a value of type {type(v).__name__}")
        return v

    # -- the walk
    def ev(self, node: ast.AST) -> Any:
        import torch

        if isinstance(node, ast.Constant):
            v = node.value
            if v is None or v is Ellipsis or isinstance(v, (bool, int, float, str)):
                return self._guard(v)
            raise ExpressionRefused(f"a {type(v).__name__} constant")
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in _NAMESPACES:
                return _NAMESPACES[node.id]
            if node.id in _BARE:
                mod, fn = _BARE[node.id]
                return _Fn(_NAMESPACES[mod], fn)
            raise ExpressionRefused(f"unknown name {node.id!r}")
        if isinstance(node, ast.Attribute):
            name = node.attr
            if name.startswith("_"):
                raise ExpressionRefused(f"attribute {name!r}")
            owner = self.ev(node.value)
            if isinstance(owner, _Namespace):
                sub = dict(owner.subspaces)
                if name in sub:
                    return sub[name]
                if name in owner.members:
                    return _Fn(owner, name)
                raise ExpressionRefused(f"{owner.name}.{name} is not allowed here")
            if isinstance(owner, torch.Tensor):
                if name in _TENSOR_ATTRS:
                    try:
                        value = tuple(owner.shape) if name == "shape" else getattr(owner, name)
                    except Exception as e:  # e.g. .mT of a vector
                        raise ExpressionFailed(error_text(e)) from None
                    return self._guard(value)
                if name in _TENSOR_METHODS:
                    return _Fn(owner, name)
                raise ExpressionRefused(f"the tensor method {name!r} is not allowed here")
            raise ExpressionRefused(f"attribute {name!r} of a {type(owner).__name__}")
        if isinstance(node, ast.Call):
            fn = self.ev(node.func)
            if not isinstance(fn, _Fn):
                raise ExpressionRefused("only torch, einops and tensor functions can be called")
            args: list[Any] = []
            for a in node.args:
                if isinstance(a, ast.Starred):
                    seq = self.ev(a.value)
                    if not isinstance(seq, tuple) or not all(_number(v) for v in seq):
                        raise ExpressionRefused("only a shape can be unpacked with *")
                    args.extend(seq)
                else:
                    args.append(self.ev(a))
            kwargs: dict[str, Any] = {}
            for k in node.keywords:
                if k.arg is None or not _KEYWORD.match(k.arg):
                    raise ExpressionRefused("only plain keyword arguments are allowed")
                kwargs[k.arg] = self.ev(k.value)
            return self._call_fn(fn, args, kwargs)
        if isinstance(node, ast.BinOp) and type(node.op) in _EXPR_BINOPS:
            left, right = self.ev(node.left), self.ev(node.right)
            kinds = (torch.Tensor, int, float)
            if isinstance(node.op, ast.Add) and isinstance(left, tuple) and isinstance(right, tuple):
                return self._guard(left + right)  # x.shape[:2] + (-1,)
            if not (isinstance(left, kinds) and isinstance(right, kinds)) or isinstance(left, bool) or isinstance(right, bool):
                raise ExpressionRefused("arithmetic is only for numbers and tensors")
            if isinstance(node.op, ast.Pow) and _number(left) and _number(right) and (abs(right) > 16 or abs(left) > 10**6):
                raise ExpressionRefused("a power that large")
            if isinstance(node.op, ast.MatMult) and not (isinstance(left, torch.Tensor) and isinstance(right, torch.Tensor)):
                raise ExpressionRefused("@ multiplies tensors")
            try:
                out = _EXPR_BINOPS[type(node.op)](left, right)
            except ZeroDivisionError:
                raise ExpressionFailed("division by zero") from None
            except Exception as e:
                raise ExpressionFailed(error_text(e)) from None
            return self._guard(out)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.ev(node.operand)
            if not isinstance(v, (torch.Tensor, int, float)) or isinstance(v, bool):
                raise ExpressionRefused("a sign is only for numbers and tensors")
            return self._guard(-v if isinstance(node.op, ast.USub) else v)
        if isinstance(node, ast.Subscript):
            base = self.ev(node.value)
            if not isinstance(base, (torch.Tensor, tuple)):
                raise ExpressionRefused("only tensors and shapes can be indexed")
            index = self._index(node.slice)
            try:
                return self._guard(base[index])
            except (ExpressionRefused, MemoryError):
                raise
            except Exception as e:
                raise ExpressionFailed(error_text(e)) from None
        if isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise ExpressionRefused("* inside a tuple")
            return self._guard(tuple(self.ev(e) for e in node.elts))
        raise ExpressionRefused(f"{type(node).__name__} is not allowed here")

    def _index(self, node: ast.AST) -> Any:
        """An index: ints, slices of ints, None and ``...`` (no tensors, so no fancy indexing)."""
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self._index_int(p) for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        if isinstance(node, ast.Tuple):
            return tuple(self._index(e) for e in node.elts)
        if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
            return node.value
        return self._index_int(node)

    def _index_int(self, node: ast.AST) -> int:
        v = self.ev(node)
        if not isinstance(v, int) or isinstance(v, bool):
            raise ExpressionRefused("an index must be a whole number, a slice, None or ...")
        return v


def parse_expression(text: str) -> ast.expr:
    """The tree of one Python expression, size-checked; ExpressionRefused when it is not one."""
    s = text.strip()
    if not s:
        raise ExpressionRefused("empty answer")
    if len(s) > MAX_EXPRESSION_CHARS:
        raise ExpressionRefused(f"longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(s, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExpressionRefused("not a Python expression") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_EXPRESSION_NODES:
        raise ExpressionRefused("too long an expression")
    return tree.body


def evaluate_expression(text: str, env: dict[str, Any], trusted: bool = False) -> Any:
    """The value of a whitelisted expression in ``env`` (names to tensors, ints, shapes).

    Unless ``trusted`` (the family's own reference and mistakes), it first runs on meta copies of
    the tensors (shapes only), so a too large result is refused before anything is allocated.
    Raises ExpressionRefused (not allowed / unreadable) or ExpressionFailed (allowed, but torch or
    einops reject it).
    """
    import warnings

    import torch

    tree = parse_expression(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. torch deprecating .T of a 3-D tensor: a library note, not a verdict
            if not trusted:
                meta = {k: v.to("meta") if isinstance(v, torch.Tensor) else v for k, v in env.items()}
                _Evaluator(meta).ev(tree)
            return _Evaluator(env).ev(tree)
    except RecursionError:
        raise ExpressionRefused("too deeply nested") from None


def split_assignment(line: str) -> tuple[tuple[str, ...], str] | None:
    """``"a, b = x.shape  # note"`` -> ``(("a", "b"), "x.shape")``; None for a line that only shows
    (blank, a comment, an import) or is no plain assignment."""
    if _DISPLAY_ONLY.match(line):
        return None
    try:
        node = ast.parse(line.strip()).body
    except SyntaxError:
        return None
    if len(node) != 1 or not isinstance(node[0], ast.Assign) or len(node[0].targets) != 1:
        return None
    target = node[0].targets[0]
    elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    if not all(isinstance(e, ast.Name) for e in elts):
        return None
    return tuple(e.id for e in elts), ast.get_source_segment(line.strip(), node[0].value) or ""


def run_setup(setup: Sequence[str], env: dict[str, Any]) -> dict[str, Any]:
    """``env`` extended by the snippet's setup lines, each evaluated like a response; lines that
    only show (comments, imports, the inputs' own definitions) are skipped."""
    env = dict(env)
    inputs = set(env)
    for line in setup:
        parsed = split_assignment(line)
        if parsed is None:
            continue
        names, expr = parsed
        if set(names) <= inputs:
            continue  # e.g. "x = torch.randn(3, 4)": the input is drawn fresh instead
        value = evaluate_expression(expr, env, trusted=True)
        if len(names) == 1:
            env[names[0]] = value
        else:
            if not isinstance(value, tuple) or len(value) != len(names):
                raise ExpressionFailed(f"cannot unpack into {', '.join(names)}")
            env.update(zip(names, value))
    return env


def _response_expression(text: str, target: str) -> str:
    """The expression of a response: backticks and a leading ``target =`` (or any ``name =``) dropped."""
    s = text.strip().strip("`").strip()
    s = s.removeprefix("python\n")
    m = re.match(r"([A-Za-z_]\w*)\s*=(?!=)\s*", s)
    if m and (not target or m.group(1) == target or "\n" not in s):
        s = s[m.end():]
    return s


@dataclass(frozen=True)
class ExpressionCheck(Check):
    """A Python expression (torch / einops) judged by running it on fresh inputs against ``reference``.

    ``inputs(rng)`` draws one trial's named inputs (tensors with a distinct size per axis, ints);
    ``setup`` are the snippet's lines before the asked one, run the same way so the response may
    use their names. The response must give the reference's tensor (shape, then values) on
    ``trials`` seeded draws. ``mistakes`` are (name, expression, diagnosis key) of the classic
    mistakes: a response computing one of them is told which; ``shown`` is the expression the card
    printed (retyping it is the laziest answer).
    """

    reference: str
    inputs: Callable[[Any], dict[str, Any]]
    setup: tuple[str, ...] = ()
    mistakes: tuple[tuple[str, str, str], ...] = ()
    shown: str = ""
    target: str = ""
    seed: int = 0
    trials: int = 3
    #: the trials' inputs and the results of expressions already run on them (a few dozen at most)
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    kind = "a Python expression"

    @property
    def expected_text(self) -> str:
        return self.reference

    def _envs(self) -> list[dict[str, Any]]:
        """Fresh inputs for every trial (float tensors in float64), the setup lines run on them."""
        import random

        import torch

        if "envs" in self._memo:
            return self._memo["envs"]
        envs = []
        for t in range(self.trials):
            raw = self.inputs(random.Random(f"{self.seed}/{t}"))
            env = {k: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v for k, v in raw.items()}
            envs.append(run_setup(self.setup, env))
        self._memo["envs"] = envs
        return envs

    def examples(self) -> Sequence[str]:
        import random

        import torch

        names = [k for k, v in self.inputs(random.Random(self.seed)).items() if isinstance(v, torch.Tensor)]
        if not names:
            return ()
        x = names[0]
        return (f"{x}.sum(0)", f"{x}.flatten()", f"torch.relu({x})", f"{x} * 2")

    def _results(self, expr: str, envs: list[dict[str, Any]], trusted: bool = False) -> list[Any]:
        """``expr`` run on every trial; remembered, so the family's expressions run once per check."""
        key = ("results", expr)
        if key not in self._memo:
            out = [evaluate_expression(expr, env, trusted) for env in envs]  # raises before remembering
            if len(self._memo) > 64:
                for k in [k for k in self._memo if k != "envs"][:32]:
                    del self._memo[k]
            self._memo[key] = out
        return self._memo[key]

    def check(self, response: str) -> Verdict:
        return self._judge(response, trusted=False)

    def verify(self, expression: str) -> Verdict:
        """Judge one of the family's own expressions (its reference, alternatives, mistakes): the same
        verdict as :meth:`check`, without the size probe on the meta device."""
        return self._judge(expression, trusted=True)

    def _judge(self, response: str, trusted: bool) -> Verdict:
        import torch

        expr = _response_expression(response, self.target)
        try:
            parse_expression(expr)
        except ExpressionRefused as e:
            return self.unreadable(str(e))
        envs = self._envs()
        expected = self._results(self.reference, envs, trusted=True)
        versions = [t._version for env in envs for t in env.values() if isinstance(t, torch.Tensor)]
        failure = None
        try:
            got = self._results(expr, envs, trusted)
        except ExpressionRefused as e:
            failure = self.unreadable(str(e))
        except ExpressionFailed as e:
            failure = self._failed(expr, str(e))
        if versions != [t._version for env in envs for t in env.values() if isinstance(t, torch.Tensor)]:
            self._memo.clear()  # something wrote into the inputs (no allowed call should): draw them afresh
            return self.unreadable("it changes its inputs in place")
        if failure is not None:
            return failure
        diffs = [_compare(g, e, {}) for g, e in zip(got, expected)]
        if all(d is None for d in diffs):
            return self.right(f"computes the same tensor on {_count(len(envs), 'fresh input')}")
        for name, m_expr, key, unchanged in self._known():
            try:
                theirs = self._results(m_expr, envs, trusted=True)
            except (ExpressionRefused, ExpressionFailed):
                continue
            if all(isinstance(g, torch.Tensor) and _compare(g, t, {}) is None for g, t in zip(got, theirs)):
                if unchanged:  # diagnosed as the shown mistake, so feedback can aim at it
                    return self.wrong("it computes the same as the marked line as it stands: the mistake is "
                                      f"still there ({name})" if name else
                                      "it computes the same as the marked line as it stands", key)
                return self.wrong(f"it computes the same as a classic mistake: {name}", key)
        return self.wrong(*next(d for d in diffs if d is not None))

    def _failed(self, expr: str, error: str) -> Verdict:
        """The verdict on a response that does not run; a listed mistake that does not run either
        (a transposed W with other sizes...) is recognised by its code and named."""
        tree = ast.dump(parse_expression(expr))
        for name, m_expr, key, unchanged in self._known():
            try:
                same = ast.dump(parse_expression(m_expr)) == tree
            except ExpressionRefused:
                continue
            if same:
                where = "the marked line as it stands" if unchanged else "a classic mistake"
                return self.wrong(f"it does not run ({error}): it is {where}" + (f": {name}" if name else ""), key)
        return self.wrong(f"it does not run: {error}", "invalid")

    def _known(self) -> list[tuple[str, str, str, bool]]:
        """(name, expression, key, is the shown line) of the mistakes a response is compared with."""
        shown_name, shown_key = next(((n, k) for n, e, k in self.mistakes if e == self.shown), ("", ""))
        out = [(shown_name, self.shown, shown_key or "unchanged", True)] if self.shown else []
        return out + [(n, e, k or "classic_mistake", False) for n, e, k in self.mistakes if e != self.shown]


def rejected(check: Check, candidates: Iterable[str], answer_text: str) -> tuple[str, ...]:
    """The candidates ``check`` judges readable and wrong: plausible wrong answers that really
    are wrong (deduplicated, never the answer's own text; one the check cannot run is dropped)."""
    out: list[str] = []
    for c in candidates:
        c = str(c).strip()
        if not c or c == answer_text or c in out:
            continue
        try:
            v = check.check(c)
        except Exception:  # noqa: BLE001 - a candidate that breaks the check is no distractor
            continue
        if not v.correct and not v.unreadable:
            out.append(c)
    return tuple(out)
