"""The tensors topic (issue 24, item 10): its value forms, its code exercises and the grader rules
(``one_line``, ``puzzle``) that hold them to Tensor-Puzzles' style.

The code exercises are graded through the real grader (right, wrong and hostile files, one child
process each, shared with the ARENA exercises) in test_arena_code.py. Contract and card-trap
checks of the value forms run in test_families_contract.py and test_card_traps.py like every family's.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from _code_helpers import check_spec, load

from exercises import all_families

CASES = Path(__file__).parent / "grade_cases" / "issue24"  # graded for real in test_arena_code.py
FAMILIES = [f for f in all_families("tensors") if f.code_spec is not None]


def test_every_tensors_family_has_a_code_exercise_and_varied_structures():
    assert len(all_families("tensors")) >= 10 and len(FAMILIES) == len(all_families("tensors"))
    for fam in all_families("tensors"):
        exprs = {fam.variant(seed=s).params["expr"] for s in range(12)}
        assert len(exprs) >= 4, f"{fam.id}: only {len(exprs)} structures in 12 seeds"


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_reference_agrees_with_an_independent_solution_and_every_mistake_is_told_apart(fam):
    check_spec(fam, getattr(load(CASES / "right.py"), fam.code_spec.function))


# ----------------------------------------------------------------------------- the rules


def _violations(src: str, name: str, rules=("puzzle", "no_loops")) -> list[str]:
    from cardgen.grade.rules import check_rules

    return [v.message for v in check_rules(ast.parse(src), name, rules)]


def test_a_puzzle_allows_arange_where_indexing_and_matmul():
    ok = ("import torch\n\ndef f(a):\n    \"\"\"doc\"\"\"\n"
          "    return a @ torch.where(torch.arange(a.shape[0])[:, None] <= torch.arange(a.shape[0]), 1.0, 0.0)\n")
    assert _violations(ok, "f") == []


@pytest.mark.parametrize("src, words", [
    ("import torch\ndef f(a):\n    return a.cumsum(0)\n", "calls `a.cumsum`"),
    ("import torch\ndef f(a):\n    return torch.tril(a)\n", "calls `torch.tril`"),
    ("import torch\ndef f(a):\n    b = a\n    return b\n", "one `return`"),
    ("import torch\ndef f(a):\n    return (lambda: a)\n", "lambda"),
    ("import torch\nimport functools\n@functools.cache\ndef f(a):\n    return a\n", "decorator"),
    ("import torch\ntorch.where = torch.cumsum\ndef f(a):\n    return torch.where(a, 0)\n", "patch attributes"),
    ("import numpy as torch\ndef f(a):\n    return torch.where(a)\n", "binds `torch`"),
    ("from torch import cumsum as torch\ndef f(a):\n    return torch(a, 0)\n", "binds `torch`"),
    ("import torch\nexec('torch.where = torch.cumsum')\ndef f(a):\n    return torch.where(a, 0)\n", "calls `exec`"),
    ("import torch, sys\ndef f(a):\n    return torch.where(a > 0, a, 0)\n", "imports sys"),
    ("import torch\ndef g(a):\n    return a.cumsum(0)\ndef f(a):\n    return g(a)\n", "calls `g`"),
    ("import torch\ndef f(a):\n    return [x for x in a]\n", "comprehension"),
    ("import torch\ndef f(a):\n    return (torch := a)\n", "rebinds `torch`"),
])
def test_a_puzzle_refuses_every_other_way(src, words):
    got = _violations(src, "f")
    assert any(words in m for m in got), got


def test_one_line_allows_any_call_but_one_statement():
    assert _violations("def f(x):\n    return x.softmax(-1)\n", "f", ("one_line",)) == []
    assert _violations("def f(x):\n    y = x\n    return y\n", "f", ("one_line",))
