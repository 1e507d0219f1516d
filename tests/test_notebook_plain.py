"""cardgen.show / cardgen.check as plain Python, the cell-to-file rule of %%cardgen grade,
and what `import cardgen` and `%load_ext cardgen` do without the jupyter extra."""
from __future__ import annotations

from html import escape

import subprocess
import sys

import pytest

from tests._notebook_helpers import ROOT


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_import_cardgen_stays_light():
    r = _python("import sys, cardgen; cardgen.show; cardgen.load_ipython_extension; "
                "print(sorted(m for m in ('IPython', 'ipykernel', 'torch', 'rich') if m in sys.modules))")
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr


def test_load_ext_without_the_extra_says_what_to_install():
    # ipykernel made unimportable, as in an IPython installed without cardgen[jupyter]
    r = _python("import sys; sys.modules['ipykernel'] = None\n"
                "from IPython.core.interactiveshell import InteractiveShell\n"
                "ip = InteractiveShell.instance()\n"
                "ip.run_line_magic('load_ext', 'cardgen')\n"
                "print('registered:', 'cardgen' in ip.magics_manager.magics['line'])")
    assert r.returncode == 0, r.stderr
    assert 'pip install "cardgen[jupyter]"' in r.stdout and "registered: False" in r.stdout


def test_show_and_check_render_as_html_and_text():
    import cardgen
    from exercises import get_family

    v = get_family("einsum.matmul").variant(seed=7, form="write")
    card = cardgen.show("einsum.matmul", form="write", seed=7)
    html = card._repr_html_()
    before, _, folded = html.partition('<details class="cardgen-answer">')
    ans = escape(v.answer_text)
    assert ans in folded and ans not in before
    assert str(card).startswith("einsum.matmul · write · seed 7") and v.answer_text in str(card)
    right = cardgen.check("einsum.matmul", v.answer_text, form="write", seed=7)
    wrong = cardgen.check("einsum.matmul", v.distractors[0], form="write", seed=7)
    assert right and not wrong
    assert "CORRECT" in right._repr_html_() and str(right).startswith("correct")
    assert str(wrong).startswith("wrong") and v.answer_text in str(wrong)
    with pytest.raises(ValueError, match="no form"):
        cardgen.show("einsum.matmul", form="nope")


def test_cell_text_keeps_line_numbers_and_respects_the_header():
    from cardgen.grade.stub import ExerciseError
    from cardgen.notebook.grading import cell_text

    src = "def batched_matmul(a, b):\n    return a @ b\n"
    out = cell_text(src, "einsum.batched_matmul", 3)
    assert out.startswith(src) and out.rstrip().endswith("# cardgen: einsum.batched_matmul seed=3")
    headed = "# cardgen: superposition.forward seed=1\n" + src
    assert cell_text(headed, "superposition.forward", None) == headed
    with pytest.raises(ExerciseError, match="header names"):
        cell_text(headed, "einsum.batched_matmul", None)
    with pytest.raises(ExerciseError, match="needs a FAMILY"):
        cell_text(src, None, 2)


def test_a_cell_graded_at_the_basic_level_says_so(monkeypatch):
    from cardgen.notebook.grading import CellGrader

    monkeypatch.setenv("CARDGEN_GRADE_SANDBOX", "basic")
    grader = CellGrader()
    try:
        result = grader.grade("def batched_matmul(a, b):\n    return a @ b\n", "einsum.batched_matmul")
    finally:
        grader.close()
    assert result.status == "pass" and result.level == "basic"
    assert "sandbox level: basic — CARDGEN_GRADE_SANDBOX=basic" in result._repr_html_()
    assert str(result).startswith("sandbox level: basic")
