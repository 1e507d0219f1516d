"""The one whitelisted expression evaluator, shared by the fix and task forms."""
from __future__ import annotations

import ast
import functools
import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from exercises.patterns import error_text

# ----------------------------------------------------------- expressions, by execution
#
# The fix form asks for a Python expression (``x.permute(0, 2, 1, 3).reshape(b, s, h * d)``).
# It is never handed to Python's ``eval``: :class:`_Evaluator` walks the parsed tree and allows
# only the snippet's names, a few torch / einops functions and tensor methods, arithmetic,
# single comparisons of numbers and tensors (masks, combined only by & | ~), subscripts and
# constants. Every response runs first on the meta device (shapes only, nothing
# allocated) so an expression that would build a huge tensor is refused before it costs anything.

MAX_EXPRESSION_CHARS = 400
MAX_EXPRESSION_NODES = 300
MAX_ELEMENTS = 2_000_000  # largest tensor an expression may build (one call, or its result)
MAX_INT = 10**9  # largest number an expression may compute with

_TORCH_FUNCS = frozenset({
    "einsum", "matmul", "bmm", "mm", "transpose", "permute", "reshape", "relu", "sum", "mean", "flatten",
    "unsqueeze", "squeeze", "movedim", "swapaxes", "cat", "stack", "clamp", "maximum",
    # the task form: any tool a learner may choose for a described operation
    "diagonal", "trace", "outer", "amax", "amin", "max", "min", "prod", "square", "abs", "sqrt", "exp",
    "tile", "repeat_interleave", "diag_embed", "minimum", "where", "zeros_like", "ones_like", "mv", "dot",
    "tensordot", "unflatten", "concat", "concatenate", "hstack", "vstack",
    # the fix forms of the thresholding SAEs (a step, a mask, a log-threshold)
    "heaviside", "log", "sign", "sigmoid", "gt", "ge", "lt", "le", "logical_and", "logical_or", "logical_not",
    "diag",  # a weighted product: P @ torch.diag(s) @ Q
})
_EINOPS_FUNCS = frozenset({"rearrange", "reduce", "repeat", "einsum", "pack"})
_F_FUNCS = frozenset({"relu"})
_TENSOR_ATTRS = frozenset({"T", "mT", "shape", "ndim"})
_TENSOR_METHODS = frozenset({
    "permute", "transpose", "reshape", "view", "sum", "mean", "relu", "flatten", "unsqueeze", "squeeze",
    "contiguous", "movedim", "swapaxes", "clamp", "matmul", "size", "dim",
    # the task form
    "max", "min", "amax", "amin", "prod", "diagonal", "trace", "t", "expand", "expand_as", "repeat",
    "repeat_interleave", "tile", "unflatten", "pow", "square", "abs", "sqrt", "exp", "clamp_min", "mm",
    "bmm", "mv", "dot", "outer", "view_as", "reshape_as", "diag_embed", "norm",
    # the fix forms of the thresholding SAEs: masks made numbers, a step, a choice
    "float", "double", "type_as", "heaviside", "where", "log", "sign", "sigmoid", "gt", "ge", "lt", "le",
})
#: the fields of what ``max``/``min`` with a dim return
_RESULT_FIELDS = frozenset({"values", "indices"})
_EXPR_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
}
#: comparisons give masks (``z > theta``); one comparison at a time, of numbers and tensors only
_EXPR_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
#: ``&``, ``|`` and ``~`` combine masks (bool tensors) and nothing else
_MASK_BINOPS: dict[type, Callable[[Any, Any], Any]] = {ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
#: keywords a torch function or tensor method may get (never ``out=`` or ``inplace=``, which write)
_TORCH_KEYWORDS = frozenset({"dim", "keepdim", "dim0", "dim1", "min", "max", "start_dim", "end_dim", "dims",
                             "source", "destination", "dim2", "offset", "sizes", "p", "exponent", "repeats"})
_DISPLAY_ONLY = re.compile(r"\s*(?:#.*|import\s.*|from\s.*)?\Z")

# the tensors topic's task form (issue 24): indexing by tensors, running sums, probabilities and losses,
# masks; the creating functions' float arguments count as sizes too (``_CREATES``)
_CREATES = frozenset({"arange", "ones", "zeros", "eye"})


#: functions whose meta kernels are slow (Python decompositions, 0.6-11 ms a call, most of the time to judge
#: a mask or a loss): the size probe uses a stand-in that gives the same shape
_SAME_SHAPE = frozenset({"tril", "triu", "cumsum", "cumprod", "log_softmax"})
_SLOW_ON_META = _SAME_SHAPE | {"logsumexp", "cross_entropy", "nll_loss"}


def _meta_stand_in(fn: Any) -> Callable[..., Any]:
    """For the size probe: the input itself where the result has its shape, ``sum`` for ``logsumexp``
    (a reduction of the same shape), the result's shape for a loss (one value per target entry, or one number)."""
    import torch

    method = not isinstance(fn.owner, _Namespace)
    if fn.name in _SAME_SHAPE:
        return (lambda *args, **kwargs: fn.owner) if method else (lambda x, *args, **kwargs: x)
    if fn.name == "logsumexp":
        return fn.owner.sum if method else torch.sum

    def loss(input: Any, target: Any, *args: Any, reduction: str = "mean", **kwargs: Any) -> Any:
        return torch.empty(tuple(target.shape) if reduction == "none" else (), dtype=input.dtype, device="meta")
    return loss


_TORCH_FUNCS = _TORCH_FUNCS | _CREATES | frozenset({
    "gather", "take_along_dim", "index_select", "cumsum", "cumprod", "softmax", "log_softmax", "logsumexp", "log",
    "tril", "triu", "flip", "argmax", "argmin", "diff", "sign", "norm", "std", "var", "eq", "ne", "gt", "lt", "ge", "le"})
_F_FUNCS = _F_FUNCS | frozenset({"softmax", "log_softmax", "cross_entropy", "nll_loss", "normalize", "one_hot"})
_TENSOR_METHODS = _TENSOR_METHODS | frozenset({
    "gather", "take_along_dim", "index_select", "cumsum", "cumprod", "softmax", "log_softmax", "logsumexp", "log",
    "tril", "triu", "flip", "argmax", "argmin", "diff", "sign", "std", "var", "clamp_max", "masked_fill",
    "float", "double", "long", "int", "bool", "eq", "ne", "lt", "le", "gt", "ge", "any", "all"})
_TORCH_KEYWORDS = _TORCH_KEYWORDS | frozenset({
    "index", "diagonal", "reduction", "start", "end", "step", "eps", "num_classes", "value", "mask", "n",
    "correction", "unbiased"})


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


def _mask(v: Any) -> bool:
    """A bool, or a bool tensor (what a comparison gives)."""
    import torch

    return isinstance(v, bool) or (isinstance(v, torch.Tensor) and v.dtype == torch.bool)


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
        if fn.name == "einsum" and isinstance(fn.owner, _Namespace):
            _guard_einsum(fn.owner.name, args)
        einops_call = isinstance(fn.owner, _Namespace) and fn.owner.name == "einops"
        if einops_call:
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in kwargs.values()):
                raise ExpressionRefused("einops keywords are axis lengths (whole numbers)")
        elif set(kwargs) - _TORCH_KEYWORDS:
            raise ExpressionRefused(f"the keyword {min(set(kwargs) - _TORCH_KEYWORDS)!r}")
        if isinstance(fn.owner, _Namespace) and fn.owner.name == "F" and fn.name == "relu" and len(args) > 1:
            raise ExpressionRefused("F.relu takes one tensor")  # its second argument is `inplace`
        if fn.name in _CREATES and isinstance(fn.owner, _Namespace):  # torch.arange(1e12): a size, as a float
            self._guard_call([int(min(abs(a), 1e15)) if isinstance(a, float) and math.isfinite(a) else a
                              for a in args], {})
            if self._probing():
                kwargs = {**kwargs, "device": "meta"}  # the size probe: nothing allocated
        if fn.name in _SLOW_ON_META and self._probing():  # the probe needs the shape only
            target = _meta_stand_in(fn)
        try:
            out = target(*args, **kwargs)
        except (ExpressionRefused, MemoryError):
            raise
        except Exception as e:  # torch / einops reject shapes or patterns: the response is wrong, not unreadable
            raise ExpressionFailed(error_text(e)) from None
        return self._guard(out)

    def _probing(self) -> bool:
        """Whether this is the size probe (the inputs are meta tensors)."""
        import torch

        return any(isinstance(v, torch.Tensor) and v.is_meta for v in self.env.values())

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
            if isinstance(owner, tuple) and name in _RESULT_FIELDS and hasattr(owner, name):
                return getattr(owner, name)  # x.max(-1).values
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
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _EXPR_COMPARE:
                raise ExpressionRefused("one comparison at a time (<, <=, >, >=, ==, !=)")
            left, right = self.ev(node.left), self.ev(node.comparators[0])
            if not all(isinstance(v, (torch.Tensor, int, float)) for v in (left, right)):
                raise ExpressionRefused("comparisons are only for numbers and tensors")
            try:
                return self._guard(_EXPR_COMPARE[type(node.ops[0])](left, right))
            except (ExpressionRefused, MemoryError):
                raise
            except Exception as e:  # shapes that do not broadcast
                raise ExpressionFailed(error_text(e)) from None
        if isinstance(node, ast.BinOp) and type(node.op) in _MASK_BINOPS:
            left, right = self.ev(node.left), self.ev(node.right)
            if not all(_mask(v) for v in (left, right)):
                raise ExpressionRefused("& and | combine masks (comparisons), nothing else")
            try:
                return self._guard(_MASK_BINOPS[type(node.op)](left, right))
            except (ExpressionRefused, MemoryError):
                raise
            except Exception as e:
                raise ExpressionFailed(error_text(e)) from None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            v = self.ev(node.operand)
            if not (isinstance(v, torch.Tensor) and v.dtype == torch.bool):
                raise ExpressionRefused("~ negates a mask (a comparison), nothing else")
            return self._guard(~v)
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
        """An index: ints, integer tensors, slices of ints, None and ``...`` (no boolean masks: their size depends on the values)."""
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self._index_int(p) for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        if isinstance(node, ast.Tuple):
            return tuple(self._index(e) for e in node.elts)
        if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
            return node.value
        return self._index_int(node)

    def _index_int(self, node: ast.AST) -> int:
        import torch

        v = self.ev(node)
        if isinstance(v, torch.Tensor) and v.dtype in (torch.int64, torch.int32):  # x[idx], x[arange, idx]
            return v
        if isinstance(v, torch.Tensor) and v.dtype == torch.bool:
            raise ExpressionRefused("indexing by a boolean mask (its size depends on the values); use where")
        if not isinstance(v, int) or isinstance(v, bool):
            raise ExpressionRefused("an index must be a whole number, a slice, None or ...")
        return v


def _einsum_terms(library: str, args: list) -> tuple[list[list[str]], list[str], list] | None:
    """The operands' and the output's axis labels of an einsum call, with its tensors (None when
    the call is not one einsum can run: einsum itself then says why)."""
    import torch

    if library == "einops":  # einops.einsum(a, b, "i j, j k -> i k")
        if not args or not isinstance(args[-1], str):
            return None
        text, tensors = args[-1], args[:-1]
        if "->" not in text:
            return None
        lhs, rhs = text.split("->", 1)
        ins = [t.replace("...", " ... ").split() for t in lhs.split(",")]
        out = rhs.replace("...", " ... ").split()
    else:  # torch.einsum("ij,jk->ik", a, b) or torch.einsum("ij,jk->ik", [a, b])
        if not args or not isinstance(args[0], str):
            return None
        text, tensors = args[0].replace(" ", ""), list(args[1:])
        if len(tensors) == 1 and isinstance(tensors[0], tuple):
            tensors = list(tensors[0])
        lhs, arrow, rhs = text.partition("->")

        def letters(term: str) -> list[str]:
            return re.findall(r"\.\.\.|.", term)

        ins = [letters(t) for t in lhs.split(",")]
        if arrow:
            out = letters(rhs)
        else:  # implicit mode: the letters used once, sorted
            flat = [c for t in ins for c in t if c != "..."]
            out = (["..."] if any("..." in t for t in ins) else []) + sorted(c for c in set(flat) if flat.count(c) == 1)
    if len(ins) != len(tensors) or not all(isinstance(t, torch.Tensor) for t in tensors):
        return None
    return ins, out, tensors


def _guard_einsum(library: str, args: list) -> None:
    """Refuse an einsum whose contraction path builds an intermediate of more than MAX_ELEMENTS.

    torch contracts the operands pairwise, left to right (opt_einsum is not installed): after the
    k-th operand, the intermediate holds every axis seen so far that a later operand or the output
    still needs. The meta-device probe cannot see these: only the result is a tensor there.
    """
    parsed = _einsum_terms(library, args)
    if parsed is None or len(parsed[0]) < 3:
        return  # one or two operands: torch's intermediates are no larger than the inputs and result
    ins, out, tensors = parsed
    size: dict[str, int] = {}
    for term, t in zip(ins, tensors):
        n_ell = t.ndim - (len(term) - term.count("..."))
        dims = iter(t.shape)
        for label in term:
            if label == "...":
                for k in range(max(n_ell, 0)):
                    size[f"...{k}"] = max(size.get(f"...{k}", 1), int(next(dims)))
            else:
                d = next(dims, None)
                if d is None:
                    return  # a rank mismatch: einsum says so
                size[label] = max(size.get(label, 1), int(d))

    def expand(term: list[str]) -> set[str]:
        return {k for label in term for k in ([k for k in size if k.startswith("...")] if label == "..." else [label])}

    terms = [expand(t) for t in ins]
    needed_out = expand(out)
    seen: set[str] = set()
    for k, term in enumerate(terms[:-1]):
        seen |= term
        later = set().union(needed_out, *terms[k + 1:])
        total = math.prod(size[label] for label in seen & later)
        if total > MAX_ELEMENTS:
            raise ExpressionRefused(
                f"its contraction path builds an intermediate of {total:,} elements (more than {MAX_ELEMENTS:,})")
        seen &= later


def parse_expression(text: str) -> ast.expr:
    """The tree of one Python expression, size-checked; ExpressionRefused when it is not one.

    Remembered per text: drawing a card runs its reference, solutions and mistakes on several
    inputs, the same few expressions hundreds of times. The tree is only read, never changed."""
    return _parse(text.strip())


@functools.lru_cache(maxsize=4096)
def _parse(s: str) -> ast.expr:
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
    threads = torch.get_num_threads()
    if threads != 1:  # tiny tensors: one thread beats two, by far on a busy machine (20 ms against 0.05 ms)
        torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. torch deprecating .T of a 3-D tensor: a library note, not a verdict
            if not trusted:
                meta = {k: v.to("meta") if isinstance(v, torch.Tensor) else v for k, v in env.items()}
                _Evaluator(meta).ev(tree)
            return _Evaluator(env).ev(tree)
    except RecursionError:
        raise ExpressionRefused("too deeply nested") from None
    finally:
        if threads != 1:
            torch.set_num_threads(threads)


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
