"""`cardgen exercise new/daily` and `cardgen grade`, run for real on real solution files.

Each grading run starts the real CLI in a subprocess, which starts the real sandboxed child.
"""
from __future__ import annotations

import ast
import datetime as dt
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from _grade_helpers import CASES, by_function, cardgen, validate_exercism

CONTRACT = {"batched_matmul": "einsum.batched_matmul", "forward": "superposition.forward",
            "cosine_decay_lr": "superposition.cosine_decay_lr"}


def test_correct_solution_passes_without_header(tmp_path):
    r = cardgen("grade", str(CASES / "three_ok.py"), "--json", cwd=tmp_path)
    assert r.rc == 0, r.out + r.err
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "pass"
    tests = by_function(doc)
    assert set(tests) == set(CONTRACT)
    for fn, fam in CONTRACT.items():
        assert tests[fn]["name"] == f"{fam}: {fn}"
        assert tests[fn]["status"] == "pass"
        n = int(tests[fn]["test_code"].split(" on ")[1].split()[0])
        assert n >= 20, tests[fn]["test_code"]  # at least 20 random cases each


def test_typical_mistakes_are_diagnosed(tmp_path):
    r = cardgen("grade", str(CASES / "mixed_wrong.py"), "--json", cwd=tmp_path)
    assert r.rc == 1, r.out + r.err
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "fail"
    t = by_function(doc)

    bmm = t["batched_matmul"]
    assert bmm["status"] == "fail"
    assert "returned None" in bmm["message"] and "print" in bmm["message"]
    assert bmm["output"].startswith("torch.Size([")  # what the failing case printed...
    assert bmm["output"].count("torch.Size") == 1  # ...not the output of all cases mixed

    fwd = t["forward"]
    assert fwd["status"] == "fail"
    assert fwd["message"].startswith("Did you forget the ReLU?")
    assert "counterexample (case" in fwd["message"]
    assert "features: tensor of shape" in fwd["message"] or "features = torch.tensor([[" in fwd["message"]
    assert "max abs difference" in fwd["message"]
    assert "expected[" in fwd["message"] and "got[" in fwd["message"]

    cos = t["cosine_decay_lr"]
    assert cos["status"] == "error"
    assert "no function named `cosine_decay_lr`" in cos["message"]
    assert "cosine_decay" in cos["message"]  # what the file does define

    heads = t["split_heads"]
    assert heads["status"] == "fail"  # right values, but a comprehension breaks "no_loops"
    assert "line 26" in heads["message"] and "no loops" in heads["message"]


def test_syntax_error_is_reported_with_line(tmp_path):
    r = cardgen("grade", str(CASES / "syntax_error.py"), cwd=tmp_path)
    assert r.rc == 1
    assert "SyntaxError in syntax_error.py, line 5: expected ':'" in r.out
    assert "def batched_matmul(a, b)" in r.out
    assert "Traceback" not in r.out + r.err
    j = cardgen("grade", str(CASES / "syntax_error.py"), "--json", cwd=tmp_path)
    doc = j.json()
    validate_exercism(doc)
    assert doc["status"] == "error" and "line 5" in doc["message"]
    assert by_function(doc)["batched_matmul"]["status"] == "error"


def test_a_file_that_fails_to_load(tmp_path):
    r = cardgen("grade", str(CASES / "load_error.py"), "--json", cwd=tmp_path)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "error"
    assert "failed to load" in doc["message"]
    assert "ModuleNotFoundError" in doc["message"]
    assert 'File "load_error.py", line 4' in doc["message"]
    assert "import no_such_module_for_cardgen" in doc["message"]
    assert "cardgen/grade" not in doc["message"]  # the learner's frames, not the grader's


def test_usage_errors_exit_2(tmp_path):
    missing = cardgen("grade", str(tmp_path / "nope.py"), cwd=tmp_path)
    assert missing.rc == 2 and "does not exist" in missing.err
    none = cardgen("grade", str(CASES / "no_exercise.py"), cwd=tmp_path)
    assert none.rc == 2 and "no exercise found" in none.err and "batched_matmul" in none.err
    bad = tmp_path / "bad_header.py"
    bad.write_text("# cardgen: einsum.batched_matmull seed=1\ndef batched_matmul(a, b):\n    return a\n")
    r = cardgen("grade", str(bad), cwd=tmp_path)
    assert r.rc == 2 and "Did you mean: einsum.batched_matmul" in r.err
    for res in (missing, none, r):
        assert "Traceback" not in res.err


def _hints(family: str, seed: int) -> tuple[str, ...]:
    from exercises import get_family

    fam = get_family(family)
    return fam.variant(seed=seed, form="write" if "write" in fam.forms else fam.forms[0]).hints


def test_hints_one_tier_at_a_time(tmp_path):
    from click.testing import CliRunner

    from cardgen.cli import cli

    hints = _hints("einsum.batched_matmul", 0)
    assert len(hints) >= 2
    first = cardgen("grade", str(CASES / "syntax_error.py"), "--hint", cwd=tmp_path)
    assert f"hint 1/{len(hints)} for batched_matmul: {hints[0]}" in first.out
    assert hints[1] not in first.out and "--hint 2" in first.out
    assert "SyntaxError" in first.out  # the grade still follows the hint
    runner = CliRunner()
    second = runner.invoke(cli, ["grade", str(CASES / "syntax_error.py"), "--hint", "2"])
    assert f"hint 2/{len(hints)} for batched_matmul: {hints[1]}" in second.output
    assert hints[0] not in second.output
    last = runner.invoke(cli, ["grade", str(CASES / "syntax_error.py"), "--hint", "9"])
    assert hints[-1] in last.output and "that was the last hint" in last.output


def test_exercise_new_stub_then_solution(tmp_path):
    sol = tmp_path / "sol.py"
    r = cardgen("exercise", "new", "einsum.batched_matmul", "--seed", "3", "-o", str(sol), cwd=tmp_path)
    assert r.rc == 0, r.err
    text = sol.read_text()
    assert text.startswith("# cardgen: einsum.batched_matmul seed=3\n")
    tree = ast.parse(text)
    fn = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in fn] == ["batched_matmul"]
    doc = ast.get_docstring(fn[0])
    assert "[batch, i, k]" in doc and "Example" in doc and "->" in doc
    assert "batched_matmul(a=<[" in doc and "float32>" in doc  # the example call shows shapes and dtypes
    assert "raise NotImplementedError" in text

    again = cardgen("exercise", "new", "einsum.outer", "-o", str(sol), cwd=tmp_path)
    assert again.rc == 1 and "already exists" in again.err and "--force" in again.err
    assert sol.read_text() == text  # nothing lost

    # (grading the stub unchanged: test_json_of_the_stub_is_valid)
    sol.write_text(text.replace("raise NotImplementedError", "return torch.einsum('bik,bkj->bij', a, b)"))
    done = cardgen("grade", str(sol), cwd=tmp_path)
    assert done.rc == 0, done.out
    assert "PASS  batched_matmul  (einsum.batched_matmul, seed 3)  24/24 cases" in done.out
    assert "score: 1/1 functions pass" in done.out


def test_exercise_new_refuses_families_without_code():
    r = cardgen("exercise", "new", "einsum.no_such_family")
    assert r.rc == 2 and "unknown family" in r.err
    from exercises import all_families

    plain = next(f for f in all_families() if f.code_spec is None)
    r = cardgen("exercise", "new", plain.id)
    assert r.rc == 2 and "has no code exercise" in r.err and "einsum.batched_matmul" in r.err


def test_exercise_daily_distinct_and_deterministic(tmp_path):
    from cardgen.grade.stub import daily_families

    out = tmp_path / "daily.py"
    out.write_text("# an older file\n")
    refused = cardgen("exercise", "daily", "--seed", "5", "-o", str(out), cwd=tmp_path)
    assert refused.rc == 1 and out.read_text() == "# an older file\n"
    r = cardgen("exercise", "daily", "--seed", "5", "-o", str(out), "--force", cwd=tmp_path)
    assert r.rc == 0, r.err
    text = out.read_text()
    headers = [ln for ln in text.splitlines() if ln.startswith("# cardgen: ")]
    chosen, _ = daily_families(3, 5)
    assert headers == [f"# cardgen: {f.id} seed={s}" for f, s in chosen]
    assert len({f.id for f, _ in chosen}) == 3 and len({f.code_spec.function for f, _ in chosen}) == 3
    tree = ast.parse(text)
    assert {n.name for n in tree.body if isinstance(n, ast.FunctionDef)} == {f.code_spec.function for f, _ in chosen}
    # the date decides when no seed is given: same day, same set; the days differ
    day = dt.date(2025, 3, 14)
    assert daily_families(3, None, day) == daily_families(3, None, day)
    sets = {tuple(f.id for f, _ in daily_families(3, None, day + dt.timedelta(days=k))[0]) for k in range(10)}
    assert len(sets) > 1


def test_watch_regrades_on_save_and_stops_cleanly(tmp_path):
    sol = tmp_path / "w.py"
    sol.write_text((CASES / "syntax_error.py").read_text())
    p = subprocess.Popen([sys.executable, "-m", "cardgen", "grade", str(sol), "--watch"], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in p.stdout], daemon=True).start()

    def wait_for(needle: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                ln = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            seen.append(ln)
            if needle in ln:
                return "".join(seen)
        raise AssertionError(f"{needle!r} not seen in: {''.join(seen)}")

    try:
        first = wait_for("score:")
        assert "line 5: expected ':'" in first
        time.sleep(0.05)  # a new mtime even on coarse clocks
        sol.write_text("# cardgen: einsum.batched_matmul seed=0\n\n\n\n\n\ndef batched_matmul(a, b):\n    return (a\n")
        second = wait_for("score:")
        assert "line 8: '(' was never closed" in second
        # real gradings, forked from the template once it has imported torch (or started afresh before)
        for k in range(3):
            time.sleep(0.3 if k else 3.0)
            body = (CASES / "three_ok.py").read_text() if k != 1 else (CASES / "mixed_wrong.py").read_text()
            sol.write_text(body + f"\n# save {k}\n")
            verdict = wait_for("score:")
            if k == 1:
                assert "Did you forget the ReLU?" in verdict and "score: 0/4 functions pass" in verdict
            else:
                assert "score: 3/3 functions pass (72/72 cases)" in verdict, verdict
        wait_for("watching for changes")  # the grading is over: Ctrl-C while waiting for a save
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:  # say where it stuck, for the next one to read
            where = {f: _proc_text(p.pid, f) for f in ("wchan", "status", "stack")}
            p.kill()
            raise AssertionError(f"--watch did not stop within 20 s of Ctrl-C; {where}") from None
        finally:
            if p.poll() is None:
                p.kill()
    err = p.stderr.read()
    assert "Traceback" not in err, err
    assert "stopped watching" in err
    assert rc == 0  # the last verdict: all pass
    time.sleep(0.5)
    assert not _grader_processes(p.pid), "the fork server outlived --watch"


def _proc_text(pid: int, name: str) -> str:
    try:
        with open(f"/proc/{pid}/{name}", encoding="utf-8", errors="replace") as f:
            return f.read()[:400]
    except OSError as e:
        return str(e)


def _grader_processes(parent: int) -> list[int]:
    """Fork-server templates of the grader that ``parent`` started (told apart by the parent pid
    on their command line: another test, on another worker, may be grading at the same time)."""
    import os

    found = []
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if b"grade/child.py" in cmdline and b'"template": true' in cmdline and re.search(rb'"parent": %d[,}]' % parent, cmdline):
            found.append(int(pid))
    return found


def test_json_of_the_stub_is_valid(tmp_path):
    """`exercise new` then `grade --json` unchanged: an error naming NotImplementedError, not a pass."""
    sol = tmp_path / "solution.py"
    r = cardgen("exercise", "new", "superposition.cosine_decay_lr", cwd=tmp_path)
    assert r.rc == 0 and sol.exists()
    g = cardgen("grade", "solution.py", "--json", cwd=tmp_path)
    doc = json.loads(g.out)
    validate_exercism(doc)
    assert g.rc == 1 and doc["status"] == "fail"
    t = by_function(doc)["cosine_decay_lr"]
    assert t["status"] == "error" and "NotImplementedError" in t["message"]


@pytest.mark.parametrize("bad", ["--timeout=0", "--hint=0"])
def test_bad_options_are_usage_errors(bad):
    r = cardgen("grade", str(CASES / "three_ok.py"), bad)
    assert r.rc == 2 and "Traceback" not in r.err


def test_every_code_exercise_has_its_own_function_name():
    """A file without a header is graded by its function's name, so no two families may share one
    (superposition.forward_arena first shipped as a second `forward`)."""
    from collections import Counter

    from exercises.registry import all_families

    names = Counter(f.code_spec.function for f in all_families() if f.code_spec)
    assert [n for n, k in names.items() if k > 1] == []
