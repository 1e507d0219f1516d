"""The shared checker: spellings learners really type are read, wrong calls are caught."""
import pytest

from exercises.checking import ArrayCheck, EinsumCheck, NumberCheck, ShapeCheck, parse_literal, parse_number

MATMUL = EinsumCheck("mk,ko->mo", ((8, 2), (2, 4)), seed=1, operands=("P", "Q"))


@pytest.mark.parametrize("response", [
    "mk,ko->mo", "'ab,bc->ac'", "torch.einsum('mk,ko->mo', P, Q)", "out = torch.einsum('mk,ko->mo', P, Q)",
    "torch.einsum('ko,mk->mo', Q, P)",  # operands in the other order, subscripts to match
])
def test_equivalent_einsum_calls_are_right(response):
    assert MATMUL.check(response).correct


def test_a_call_with_swapped_or_unknown_operands_is_wrong():
    swapped = MATMUL.check("torch.einsum('mk,ko->mo', Q, P)")
    assert not swapped.correct and "invalid expression" in swapped.reason
    other = MATMUL.check("torch.einsum('mk,ko->mo', P, R)")
    assert not other.correct and "the operands are P, Q" in other.reason


def test_numbers_and_lists_as_torch_and_numpy_print_them():
    assert parse_number("tensor(-7.)") == -7.0
    assert parse_literal("tensor([4, -8,  0])") == [4, -8, 0]
    assert parse_literal("[4 -8 0]") == [4, -8, 0]
    assert parse_literal("[[1. 2.]\n [3. 4.]]") == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_literal("array([1, 2], dtype=int64)") == [1, 2]
    assert NumberCheck(-7.0).check("tensor(-7)").correct
    assert ArrayCheck([[1, 2], [3, 4]]).check("tensor([[1, 2],\n        [3, 4]])").correct


def test_reasons_count_in_the_singular_too():
    assert ArrayCheck([1, 2]).check("[1, 3]").reason.startswith("1 entry differs")
    assert ShapeCheck((5,)).check("(5, 1)").reason == "(5, 1) has 2 dimensions, but the result has 1"
    assert ShapeCheck((5, 1)).check("(5,)").reason == "(5,) has 1 dimension, but the result has 2"
    assert not ShapeCheck(()).check("x").correct
