"""The %cardgen magics in a real ipykernel, driven through jupyter_client as a frontend
would: grade cells (right, wrong, hostile), start an exercise, show a card, and drill,
answering the input box as a learner (right, wrong, unreadable, ?, q)."""
from __future__ import annotations

from html import escape

import json
import subprocess
import sys

import pytest

from tests._notebook_helpers import ROOT, execute, kernel_env, last_card, start_kernel

pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

RIGHT = """import torch

def batched_matmul(a, b):
    return torch.einsum("bij,bjk->bik", a, b)
"""
TRANSPOSED = """import torch

def batched_matmul(a, b):
    return torch.einsum("bij,bjk->bki", a, b)
"""
# Harmless in the kernel (nothing is called there); in the grader each reaches for what the
# sandbox refuses: the network, a file outside its temp dir, the wall clock.
HOSTILE = """import socket
print("<script>alert('cell')</script>")

def batched_matmul(a, b):
    socket.create_connection(("127.0.0.1", 9))
    return a @ b

def forward(x, W, b_final):
    return open("/etc/hostname").read()

def cosine_decay_lr(step, steps):
    while True:
        pass
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    where = tmp_path_factory.mktemp("kernel")
    home = where / "home"
    home.mkdir()
    km, kc = start_kernel(where, kernel_env(home))
    try:
        run = execute(kc, "%load_ext cardgen")
        assert not run.errors() and not run.text().strip(), run.text()
        yield kc, where
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _grade_html(run) -> str:
    found = [h for h in run.html() if 'class="cardgen-grade"' in h]
    assert len(found) == 1, run.text()[-3000:]
    return found[0]


def test_help_and_usage_errors(kernel):
    kc, _ = kernel
    run = execute(kc, "%cardgen --help")
    assert "grade" in run.text() and "drill" in run.text() and not run.errors()
    run = execute(kc, "%cardgen show no.such_family")
    assert "Error:" in run.text() and not run.errors()  # one line, no traceback
    run = execute(kc, "%cardgen grade einsum.batched_matmul")
    assert "needs a cell" in run.text() and not run.errors()


def test_grade_right_cell_runs_and_passes(kernel):
    kc, _ = kernel
    run = execute(kc, "%%cardgen grade einsum.batched_matmul\n" + RIGHT)
    html = _grade_html(run)
    assert 'data-status="pass"' in html and 'data-level="strong"' in html
    assert "sandbox level: strong" in html
    run = execute(kc, "print(batched_matmul(torch.ones(1, 2, 3), torch.ones(1, 3, 4)).shape)")
    assert "torch.Size([1, 2, 4])" in run.text()  # the cell ran in the kernel too


def test_grade_wrong_cell_diagnosis_counterexample_and_next_hint(kernel):
    kc, _ = kernel
    first = _grade_html(execute(kc, "%%cardgen grade einsum.batched_matmul --seed 4\n" + TRANSPOSED))
    assert 'data-status="fail"' in first
    assert 'class="cardgen-diagnosis"' in first and "transposed" in first
    assert 'class="cardgen-counterexample"' in first and "<table" in first and ">expected<" in first
    assert 'class="cardgen-hint" data-k="1"' in first
    second = _grade_html(execute(kc, "%%cardgen grade einsum.batched_matmul --seed 4\n" + TRANSPOSED))
    assert 'class="cardgen-hint" data-k="2"' in second


def test_hostile_cell_gets_what_the_file_gets(kernel, tmp_path):
    kc, _ = kernel
    header = "# cardgen: einsum.batched_matmul seed=0\n# cardgen: superposition.forward seed=0\n" \
             "# cardgen: superposition.cosine_decay_lr seed=0\n"
    run = execute(kc, "%%cardgen grade --timeout 1\n" + header + HOSTILE)
    html = _grade_html(run)
    statuses = dict(__import__("re").findall(r'data-function="(\w+)" data-status="(\w+)"', html))
    path = tmp_path / "cell.py"
    path.write_text(header + HOSTILE)
    cli = subprocess.run([sys.executable, "-m", "cardgen", "grade", str(path), "--json", "--timeout", "1"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    tests = json.loads(cli.stdout)["tests"]
    assert statuses == {t["name"].split(": ")[1]: t["status"] for t in tests}
    assert set(statuses.values()) == {"error"}, statuses
    assert "<script>" not in html and "&lt;script&gt;" in html  # what the code printed is text
    for t in tests:  # the same first line of the verdict, in the notebook's HTML
        first = t["message"].splitlines()[0]
        assert __import__("html").escape(first) in html, (first, html)


def test_exercise_puts_the_stub_in_the_next_cell(kernel):
    from cardgen.grade.stub import new_exercise

    kc, _ = kernel
    run = execute(kc, "%cardgen exercise superposition.forward --seed 3")
    payloads = [p for p in run.reply.get("payload", []) if p.get("source") == "set_next_input"]
    assert len(payloads) == 1 and payloads[0]["replace"] is False
    assert payloads[0]["text"] == "%%cardgen grade superposition.forward --seed 3\n" + new_exercise(
        "superposition.forward", 3)
    # the stub as written grades: not implemented yet
    html = _grade_html(execute(kc, payloads[0]["text"]))
    assert 'data-status="error"' in html and "NotImplementedError" in html


def test_show_and_check(kernel):
    from exercises import get_family

    kc, _ = kernel
    v = get_family("einsum.matmul").variant(seed=7, form="write")
    run = execute(kc, "%cardgen show einsum.matmul --form write --seed 7")
    (html,) = run.html()
    assert 'data-seed="7"' in html
    before, _, folded = html.partition('<details class="cardgen-answer">')
    ans = escape(v.answer_text)
    assert ans in folded and ans not in before
    run = execute(kc, "import cardgen\nc = cardgen.check('einsum.matmul', %r, form='write', seed=7)\nc" % v.answer_text)
    assert any("CORRECT" in h for h in run.html()) and "correct" in run.text()
    run = execute(kc, f"%cardgen check einsum.matmul {v.distractors[0]!r} --form write --seed 7")
    assert any("WRONG" in h for h in run.html())


def test_drill_in_the_input_box(kernel):
    from exercises import get_family

    from cardgen.drill.store import Store

    kc, where = kernel
    db = where / "drill.sqlite3"
    plan = {}  # card -> what the learner does next

    def learner(prompt, run):
        if prompt.startswith("rating"):
            return ""  # keep the suggested rating
        fam, form, seed = last_card(run)
        v = get_family(fam).variant(seed=seed, form=form)
        todo = plan.setdefault((fam, form, seed), ["?", "@@@", v.answer_text] if form == "write"
                               else [v.distractors[0]])
        return todo.pop(0) if todo else "s"  # asked again after a wrong answer: move on

    args = ("--family einsum.matmul --family superposition.gram_image --form write --form read "
            f"--limit 2 --new 2 --db {db}")
    run = execute(kc, f"%cardgen drill {args}", answer=learner)
    assert not run.errors(), run.text()[-3000:]
    cards = [h for h in run.html() if 'class="cardgen-card"' in h]
    assert len(cards) == 2
    shown = [h for h in run.html() if 'class="cardgen-card"' not in h and 'class="cardgen-drill-out"' not in h]
    assert not shown, shown  # nothing else: no stray display from the session's background thread
    assert len(run.pngs()) == 1, "the Gram matrix card's picture is sent as image/png"
    text = run.text()
    assert "hint 1/" in text
    assert "Couldn't read that" in text and "nothing recorded" in text
    assert "✓ correct" in text and "✗ wrong" in text and "think:" in text
    assert text.count("rated ") == 2 and "Session: reviewed 2" in text
    with Store.open(db) as store:
        reviews = store.reviews()
    assert sorted(r.correct for r in reviews) == [False, True]
    assert {r.hints_used for r in reviews if r.correct} == {1}
    # q ends a session at once; nothing more is saved
    run = execute(kc, f"%cardgen drill --family einsum.matmul --form shape --new 1 --limit 1 --db {db}",
                  answer=lambda p, r: "q")
    assert len([h for h in run.html() if 'class="cardgen-card"' in h]) == 1 and "reviewed 0" in run.text()
    with Store.open(db) as store:
        assert len(store.reviews()) == 2
