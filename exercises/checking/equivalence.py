"""Checks by execution: an einsum string, einops pattern or Python expression is right when it
computes the reference's tensor on random inputs whose axes all have distinct sizes."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from exercises.verdict import Verdict
from exercises.checking.checks import Check
from exercises.checking.expressions import (
    ExpressionFailed,
    ExpressionRefused,
    evaluate_expression,
    parse_expression,
    run_setup,
)
from exercises.checking.precision import counted
from exercises.checking.reading import Shape, format_shape, parse_call
from exercises.patterns import error_text
from exercises.patterns import run as run_pattern

# ----------------------------------------------------------- equivalence by execution


def random_inputs(shapes: Sequence[Shape], seed: int) -> list:
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
        ops = random_inputs(self.shapes, self.seed)
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
        return run(self.op, pattern, random_inputs(self.shapes, self.seed), reduction=reduction or self.reduction,
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

        x = random_inputs(self.shapes, self.seed)[0]
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
            if len(self._memo) > 256:  # a stranger's measure tries ~50 answers per card: keep them all
                for k in [k for k in self._memo if k != "envs"][:128]:
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
            return self.right(f"computes the same tensor on {counted(len(envs), 'fresh input')}")
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
        dumps = self._memo.setdefault("dumps", {})  # the mistakes' code, parsed once per check
        for name, m_expr, key, unchanged in self._known():
            if m_expr not in dumps:
                try:
                    dumps[m_expr] = ast.dump(parse_expression(m_expr))
                except ExpressionRefused:
                    dumps[m_expr] = None
            if dumps[m_expr] == tree:
                where = "the marked line as it stands" if unchanged else "a classic mistake"
                return self.wrong(f"it does not run ({error}): it is {where}" + (f": {name}" if name else ""), key)
        return self.wrong(f"it does not run: {error}", "invalid")

    def _known(self) -> list[tuple[str, str, str, bool]]:
        """(name, expression, key, is the shown line) of the mistakes a response is compared with."""
        shown_name, shown_key = next(((n, k) for n, e, k in self.mistakes if e == self.shown), ("", ""))
        out = [(shown_name, self.shown, shown_key or "unchanged", True)] if self.shown else []
        return out + [(n, e, k or "classic_mistake", False) for n, e, k in self.mistakes if e != self.shown]
