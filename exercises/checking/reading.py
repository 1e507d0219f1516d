"""Reading typed answers (numbers, safe arithmetic, shapes, arrays, sets, pairs, calls) and
writing them back the one way every prompt and reason shows them."""
from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from exercises.checking.precision import Precision

Shape = tuple[int, ...]

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


def norm_pairs(pairs) -> frozenset[Pair]:
    return frozenset(tuple(sorted((int(a), int(b)))) for a, b in pairs)


def format_pairs(pairs) -> str:
    """``(0, 3), (1, 2)`` or ``none``."""
    return ", ".join(f"({a}, {b})" for a, b in sorted(norm_pairs(pairs))) or "none"


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



def format_shape(shape: Sequence[int]) -> str:
    """``(3, 4)``, ``(5,)`` or ``()``: how every prompt and reason writes a shape."""
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"



def format_number(x: float, digits: int = 4) -> str:
    """Short, stable text for a number: integers without a point, others to ``digits``."""
    if isinstance(x, bool):
        return str(x)
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


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
