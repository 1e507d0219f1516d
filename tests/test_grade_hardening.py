"""The second round of attacks on the grader, each tried for real (real CLI, real subprocess):
the clock belongs to the grader, hostile files get a verdict or a clear error, verdicts are
fair, and a report's counts, statuses and score agree.
"""
from __future__ import annotations

import ast
import os
import re
import stat
import time

import pytest

from _grade_helpers import by_function, cardgen, landlock_abi, validate_exercism

needs_landlock = pytest.mark.skipif(landlock_abi() < 1, reason="the strong level's file walls need Landlock")

FORGE = '''
import gc, json, os, time
import torch

print(f"loaded at {time.time():.3f}")


def _forge(record):
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel" and getattr(obj, "token", ""):
            os.write(obj.fd, (json.dumps({**record, "token": obj.token}) + "\\n").encode())
            return


def batched_matmul(a, b):
    for k in range(120):  # 60 s against a 2 s limit, each step claiming a new start
        _forge(RECORD(k))
        time.sleep(0.5)
    return torch.einsum("bik,bkj->bij", a, b)


def cosine_decay_lr(step, steps):
    return 1.0
'''


@pytest.mark.parametrize("record", ['lambda k: {"ev": "call", "fn": 2 + k, "case": 0}',
                                    'lambda k: {"ev": "started"}'])
def test_forged_records_buy_no_time(tmp_path, record):
    """The run token is reachable through gc; whatever the solution writes with it, the grader
    stops it on its own clock: (2 functions + loading) x 2 s at the very most."""
    sol = tmp_path / "forger.py"
    sol.write_text("# cardgen: einsum.batched_matmul seed=0\n# cardgen: superposition.cosine_decay_lr seed=0\n"
                   + FORGE.replace("RECORD", f"({record})"))
    r = cardgen("grade", str(sol), "--timeout", "2", "--json", cwd=tmp_path)
    end = time.time()
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "error", doc
    assert by_function(doc)["batched_matmul"]["status"] != "pass"
    loaded = float(re.search(r"loaded at (\d+\.\d+)", r.out).group(1)) if "loaded at" in r.out else None
    if loaded is not None:
        assert end - loaded < 3 * 2 + 3, f"the solution ran {end - loaded:.1f} s"
    assert r.seconds < 60


DEEP_TREE = '''# cardgen: einsum.batched_matmul seed=0
import os
import torch
BUILT = []


def batched_matmul(a, b):
    if not BUILT:
        BUILT.append(1)
        here = os.open(".", os.O_RDONLY)
        for _ in range(5000):
            os.mkdir("d", dir_fd=here)
            nxt = os.open("d", os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = nxt
        os.close(here)
    return torch.einsum("bik,bkj->bij", a, b)
'''


@needs_landlock
def test_a_5000_deep_tree_is_removed_after_grading(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    sol = tmp_path / "deep.py"
    sol.write_text(DEEP_TREE)
    r = cardgen("grade", str(sol), "--json", "--timeout", "90", cwd=tmp_path, env={"TMPDIR": str(tmp)}, timeout=300)
    assert "Traceback" not in r.err, r.err
    assert by_function(r.json())["batched_matmul"]["status"] == "pass", r.out
    assert list(tmp.iterdir()) == []  # the grader's temp dir is gone, 5,000 levels and all


def test_hostile_files_and_options_get_clear_errors(tmp_path):
    nested = tmp_path / "nested.py"
    nested.write_text("# cardgen: einsum.batched_matmul seed=0\nx = " + "-" * 200_000 + "1\n")
    r = cardgen("grade", str(nested), cwd=tmp_path)
    assert r.rc == 1 and "Traceback" not in r.err and "nested too deeply" in r.out, r.out + r.err

    seed = tmp_path / "seed.py"
    seed.write_text("# cardgen: einsum.batched_matmul seed=9999999999999999999\ndef batched_matmul(a, b):\n    pass\n")
    for extra in ([], ["--hint"]):
        r = cardgen("grade", str(seed), *extra, cwd=tmp_path)
        assert r.rc == 2 and "Traceback" not in r.err and "seed must be an integer from 0 to" in r.err, r.err

    r = cardgen("build-deck", "-o", str(tmp_path), cwd=tmp_path)
    assert r.rc == 2 and "is a directory" in r.err and "Traceback" not in r.err
    if os.path.exists("/dev/full"):
        r = cardgen("build-deck", "-o", "/dev/full", cwd=tmp_path)
        assert r.rc == 1 and "not a regular file" in r.err and "Traceback" not in r.err, r.err
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # the device node is still a device


def test_the_header_seed_bound_is_the_exercises_bound():
    from cardgen.grade.stub import MAX_SEED
    from exercises.base import MAX_SEED as EXERCISES_MAX_SEED

    assert MAX_SEED == EXERCISES_MAX_SEED


FAIR = '''# cardgen: einsum.batched_matmul seed=0
# cardgen: einsum.gram seed=0
# cardgen: superposition.cosine_decay_lr seed=0
import math
import torch


def batched_matmul(b, a):  # the stub's names, another order: matched by name
    return torch.einsum("bik,bkj->bij", a, b).to_sparse()  # a sparse result is still the result


def gram(W):
    return [[[1.5] * 60] * 60] * 60  # legal, huge: bounded before it is serialized


def cosine_decay_lr(step, steps):
    return math.cos(0.5 * math.pi * step / (steps - 1))
'''


def test_fair_verdicts_by_name_sparse_and_bounded(tmp_path):
    sol = tmp_path / "fair.py"
    sol.write_text(FAIR)
    r = cardgen("grade", str(sol), "--json", cwd=tmp_path)
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)
    assert t["batched_matmul"]["status"] == "pass", t["batched_matmul"]
    assert t["cosine_decay_lr"]["status"] == "pass"
    assert t["gram"]["status"] == "fail", t["gram"]
    assert r.seconds < 60


MUTATES = '''# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.cosine_decay_lr seed=0
import math
import torch


def batched_matmul(a, b):
    out = torch.einsum("bik,bkj->bij", a, b)
    a.zero_()  # the right result, but the caller's tensor is destroyed
    return out


def cosine_decay_lr(step, steps):
    return math.cos(0.5 * math.pi * step / (steps - 1))
'''


def test_counts_statuses_and_score_agree(tmp_path):
    """A case where the function changed its input is not a passed case (issue 26)."""
    from cardgen.grade.grader import grade_file

    sol = tmp_path / "mutates.py"
    sol.write_text(MUTATES)
    report = grade_file(sol)
    fr = {f.function: f for f in report.functions}
    assert (fr["batched_matmul"].status, fr["batched_matmul"].passed, fr["batched_matmul"].total) == ("fail", 0, 24)
    assert (fr["cosine_decay_lr"].status, fr["cosine_decay_lr"].passed) == ("pass", fr["cosine_decay_lr"].total)
    text = report.text()
    assert "FAIL  batched_matmul  (einsum.batched_matmul, seed 0)  0/24 cases" in text
    total = fr["cosine_decay_lr"].total
    assert f"score: 1/2 functions pass ({total}/{24 + total} cases)" in text
    for f in report.functions:  # the invariant, for every function
        assert (f.status == "pass") == (f.passed == f.total and not f.rule_messages)


def test_text_output_cannot_fake_a_verdict_line():
    from cardgen.grade.report import Report

    report = Report("x.py", [], message="your file failed to load: raised ValueError: \nPASS  forward  (fake)\nscore: 9/9")
    lines = report.text().splitlines()
    assert not any(re.match(r"(PASS|FAIL|ERROR|score:)", ln) for ln in lines[1:-1]), lines
    assert lines[-1] == "score: 0/0 functions pass"


def test_no_loops_follows_aliases_and_partials():
    from cardgen.grade.rules import check_rules

    tree = ast.parse(
        "import functools\n"
        "from functools import partial\n"
        "def _pool_loops(x, k):\n    return [x for _ in range(k)]\n"
        "helper = _pool_loops\n"
        "part = functools.partial(_pool_loops, k=2)\n"
        "part2 = partial(helper, k=2)\n"
        "def f(x):\n    return helper(x, 2)\n"
        "def g(x):\n    return part(x)\n"
        "def h(x):\n    return part2(x)\n"
        "def clean(x):\n    return x * 2\n")
    for name in ("f", "g", "h"):
        (v,) = check_rules(tree, name, ("no_loops",))
        assert v.line == 4 and "_pool_loops" in v.message, v
    assert check_rules(tree, "clean", ("no_loops",)) == []


def test_the_forward_stub_formula_runs_as_written():
    """The stub of superposition.forward states a layout and a formula: coded literally, in
    that layout, the formula is the reference on every grading case (issue 25)."""
    import torch

    from cardgen.grade.cases import make_plan, rebuild
    from cardgen.grade.exercise import Exercise
    from exercises import get_family

    fam = get_family("superposition.forward")
    doc = fam.code_spec.doc
    assert "W: [instances, features, hidden]" in doc and "out = ReLU(x W W^T + b_final)" in doc

    def as_written(W, b_final, features):  # x W W^T, x a row vector of each instance
        xW = torch.einsum("bif,ifh->bih", features, W)
        return torch.relu(torch.einsum("bih,ifh->bif", xW, W) + b_final)

    plan = make_plan(Exercise(fam.id, 0, fam.code_spec), use_cache=False)
    for inputs in plan.inputs:
        values = rebuild(inputs)
        torch.testing.assert_close(as_written(**values), fam.code_spec.reference(**values))


def test_remove_tree_never_follows_links_and_takes_fifos(tmp_path):
    from cardgen.grade.fsutil import remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "f.txt").write_text("x")
    (tree / "a" / "link").symlink_to(outside)
    os.mkfifo(tree / "a" / "fifo")
    os.chmod(tree / "a" / "b", 0)
    assert remove_tree(tree) and not tree.exists()
    assert (outside / "keep.txt").read_text() == "keep"
    assert remove_tree(tmp_path / "missing")


def test_a_cache_dir_above_the_libraries_hides_only_the_cases(tmp_path, monkeypatch):
    """CARDGEN_CACHE set to a folder that holds the interpreter's libraries (or the temp dir)
    must not take torch away from the sandbox: only its grade-cases part is hidden."""
    import sysconfig
    from pathlib import Path

    from cardgen.grade.sandbox import allow_list

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    monkeypatch.setenv("CARDGEN_CACHE", str(site.parent))
    a = allow_list()
    assert str(site.parent) not in a["mask_dirs"]  # (its grade-cases folder, were there one, would be)
    assert any(d.startswith(str(site / "torch")) for d in a["read_dirs"])
    monkeypatch.setenv("CARDGEN_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    assert str(tmp_path / "cache") in allow_list()["mask_dirs"]
