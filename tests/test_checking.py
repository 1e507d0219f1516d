"""The shared checker: spellings learners really type are read, wrong calls are caught, numbers are
judged by the precision the card states, arithmetic is read safely, and a response that cannot be
read is its own verdict."""
import time

import pytest

from exercises.checking import (
    ArrayCheck, EinopsCheck, EinsumCheck, NumberCheck, PairsCheck, Precision, SetCheck, ShapeCheck, parse_array,
    parse_literal, parse_number, safe_eval,
)

MATMUL = EinsumCheck("mk,ko->mo", ((8, 2), (2, 4)), seed=1, operands=("P", "Q"))
D2 = Precision.decimals(2)


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
    assert parse_array("[[1. 2.]\n [3. 4.]]") == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_array("tensor([4, -8,  0])") == [4.0, -8.0, 0.0]
    assert NumberCheck(-7.0).check("tensor(-7)").correct
    assert ArrayCheck([[1, 2], [3, 4]]).check("tensor([[1, 2],\n        [3, 4]])").correct
    assert ArrayCheck([4, -8, 0]).check("[4 -8  0]").correct


def test_reasons_count_in_the_singular_too():
    assert ArrayCheck([1, 2]).check("[1, 3]").reason.startswith("1 entry differs")
    assert ShapeCheck((5,)).check("(5, 1)").reason == "(5, 1) has 2 dimensions, but the result has 1"
    assert ShapeCheck((5, 1)).check("(5,)").reason == "(5,) has 1 dimension, but the result has 2"
    assert not ShapeCheck(()).check("x").correct


# ----------------------------------------------------------------------------- precision


def test_precision_states_itself_and_formats_the_answer():
    assert D2.text == "to 2 decimal places" and Precision.decimals(1).text == "to 1 decimal place"
    assert Precision.sig(3).text == "to 3 significant figures"
    assert Precision.exact().text.startswith("exactly")
    assert D2.format(0.59049) == "0.59" and D2.format(0.0625) == "0.06" and D2.format(-0.001) == "0.00"
    assert Precision.sig(3).format(0.59049) == "0.590" and Precision.sig(2).format(0.0996) == "0.10"
    assert Precision.sig(3).format(12345) == "12300" and Precision.sig(2).format(1.5e-6) == "1.5e-06"
    assert Precision.exact().format(0.375) == "3/8" and Precision.exact().format(-4.0) == "-4"
    assert D2.tolerance(0.5) == pytest.approx(0.005, rel=1e-5)  # half a unit in the last asked place
    assert Precision.sig(2).tolerance(0.0123) == pytest.approx(0.0005, rel=1e-5)  # 0.012: a unit is 0.001
    assert Precision.exact().tolerance(3.0) < 1e-8
    with pytest.raises(ValueError):
        Precision.sig(0)


@pytest.mark.parametrize("expected, response", [
    (0.59049, "0.59"), (0.59049, "0.5905"), (0.0625, "0.06"), (0.0625, "0.0625"), (0.7071, "0.71"),
    (0.9 ** 5, "0.9^5"), (0.9 ** 5, "0.9**5"), (2 ** 0.5 / 2, "sqrt(2)/2"), (2 / 3.25, "2/3.25"), (29 / 4, "29.0/4"),
    (2 ** 0.5 / 2, "1/sqrt(2)"), (2 ** 0.5 / 2, "cos(pi/4)"), (0.125, "12.5%"), (-0.5, "−0.50"), (6.0, "2×3"),
    (6.0, "2·3"), (0.0625, "tensor(0.0625)"),
])
def test_a_response_rounded_right_or_more_precise_is_right(expected, response):
    v = NumberCheck(expected, precision=D2).check(response)
    assert v.correct and not v.unreadable, (expected, response, v)


@pytest.mark.parametrize("expected, response", [
    (0.59049, "0.60"), (0.59049, "0.58"), (0.0625, "0.07"), (0.0625, "0.1"), (0.7071, "0.70"), (0.7071, "0.7"),
    (0.59049, "0.9^4"),
])
def test_a_response_rounded_wrong_is_wrong(expected, response):
    v = NumberCheck(expected, precision=D2).check(response)
    assert not v.correct and not v.unreadable, (expected, response, v)


def test_significant_figures_and_exact_answers():
    s3 = NumberCheck(0.0012345, precision=Precision.sig(3))
    assert s3.check("0.00123").correct and s3.check("1.23e-3").correct and not s3.check("0.0012").correct
    assert s3.expected_text == "0.00123"
    exact = NumberCheck(0.375, precision=Precision.exact())
    assert exact.check("3/8").correct and exact.check("0.375").correct and not exact.check("0.38").correct
    assert exact.expected_text == "3/8"
    integer = NumberCheck(11.0)  # no precision: an integer is exact
    assert integer.check("11").correct and not integer.check("11.1").correct


def test_the_old_tolerance_keywords_still_work_but_warn():
    with pytest.warns(DeprecationWarning):
        old = NumberCheck(0.5, atol=0.01, rtol=0)
    assert old.check("0.509").correct and not old.check("0.52").correct
    with pytest.warns(DeprecationWarning):
        arr = ArrayCheck([0.5, 1.5], atol=0.01)
    assert arr.check("[0.505, 1.5]").correct and not arr.check("[0.52, 1.5]").correct
    with pytest.warns(DeprecationWarning, match="without a precision"):
        NumberCheck(0.5)  # a non-integer card must state its precision
    with pytest.warns(DeprecationWarning, match="without a precision"):
        ArrayCheck([0.5, 1.0])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NumberCheck(3.0), ArrayCheck([[1, 2]]), NumberCheck(0.5, precision=D2), ArrayCheck([0.5], precision=D2)


def test_number_diagnoses():
    v = NumberCheck(-0.25, precision=D2).check("0.25")
    assert not v.correct and v.diagnosis == "sign" and "sign" in v.reason
    v = NumberCheck(0.59049, precision=D2).check("0.60")
    assert v.diagnosis == "rounding" and "to 2 decimal places" in v.reason
    assert NumberCheck(0.59049, precision=D2).check("0.75").diagnosis == ""


def test_arrays_read_arithmetic_and_judge_every_entry_at_the_precision():
    c = ArrayCheck([[0.59049, 0.0625], [0.7071, 7.25]], precision=D2)
    assert c.check("[[0.9^5, 0.06], [sqrt(2)/2, 29.0/4]]").correct
    assert c.check("[[0.59, 0.0625], [0.71, 7.25]]").correct
    assert not c.check("[[0.60, 0.06], [0.71, 7.25]]").correct
    assert c.expected_text == "[[0.59, 0.06], [0.71, 7.25]]"
    ints = ArrayCheck([[1, 2, 3], [4, 5, 6]])  # no precision: integer entries compared exactly
    assert ints.check("[[1, 2, 3], [4, 5, 6]]").correct and not ints.check("[[1, 2, 3], [4, 5, 6.01]]").correct
    t = ints.check("[[1, 4], [2, 5], [3, 6]]")
    assert not t.correct and t.diagnosis == "transposed"
    square = ArrayCheck([[1, 2], [3, 4]]).check("[[1, 3], [2, 4]]")
    assert square.diagnosis == "transposed"
    assert ints.check("[1, 2, 3]").diagnosis == "wrong_shape"
    assert ArrayCheck([1, -2]).check("[-1, 2]").diagnosis == "sign"


# ----------------------------------------------------------------------------- the evaluator


@pytest.mark.parametrize("text, value", [
    ("0.9^5", 0.59049), ("sqrt(2)/2", 2 ** 0.5 / 2), ("2/3.25", 2 / 3.25), ("29.0/4", 7.25), ("1/sqrt(2)", 2 ** -0.5),
    ("cos(pi/4)", 2 ** -0.5), ("-(1+2)*3", -9.0), ("2**-1", 0.5), ("exp(log(3))", 3.0), ("sin(0)", 0.0),
    ("e", 2.718281828459045), ("3 × 4", 12.0), ("3 · 4", 12.0), ("2^3^2", 512.0), ("+5", 5.0), ("π", 3.141592653589793),
])
def test_safe_eval_reads_arithmetic(text, value):
    got = safe_eval(text)
    assert isinstance(got, float) and got == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "os", "x + 1", "(1).real", "math.sqrt(2)", "abs(-1)", "sqrt(2, 3)",
    "sqrt(x=2)", "[1, 2]", "'1'", "1 if 1 else 2", "lambda: 1", "1 < 2", "1 // 2", "1 % 2", "True", "1j",
    "sqrt", "pi(1)", "(lambda: 1)()", "().__class__", "", "1 +", "1/0", "sqrt(-1)", "log(0)", "10**400",
    "exp(1000)", "2**1001",
])
def test_safe_eval_refuses_everything_else(text):
    with pytest.raises(ValueError):
        safe_eval(text)


def test_huge_exponents_and_long_input_are_refused_at_once():
    t0 = time.process_time()  # CPU, not wall: a loaded machine must not fail it
    for text in ("9**9**9", "9^9^9", "(9**9)**(9**9)", "2**2**2**2**2**2", "-9**9**9"):
        with pytest.raises(ValueError, match="exponent"):
            safe_eval(text)
    with pytest.raises(ValueError, match="longer than"):
        safe_eval("1+" * 150 + "1")
    with pytest.raises(ValueError):
        safe_eval("(" * 150 + "1" + ")" * 150)
    assert time.process_time() - t0 < 0.5
    assert NumberCheck(1.0).check("9**9**9").unreadable


# ----------------------------------------------------------------------------- sets and pairs


def test_sets_reject_duplicates_and_nesting():
    c = SetCheck(frozenset({0, 1}))
    assert c.check("0, 1").correct and c.check("{1, 0}").correct and c.check("1 and 0").correct
    dup = c.check("0, 1, 1")
    assert not dup.correct and dup.unreadable and "twice" in dup.reason
    for bad in ("[[0, 1]]", "0.5, 1", "-1, 0", "zero"):
        assert c.check(bad).unreadable, bad
    assert SetCheck(frozenset()).check("none").correct
    missing = c.check("0")
    assert not missing.correct and missing.diagnosis == "missing"
    assert c.check("0, 1, 2").diagnosis == "extra"


def test_pairs_need_grouping_and_no_repeats():
    c = PairsCheck(frozenset({(0, 3), (2, 1)}))
    for ok in ("(0, 3), (1, 2)", "[[3, 0], [1, 2]]", "0-3, 1-2", "0&3 1&2", "{1, 2} {0, 3}", "(1,2) and (0,3)"):
        assert c.check(ok).correct, ok
    for bad in ("0, 3, 1, 2", "(0, 3), (3, 0)", "(0, 3), (0, 2)", "(0, 0)", "(0, 3, 1)", "pairs"):
        v = c.check(bad)
        assert not v.correct and v.unreadable, (bad, v)
    assert not c.check("(0, 3)").correct and c.check("(0, 3)").diagnosis == "missing"
    assert PairsCheck(frozenset()).check("none").correct
    assert not PairsCheck(frozenset()).check("(0, 1)").correct
    single = PairsCheck(frozenset({(0, 3)}))
    assert single.check("0, 3").correct and single.check("{3, 0}").correct


# ----------------------------------------------------------------------------- verdict kinds


EINOPS = EinopsCheck("rearrange", "b c h w -> b h w c", ((2, 3, 4, 5),),
                     axis_names=((2, "b"), (3, "c"), (4, "h"), (5, "w")))


@pytest.mark.parametrize("check, response, kind", [
    (ShapeCheck((2, 3)), "two by three", "a shape"),
    (NumberCheck(0.5, precision=D2), "half", "a number"),
    (ArrayCheck([1, 2]), "[1, [2]]", "a list of numbers"),
    (ArrayCheck([1, 2]), "[1, x]", "a list of numbers"),
    (SetCheck(frozenset({1})), "0, 0", "a set of features"),
    (PairsCheck(frozenset({(0, 1)})), "0, 1, 2", "pairs"),
    (MATMUL, "no idea!", "an einsum string"),
    (MATMUL, "   ", "an einsum string"),
    (EINOPS, "b c h w", "an einops pattern"),
    (EINOPS, "%%%", "an einops pattern"),
])
def test_unreadable_is_its_own_verdict_with_an_example_that_is_not_the_answer(check, response, kind):
    v = check.check(response)
    assert not v.correct and v.unreadable and v.reason.startswith(f"Couldn't read that as {kind}, e.g. "), v
    example = v.reason.split(", e.g. ", 1)[1].split(" (", 1)[0]
    assert not check.check(example).unreadable, example  # the example is readable ...
    assert not check.check(example).correct, example  # ... and never the answer


def test_the_example_steps_aside_when_it_would_be_the_answer():
    for c in (ShapeCheck((2, 3)), NumberCheck(1.25, precision=D2), SetCheck(frozenset({0, 2})),
              PairsCheck(frozenset({(0, 5), (2, 4)})), EinsumCheck("ij,jk->ik", ((2, 3), (3, 4)))):
        v = c.check("???")
        example = v.reason.split(", e.g. ", 1)[1].split(" (", 1)[0]
        assert v.unreadable and not c.check(example).correct, (c, example)


def test_pattern_diagnoses_name_the_mistake():
    bmm = EinsumCheck("nrc,ncj->nrj", ((5, 4, 8), (5, 8, 6)), seed=3, operands=("a", "b"),
                      axis_names=((5, "batch"), (4, "row"), (8, "inner"), (6, "col")))
    cases = {
        "nrc,ncj->njr": "axis_order", "nrc,ncj->nr": "sums_kept_axis", "nrc,ncj->nrjc": "keeps_summed_axis",
        "nrc,ncj->nrc": "summed_wrong_axis", "nrc,ncj->n": "sums_kept_axis", "nrc,ncj,x->nrj": "operand_count",
        "nrc,ncj->nrz": "invalid",
    }
    for response, key in cases.items():
        v = bmm.check(response)
        assert not v.correct and not v.unreadable and v.diagnosis == key, (response, v)
    sq = EinsumCheck("ij,jk->ik", ((3, 3), (3, 3)), seed=2)
    assert sq.check("ij,jk->ki").diagnosis == "transposed"
    assert EINOPS.check("b c h w -> b w h c").diagnosis == "axis_order"
    assert EINOPS.check("b c h w -> b h w c").correct
    merge = EinopsCheck("rearrange", "b h s d -> b s (h d)", ((2, 3, 4, 5),))
    assert merge.check("b h s d -> b s (d h)").diagnosis == "group_order"
    split = EinopsCheck("rearrange", "b (h d) -> b h d", ((2, 12),), axes_lengths=(("h", 3),))
    assert split.check("b (d h) -> b h d").diagnosis == "group_order"
    tile = EinopsCheck("repeat", "h w -> (r h) w", ((3, 4),), axes_lengths=(("r", 2),))
    assert tile.check("h w -> (h r) w").diagnosis == "interleave_for_tile"
    upsample = EinopsCheck("repeat", "h w -> (h r) w", ((3, 4),), axes_lengths=(("r", 2),))
    assert upsample.check("h w -> (r h) w").diagnosis == "tile_for_interleave"
    square = EinopsCheck("rearrange", "a b -> b a", ((3, 3),))
    assert square.check("a b -> a b").diagnosis == "transposed"
    flat = EinopsCheck("rearrange", "a b c -> (b a) c", ((2, 3, 4),))
    assert flat.check("a b c -> (a b) c").diagnosis == "reshape_without_permute"
    named = EinsumCheck("ij->j", ((3, 4),), axis_names=((3, "row"), (4, "col")))
    assert named.check("ij->i").diagnosis == "summed_wrong_axis"
    reduce = EinopsCheck("reduce", "b c -> b", ((2, 3),), reduction="sum")
    assert reduce.check("einops.reduce(x, 'b c -> b', 'max')").diagnosis == "wrong_reduction"


def test_an_example_that_is_itself_unreadable_is_never_shown():
    class Odd(ShapeCheck):
        def examples(self):
            return ("not a shape", "(9, 9)")

    v = Odd((2, 3)).check("zz")
    assert v.unreadable and v.reason == "Couldn't read that as a shape, e.g. (9, 9)"


def test_a_choice_check_accepts_its_own_answer_text():
    from exercises.checking import ChoiceCheck

    c = ChoiceCheck(("up", "down", "same"), 1)
    assert all(c.check(r).correct for r in ("B", "b)", c.expected_text, "down", "(b) down"))
    assert not c.check("A) up").correct and not c.check("A) up").unreadable
    assert c.check("sideways").unreadable


def test_a_labelled_choice_is_judged_by_its_label():
    from exercises.checking import ChoiceCheck

    c = ChoiceCheck(("up", "down", "same"), 1)
    assert not c.check("A) down").correct  # the card asks for a letter
    assert c.check("B) sideways").correct
