"""Judging typed responses by execution, written once and used by every family.

An einsum string or einops pattern is right when it computes the same tensor as the
reference on random inputs whose axes all have distinct sizes (so a transposed answer is
caught); a wrong one gets a specific reason and a :attr:`Verdict.diagnosis` key. Numbers are
judged by the :class:`Precision` the card asks for (one rule everywhere: within half a unit of
the last asked place), and arithmetic such as ``0.9^5`` or ``sqrt(2)/2`` is read by
:func:`safe_eval`, a whitelisted :mod:`ast` walk that never calls Python's ``eval``. A
response that cannot be read as the kind asked gets ``Verdict(unreadable=True)``: not wrong,
just not an answer yet (the drill asks again).

Modules, one concern each: :mod:`.precision` (the precision a card asks for), :mod:`.reading`
(reading typed answers and writing them back), :mod:`.checks` (the checks of answers),
:mod:`.expressions` (the one whitelisted evaluator the fix and task forms share) and
:mod:`.equivalence` (checks by execution). Import from ``exercises.checking``.
"""
from exercises.checking.precision import (
    Precision, exact_text, counted,
)
from exercises.checking.reading import (
    Shape, MAX_EXPR_LEN, MAX_EXPONENT, safe_eval, parse_shape, parse_number, parse_array, parse_literal, parse_int_set, Pair, norm_pairs, format_pairs, parse_pairs, CallForm, parse_call, format_shape, format_number, format_array,
)
from exercises.checking.checks import (
    Check, ShapeCheck, NumberCheck, ArrayCheck, SetCheck, PairsCheck, ChoiceCheck, rejected,
)
from exercises.checking.expressions import (
    MAX_EXPRESSION_CHARS, MAX_EXPRESSION_NODES, MAX_ELEMENTS, MAX_INT, ExpressionRefused, ExpressionFailed, parse_expression, evaluate_expression, split_assignment, run_setup,
)
from exercises.checking.equivalence import (
    random_inputs, EinsumCheck, EinopsCheck, distinct_sizes, ExpressionCheck,
)

__all__ = [
    "Precision",
    "exact_text",
    "counted",
    "Shape",
    "MAX_EXPR_LEN",
    "MAX_EXPONENT",
    "safe_eval",
    "parse_shape",
    "parse_number",
    "parse_array",
    "parse_literal",
    "parse_int_set",
    "Pair",
    "norm_pairs",
    "format_pairs",
    "parse_pairs",
    "CallForm",
    "parse_call",
    "format_shape",
    "format_number",
    "format_array",
    "Check",
    "ShapeCheck",
    "NumberCheck",
    "ArrayCheck",
    "SetCheck",
    "PairsCheck",
    "ChoiceCheck",
    "rejected",
    "MAX_EXPRESSION_CHARS",
    "MAX_EXPRESSION_NODES",
    "MAX_ELEMENTS",
    "MAX_INT",
    "ExpressionRefused",
    "ExpressionFailed",
    "parse_expression",
    "evaluate_expression",
    "split_assignment",
    "run_setup",
    "random_inputs",
    "EinsumCheck",
    "EinopsCheck",
    "distinct_sizes",
    "ExpressionCheck",
]
