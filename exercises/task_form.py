"""The ``task`` form: the card states a problem in its own terms and never names the tool.

A task card describes a tensor computation the way it comes up (heads and positions, images and
channels, TMS instances and features), gives each input's name and shape, and shows a tiny worked
example (distinct sizes, varied values) whose result fixes the answer. The learner types ONE
Python expression over the inputs, with whatever tool fits (``torch.einsum``, einops, ``@``,
tensor methods...). It is judged by :class:`~exercises.checking.ExpressionCheck`: run through the
whitelisted evaluator on fresh seeded inputs with *other* sizes for the axes the task leaves free,
against the reference. The answer side shows two or three solutions in different tools, each one
verified by running it before it is shown.

Families add the form through their shared makers (``einsum_maker``, ``einops_maker``) or, for
superposition, through :mod:`exercises.superposition._tasks`; all of them end in
:func:`task_variant`.
"""
from __future__ import annotations

import ast
import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from exercises.base import Variant

#: Words a task card never contains: they name the tool or the layout the answer takes.
TOOL_WORDS = ("einsum", "einops", "rearrange", "reduce", "repeat", "pack", "torch", "permute", "transpose",
              "reshape", "view", "flatten", "matmul", "bmm", "numpy", "np.", "->", "@", ".T", ".sum(", ".mean(")
#: The example prints values while the inputs and the result hold at most this many numbers.
PRINT_LIMIT = 72
EXAMPLE_REDRAWS = 30


@dataclass(frozen=True)
class TaskInput:
    """One named input: ``words`` says what its axes are, in the problem's terms ("" if nothing
    more than its shape needs saying)."""

    name: str
    words: str = ""


def _literal(values: Any, column: int) -> str:
    """A nested list of numbers as rows, one innermost list per line."""
    if not isinstance(values, list):
        return _num(values)
    if not values or not isinstance(values[0], list):
        return "[" + ", ".join(_num(v) for v in values) + "]"
    return "[" + (",\n" + " " * (column + 1)).join(_literal(v, column + 1) for v in values) + "]"


def _num(v: Any) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else f"{f:.3g}"


def _shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def torch_from_numpy(expr: str, names: dict[str, str]) -> str | None:
    """``expr`` (numpy, operands as ``t0``, ``t1``...) rewritten in torch, or None where no rule fits.

    Used to offer a plain-torch solution next to the einsum ones; the caller verifies it by running.
    """
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return None

    class Rewrite(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Name(names.get(node.id, node.id), ast.Load())

        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            f = node.func
            path = ast.unparse(f)
            for k in node.keywords:
                k.arg = {"axis": "dim", "axis1": "dim1", "axis2": "dim2", "keepdims": "keepdim"}.get(k.arg or "", k.arg)
            if path == "np.trace":
                if len(node.args) == 1 and not node.keywords:
                    return ast.parse(f"torch.trace({ast.unparse(node.args[0])})", mode="eval").body
                inner = ast.Call(ast.parse("torch.diagonal", mode="eval").body, node.args, node.keywords)
                return ast.Call(ast.Attribute(inner, "sum", ast.Load()), [ast.Constant(-1)], [])
            if path == "np.multiply.outer":
                return ast.Call(ast.parse("torch.tensordot", mode="eval").body, node.args,
                                [ast.keyword("dims", ast.Constant(0))])
            if path == "np.transpose":
                return ast.Call(ast.parse("torch.permute", mode="eval").body, node.args, node.keywords)
            if path in ("np.swapaxes", "np.sum", "np.diagonal"):
                return ast.Call(ast.parse(path.replace("np.", "torch."), mode="eval").body, node.args, node.keywords)
            return node

    out = ast.unparse(Rewrite().visit(tree))
    return None if "np." in out else out


def task_variant(
    *,
    family: str,
    seed: int,
    rng: random.Random,
    story: str,
    inputs: Sequence[TaskInput],
    example: Callable[[random.Random], dict[str, Any]],
    trial: Callable[[random.Random], dict[str, Any]],
    solutions: Sequence[str],
    mistakes: Sequence[tuple[str, str]] = (),
    free: str = "every axis",
    hints: tuple[str, ...] = (),
    explanation: str = "",
    params: dict[str, Any] | None = None,
    separate: Sequence[str] = (),
) -> Variant:
    """The task variant: ``solutions[0]`` is the reference (it must verify), the others are shown
    where they verify too; ``example(rng)`` draws the card's tiny inputs (integer-valued tensors),
    ``trial(rng)`` the fresh inputs of one judging trial (other sizes for the ``free`` axes);
    ``mistakes`` are the family's classic mistakes as expressions, named when a response matches one;
    ``separate`` are other expressions (the family's other cases on these inputs) that the example,
    like the mistakes, must tell apart from the reference (never named to the learner)."""
    import torch

    from exercises.checking import ExpressionCheck, evaluate_expression

    reference = solutions[0]
    check = ExpressionCheck(reference=reference, inputs=trial,
                            mistakes=tuple((what, m, "classic_mistake") for what, m in mistakes),
                            seed=rng.getrandbits(31), trials=3)
    if not check.verify(reference).correct:
        raise AssertionError(f"{family}/task/{seed}: the reference {reference!r} does not verify")
    shown = [reference] + [s for s in dict.fromkeys(solutions[1:]) if s != reference and check.verify(s).correct]
    # the classic mistakes that are wrong here (a transposed Gram matrix is no mistake: it is symmetric)
    kept_mistakes = tuple((what, m) for what, m in mistakes if _differs(m, reference, check))
    apart = [m for _, m in kept_mistakes] + [e for e in dict.fromkeys(separate) if _differs(e, reference, check)]
    # the example: values on which every kept mistake gives another result, so it fixes the answer
    for _ in range(EXAMPLE_REDRAWS):
        env = example(rng)
        floats = {k: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v for k, v in env.items()}
        result = evaluate_expression(reference, floats, trusted=True)
        separated = True
        for m in apart:
            try:
                other = evaluate_expression(m, floats, trusted=True)
            except Exception:  # a mistake that does not run on these shapes is told apart anyway
                continue
            if isinstance(other, torch.Tensor) and other.shape == result.shape and torch.allclose(other.double(), result.double()):
                separated = False
                break
        if separated:
            break
    tensors = {k: v for k, v in env.items() if isinstance(v, torch.Tensor)}
    total = sum(v.numel() for v in tensors.values()) + result.numel()
    lines = []
    for t in inputs:
        v = env[t.name]
        lines.append(f"- `{t.name}`: shape {_shape(v.shape)}" + (f" ({t.words})" if t.words else ""))
    names = ", ".join(f"`{t.name}`" for t in inputs)
    prompt = (
        f"{story}\n\nInputs:\n" + "\n".join(lines) + "\n\n"
        f"For these inputs the result has shape {_shape(result.shape)}"
        + (", with the values below." if total <= PRINT_LIMIT else ".")
        + f" Type one Python expression over {names} that computes the result; it is run on fresh "
        f"inputs where {free} may have other sizes."
    )
    code = None
    if total <= PRINT_LIMIT:
        rows = [f"{k} = {_literal(v.tolist(), len(k) + 3)}" for k, v in tensors.items()]
        rows.append(f"result = {_literal(result.tolist(), 9)}")
        code = "\n".join(rows)
    distractors = tuple(m for _, m in kept_mistakes)
    if not distractors:  # no classic mistake listed for this card: the right result, scaled
        distractors = (f"({reference}) * 2",)
    return Variant(
        family=family, form="task", seed=seed,
        params={**(params or {}), "solutions": shown, "example_shapes": {k: list(v.shape) for k, v in tensors.items()}},
        prompt=prompt, code=code, answer=reference, answer_text=reference, checker=check,
        explanation=explanation or (
            "In other tools: " + "; ".join(f"`{s}`" for s in shown[1:]) + ". " if len(shown) > 1 else "")
        + "Each solution shown was checked by running it on inputs of other sizes; any other expression "
          "computing the same tensor is right too.",
        hints=hints, alternatives=tuple(shown[1:]),
        distractors=distractors, mistakes=kept_mistakes,
    )


def _differs(expr: str, reference: str, check) -> bool:
    """Whether ``expr`` gives another result than ``reference`` on the check's first trial (one trial
    suffices to drop a "mistake" that is right after all: the inputs are random, the sizes distinct)."""
    import torch

    from exercises.checking import evaluate_expression

    env = check._envs()[0]
    try:
        got = evaluate_expression(expr, env, trusted=True)
    except Exception:  # does not run on inputs of these sizes: a wrong answer
        return True
    want = evaluate_expression(reference, env, trusted=True)
    return not (isinstance(got, torch.Tensor) and got.shape == want.shape and torch.allclose(got.double(), want.double()))


def int_tensor(rng: random.Random, shape: Sequence[int], low: int = -3, high: int = 5):
    """A tensor of small integers (as floats) from ``rng``: the example's values, varied."""
    import torch

    n = math.prod(shape)
    return torch.tensor([float(rng.randint(low, high)) for _ in range(n)], dtype=torch.float64).reshape(tuple(shape))


def randn(rng: random.Random, shape: Sequence[int]):
    """A float64 normal tensor seeded from ``rng`` (a judging trial's input)."""
    import torch

    g = torch.Generator().manual_seed(rng.getrandbits(63))
    return torch.randn(tuple(shape), generator=g, dtype=torch.float64)
