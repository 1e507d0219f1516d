"""The grader's judgement in-process: AST rules, and comparing a returned value with the
reference (type, then shape, then values), on decoded values like the ones the child sends."""
from __future__ import annotations

import ast
import math

import numpy as np
import pytest

from cardgen.grade.report import compare, preview
from cardgen.grade.rules import RULES, check_rules
from cardgen.grade.wire import Returned


def _tensor(a) -> Returned:
    a = np.asarray(a, dtype=np.float32)
    return Returned("tensor", a, dtype="float32")


def _rules(src: str, rules: tuple[str, ...], name: str = "f"):
    return check_rules(ast.parse(src), name, rules)


def test_no_loops_names_the_line_and_follows_helpers():
    src = (
        "def helper(x):\n"
        "    return [v for v in x]\n"
        "\n"
        "def f(x):\n"
        "    y = helper(x)\n"
        "    while False:\n"
        "        pass\n"
        "    return y\n"
    )
    v = _rules(src, ("no_loops",))
    assert [(x.line, x.rule) for x in v] == [(2, "no_loops"), (6, "no_loops")]
    assert "line 2: a list comprehension (in `helper`, which `f` uses)" in v[0].message
    assert "line 6: a while loop" in v[1].message
    assert _rules("def f(x):\n    return x.sum(0)\n", ("no_loops",)) == []


def test_one_einsum_counts_calls():
    one = "import torch\ndef f(a, b):\n    return torch.einsum('ij,jk->ik', a, b)\n"
    assert _rules(one, ("one_einsum",)) == []
    none = "def f(a, b):\n    return a @ b\n"
    assert "has no einsum call" in _rules(none, ("one_einsum",))[0].message
    two = ("from torch import einsum\n"
           "def f(a, b):\n"
           "    c = einsum('ij->ji', a)\n"
           "    return einsum('ji,jk->ik', c, b)\n")
    (v,) = _rules(two, ("one_einsum",))
    assert v.line == 4 and "2 einsum calls (lines 3, 4)" in v.message


def test_rules_need_a_def_and_a_known_name():
    assert "define `f` with `def`" in _rules("f = lambda x: x\n", ("no_loops",))[0].message
    with pytest.raises(ValueError, match="unknown rule"):
        _rules("def f(x):\n    return x\n", ("no_numpy",))
    assert set(RULES) == {"one_einsum", "no_loops", "one_line", "puzzle"}  # the last two: tests/test_arena_code.py


def test_shape_is_checked_before_values_so_broadcasting_cannot_hide_it():
    expected = _tensor(np.ones((3, 1)))
    got = _tensor(np.ones((3, 3)))  # broadcasts against (3, 1) and holds the same values
    c = compare(expected, got, 1e-5, 1e-4)
    assert not c.ok and c.reason == "wrong shape: expected (3, 1), got (3, 3)"
    c = compare(_tensor(np.ones(3)), _tensor(np.ones((1, 3))), 1e-5, 1e-4)
    assert not c.ok and "wrong shape" in c.reason


def test_values_report_where_and_how_much():
    e = np.arange(12, dtype=np.float32).reshape(3, 4)
    g = e.copy()
    g[2, 1] += 0.5
    c = compare(_tensor(e), _tensor(g), 1e-5, 1e-4)
    assert not c.ok and c.where == (2, 1) and math.isclose(c.max_diff, 0.5)
    assert "1 of 12 entries" in c.reason
    assert compare(_tensor(e), _tensor(e + 1e-7), 1e-5, 1e-4).ok
    nan = e.copy()
    nan[0, 0] = np.nan
    assert not compare(_tensor(e), _tensor(nan), 1e-5, 1e-4).ok  # a NaN is never close to a number
    assert compare(_tensor(nan), _tensor(nan), 1e-5, 1e-4).ok  # ...but NaN where NaN is expected is


def test_the_wrong_kind_of_object_fails_clearly():
    e = _tensor(np.zeros((2, 2)))
    assert "returned None: did you print" in compare(e, Returned("none"), 1e-5, 1e-4).reason
    arr = Returned("ndarray", np.zeros((2, 2)), dtype="float64")
    assert "numpy array; return a torch.Tensor" in compare(e, arr, 1e-5, 1e-4).reason
    other = Returned("other", type_name="builtins.list")
    assert "builtins.list" in compare(e, other, 1e-5, 1e-4).reason
    num = Returned("number", np.asarray(0.0))
    assert "returned a number; expected a torch.Tensor of shape (2, 2)" in compare(e, num, 1e-5, 1e-4).reason


def test_numbers_accept_zero_dim_tensors_only():
    e = Returned("number", np.asarray(0.5))
    assert compare(e, Returned("number", np.asarray(0.5)), 1e-6, 1e-6).ok
    assert compare(e, _tensor(np.asarray(0.5)), 1e-6, 1e-6).ok
    c = compare(e, _tensor([0.5]), 1e-6, 1e-6)
    assert not c.ok and "single number" in c.reason
    c = compare(e, Returned("number", np.asarray(0.25)), 1e-6, 1e-6)
    assert not c.ok and c.reason == "expected 0.5, got 0.25"


def test_tuples_compare_item_by_item():
    e = Returned("tuple", items=[_tensor([1.0]), Returned("number", np.asarray(2.0))])
    ok = Returned("tuple", items=[_tensor([1.0]), Returned("number", np.asarray(2.0))])
    assert compare(e, ok, 1e-6, 1e-6).ok
    bad = Returned("tuple", items=[_tensor([1.0]), Returned("number", np.asarray(3.0))])
    assert compare(e, bad, 1e-6, 1e-6).reason.startswith("item 1: expected 2")
    short = Returned("tuple", items=[_tensor([1.0])])
    assert "tuple of 2 values" in compare(e, short, 1e-6, 1e-6).reason


def test_preview_slices_around_the_difference():
    a = np.arange(2 * 5 * 6).reshape(2, 5, 6)
    label, body = preview(a, (1, 3, 4))
    assert label == "[1, 2:5, 3:6]"
    assert body.splitlines()[0].strip().startswith("[[45")
    assert preview(np.arange(3), None)[0] == "[0:3]"


def test_no_loops_sees_lambdas_methods_and_comprehensions():
    src = (
        "import torch\n"
        "rows = lambda x: torch.stack([r for r in x])\n"
        "class Helper:\n"
        "    def go(self, x):\n"
        "        for r in x:\n"
        "            pass\n"
        "        return x\n"
        "def f(x):\n"
        "    g = lambda y: {k: k for k in y}\n"
        "    return Helper().go(rows(x))\n"
    )
    v = _rules(src, ("no_loops",))
    assert [x.line for x in v] == [2, 5, 9]
    assert "line 2: a list comprehension (in `rows`, which `f` uses)" in v[0].message
    assert "line 5: a for loop (in `Helper`, which `f` uses)" in v[1].message
    assert "line 9: a dict comprehension;" in v[2].message
    # a module-level loop that f never refers to is not f's business
    assert _rules("TABLE = [i for i in range(3)]\ndef f(x):\n    return x\n", ("no_loops",)) == []


def test_zero_dim_values_survive_the_wire_and_count_as_numbers():
    import torch

    from cardgen.grade.wire import codec, decode

    for value in (np.asarray(0.5), torch.tensor(0.5), np.float32(0.5)):
        r = decode(codec().encode(value))
        assert r.array.shape == () and float(r.array) == 0.5
        assert compare(Returned("number", np.asarray(0.5)), r, 1e-6, 1e-6).ok
    summed = decode(codec().encode(torch.ones(3, 4).sum()))
    assert summed.array.shape == ()  # not (1,): a "you summed everything" mistake can match
    back = codec().to_python(codec().encode(torch.ones(2, dtype=torch.bfloat16)))
    assert back.dtype == torch.bfloat16


def test_learner_text_is_shown_with_control_characters_escaped():
    from cardgen.grade.report import FunctionResult, Report, escape_controls

    assert escape_controls("a\x1b[2Jb\rc\u202ed\n\te") == "a\\x1b[2Jb\\rc\\u202ed\n\te"
    rep = Report("x.py", [FunctionResult("f.f", "f", 0, "pass", output="\x1b[32mPASS\x1b[0m", passed=1, total=1)],
                 module_output="\x07bell")
    text = rep.text(color=False)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b[32mPASS" in text
