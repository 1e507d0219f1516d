"""The one renderer of an einsum / einops call as code, for every card that shows one.

The einops families and ``cardgen from-code`` both show a call — with its pattern, or with the
pattern blanked — as a line of code, and both accept a whole call typed back. One function
writes that line, so a call reads the same on every card: ``torch.einsum(pattern, a, b)``,
``np.einsum(...)``, ``einops.rearrange(x, pattern, h=2)``, ``einops.reduce(x, pattern, 'mean')``,
``einops.pack([a, b], pattern)``, ``einops.unpack(x, ps, pattern)``, and the layers
``Rearrange(pattern)``, ``Reduce(pattern, 'max')`` and ``EinMix(pattern, weight_shape=...)``.
"""
from __future__ import annotations

from typing import Sequence

#: The layer class of each op an einops layer runs.
LAYER_CLASS = {"rearrange": "Rearrange", "reduce": "Reduce", "einmix": "EinMix"}


def call_expr(op: str, pattern_text: str, operands: Sequence[str], *, library: str = "einops",
              reduction: str | None = None, lengths: Sequence[tuple[str, object]] = (), layer: bool = False,
              weight_shape: str | None = None, bias_shape: str | None = None) -> str:
    """The call as one expression. ``pattern_text`` is written as given (a quoted pattern, or a
    blank); ``reduction`` too (``'mean'`` or the variable the code passes); ``lengths`` are the
    keyword axis lengths, in order."""
    kw = "".join(f", {k}={v}" for k, v in lengths)
    red = f", {reduction}" if op == "reduce" and reduction is not None else ""
    ops = ", ".join(operands)
    if op == "einsum" and library == "torch":
        return f"torch.einsum({pattern_text}, {ops})"
    if op == "einsum" and library == "numpy":
        return f"np.einsum({pattern_text}, {ops})"
    if op == "einsum":
        return f"einops.einsum({ops}, {pattern_text})"
    if op == "pack":
        return f"einops.pack([{ops}], {pattern_text})"
    if op == "unpack":
        return f"einops.unpack({operands[0]}, ps, {pattern_text})"
    if op == "einmix":
        bias = f", bias_shape={bias_shape!r}" if bias_shape else ""
        return f"EinMix({pattern_text}, weight_shape={weight_shape!r}{bias}{kw})"
    if layer:
        return f"{LAYER_CLASS[op]}({pattern_text}{red}{kw})"
    return f"einops.{op}({operands[0]}, {pattern_text}{red}{kw})"


def call_lines(op: str, pattern_text: str, operands: Sequence[str], result: str, *, library: str = "einops",
               reduction: str | None = None, lengths: Sequence[tuple[str, object]] = (), layer: bool = False,
               layer_name: str = "layer", weight_shape: str | None = None, bias_shape: str | None = None,
               pieces: Sequence[str] = (), packed_shapes: Sequence[Sequence[int]] = ()) -> list[str]:
    """The line(s) that run the call and name its result: a layer is built then applied, pack
    also names ``ps``, unpack is preceded by ``ps = [...]`` and names its pieces."""
    expr = call_expr(op, pattern_text, operands, library=library, reduction=reduction, lengths=lengths,
                     layer=layer or op == "einmix", weight_shape=weight_shape, bias_shape=bias_shape)
    if layer or op == "einmix":
        return [f"{layer_name} = {expr}", f"{result} = {layer_name}({operands[0]})"]
    if op == "pack":
        return [f"{result}, ps = {expr}"]
    if op == "unpack":
        targets = ", ".join(pieces) + ("," if len(pieces) == 1 else "")
        return [f"ps = {shape_list(packed_shapes)}", f"{targets} = {expr}"]
    return [f"{result} = {expr}"]


def shape_list(shapes: Sequence[Sequence[int]]) -> str:
    """``[(2, 3), (4,), ()]``: ``ps`` as code."""
    return "[" + ", ".join(_shape(s) for s in shapes) + "]"


def _shape(s: Sequence[int]) -> str:
    s = tuple(s)
    return "()" if not s else f"({s[0]},)" if len(s) == 1 else "(" + ", ".join(map(str, s)) + ")"
