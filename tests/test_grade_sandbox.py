"""The grader against hostile or broken solutions: each a real file, graded by the real CLI.

None of them may hang the grader or pass; the grader's and the caller's files stay untouched.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
import time
from pathlib import Path

import pytest

from _grade_helpers import CASES, REPO, by_function, cardgen, validate_exercism

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp/Landlock are Linux features")


def _grader_tmp(tmp_path: Path) -> dict[str, str]:
    """The grader's environment with its own TMPDIR: its sandbox directories (``cardgen-grade-*``)
    are made there, so the leftover check sees this test's processes only, never those of a
    grader another test runs at the same time (a ``--watch`` fork server lives for minutes)."""
    root = tmp_path / "grader-tmp"
    root.mkdir(exist_ok=True)
    return {"TMPDIR": str(root)}


def _leftover_children(env: dict[str, str]) -> list[int]:
    """Processes still running in this grader's temp directories (there must be none afterwards)."""
    root = os.path.join(env["TMPDIR"], "cardgen-grade-")
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.readlink(f"/proc/{pid}/cwd").startswith(root):
                    found.append(int(pid))
            except OSError:
                pass
    return found


def _wait_no_leftovers(env: dict[str, str], seconds: float = 3.0) -> list[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        left = _leftover_children(env)
        if not left:
            return []
        time.sleep(0.1)
    return _leftover_children(env)


def test_infinite_loop_times_out_promptly(tmp_path):
    env = _grader_tmp(tmp_path)
    r = cardgen("grade", str(CASES / "infinite_loop.py"), "--timeout", "3", cwd=tmp_path, env=env)
    end = time.time()
    assert r.rc == 1
    assert "ERROR  batched_matmul" in r.out
    assert "case 1: timed out after 3 s" in r.out
    assert "your file printed while loading:" in r.out
    # The module printed the time the learner's code started: the grader must give up on it
    # and return within N + 2 seconds of that moment (Python/torch start-up is not counted).
    loaded = float(re.search(r"loaded at (\d+\.\d+)", r.out).group(1))
    assert end - loaded < 3 + 2, f"returned {end - loaded:.2f} s after the learner's code started"
    assert not _wait_no_leftovers(env)


@linux_only
def test_fork_bomb_and_memory_hog_are_contained(tmp_path):
    env = _grader_tmp(tmp_path)
    r = cardgen("grade", str(CASES / "resource_hogs.py"), "--timeout", "8", "--json", cwd=tmp_path, env=env)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)
    assert t["batched_matmul"]["status"] == "error"
    assert "start no processes" in t["batched_matmul"]["message"]  # fork() is refused outright
    assert t["forward"]["status"] == "error"
    assert "out of memory" in t["forward"]["message"] and "GiB" in t["forward"]["message"]
    assert not _wait_no_leftovers(env)


def test_fork_bomb_in_the_basic_sandbox_is_killed_with_its_group(tmp_path):
    """Without seccomp (non-Linux, or forced) a fork bomb runs until the wall clock, then the
    whole process group is killed: the grader returns, reports an error and nothing is left."""
    caller = tmp_path / "caller"
    caller.mkdir()
    sol = tmp_path / "bomb.py"
    sol.write_text(
        "# cardgen: superposition.cosine_decay_lr seed=0\n"
        "# cardgen: einsum.batched_matmul seed=0\n"
        "import math, os\n\n"
        "def cosine_decay_lr(step, steps):\n"
        "    with open('leak.txt', 'w') as f:  # relative: lands in the sandbox's temp dir\n"
        "        f.write('x')\n"
        "    return math.cos(0.5 * math.pi * step / (steps - 1))\n\n"
        "def batched_matmul(a, b):\n"
        "    while True:\n"
        "        os.fork()\n"
    )
    env = {**_grader_tmp(tmp_path), "CARDGEN_GRADE_SANDBOX": "basic"}
    r = cardgen("grade", str(sol), "--timeout", "1", "--json", cwd=caller, env=env)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)
    assert t["cosine_decay_lr"]["status"] == "pass"
    assert t["batched_matmul"]["status"] == "error" and "timed out after 1 s" in t["batched_matmul"]["message"]
    assert not (caller / "leak.txt").exists() and not (REPO / "leak.txt").exists()
    assert not _wait_no_leftovers(env), "fork-bomb processes survived the group kill"


def test_exits_and_exceptions_are_reported(tmp_path):
    r = cardgen("grade", str(CASES / "exits_and_raises.py"), "--json", cwd=tmp_path)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)
    bmm = t["batched_matmul"]["message"]
    assert t["batched_matmul"]["status"] == "error"
    assert bmm.startswith("raised ValueError: bad input of shape")
    assert 'File "exits_and_raises.py", line 14, in batched_matmul' in bmm
    assert 'File "exits_and_raises.py", line 10, in _check' in bmm
    assert "cardgen/grade" not in bmm and "child.py" not in bmm  # no grader frames
    assert t["cosine_decay_lr"]["status"] == "error"
    assert "called sys.exit(3)" in t["cosine_decay_lr"]["message"]
    assert t["forward"]["status"] == "error"
    assert "ended the grader's process (exit code 7)" in t["forward"]["message"]


def test_a_crash_is_an_error(tmp_path):
    r = cardgen("grade", str(CASES / "crash_signal.py"), "--json", cwd=tmp_path)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)["batched_matmul"]
    assert t["status"] == "error" and "segmentation fault" in t["message"]


def test_cheats_and_liars_still_fail(tmp_path):
    """Patched torch/numpy comparisons, a patched grader module, and objects lying about their
    shape: the verdict is made in the grader's process on the bytes, so all of them fail."""
    r = cardgen("grade", str(CASES / "cheats.py"), "--json", cwd=tmp_path)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "fail"
    t = by_function(doc)
    assert t["batched_matmul"]["status"] == "fail"
    assert "wrong shape" in t["batched_matmul"]["message"] and "got (3,)" in t["batched_matmul"]["message"]
    assert t["forward"]["status"] == "fail" and "FakeTensor" in t["forward"]["message"]
    assert t["cosine_decay_lr"]["status"] == "fail" and "got -5" in t["cosine_decay_lr"]["message"]


def test_forged_results_are_an_error(tmp_path):
    r = cardgen("grade", str(CASES / "forge_channel.py"), "--json", cwd=tmp_path)
    assert r.rc == 1
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "error" and "forged" in doc["message"]
    assert by_function(doc)["batched_matmul"]["status"] == "error"


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@linux_only
def test_file_writes_outside_are_prevented(tmp_path):
    """Writes land only in the sandbox's private temp dir (its cwd and HOME), which is
    deleted afterwards; everything else is refused."""
    caller = tmp_path / "caller"
    caller.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    grader_file = REPO / "cardgen" / "grade" / "report.py"
    before = _digest(grader_file)
    sol = tmp_path / "writer.py"
    inside = {
        "relative": "open('leak.txt', 'w').write('x')",
        "home": "open(os.path.expanduser('~/.bashrc'), 'a').write('x')",
    }
    outside = {
        "absolute": f"open({str(victim)!r}, 'w').write('overwritten')",
        "truncate": f"open({str(victim)!r}, 'w')",
        "grader": f"open({str(grader_file)!r}, 'a').write('# pwned')",
        "delete_self": f"os.unlink({str(sol)!r})",
        "caller": f"open({str(caller / 'leak.txt')!r}, 'w')",
    }
    body = "\n".join(
        f"    try:\n        {code}\n        print('{name}: done')\n"
        f"    except OSError as e:\n        print('{name}:', errno.errorcode[e.errno])"
        for name, code in {**inside, **outside}.items()
    )
    sol.write_text(
        "# cardgen: einsum.batched_matmul seed=0\nimport errno\nimport os\nimport torch\n\n\n"
        f"def batched_matmul(a, b):\n{body}\n    return torch.einsum('bik,bkj->bij', a, b)\n"
    )
    source = sol.read_text()
    r = cardgen("grade", str(sol), "--json", cwd=caller)
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)["batched_matmul"]
    assert t["status"] == "pass"  # the answer is right; the writes just did not happen
    for name in inside:
        assert f"{name}: done" in t["output"], t["output"]
    for name in outside:
        hidden = "|ENOENT" if name == "grader" else ""  # the project's code is not even visible
        assert re.search(f"{name}: (EACCES|EPERM|EROFS{hidden})", t["output"]), t["output"]
    assert victim.read_text() == "precious"
    assert _digest(grader_file) == before
    assert sol.read_text() == source
    assert not (caller / "leak.txt").exists() and not (REPO / "leak.txt").exists()
    assert list(caller.iterdir()) == []


# ------------------------------------------------------------------ the channel, in-process


def test_a_lying_shape_on_the_channel_is_rejected():
    """The parent re-checks that the bytes match the claimed shape and dtype."""
    from cardgen.grade.wire import ProtocolError, decode as decode_result

    data = base64.b64encode(b"\x00" * 12).decode()
    ok = decode_result({"t": "array", "kind": "tensor", "np": "<f4", "dtype": "float32", "shape": [3], "data": data})
    assert ok.array.shape == (3,)
    for bad in (
        {"t": "array", "kind": "tensor", "np": "<f4", "shape": [2, 3], "data": data},  # 6 floats claimed
        {"t": "array", "kind": "tensor", "np": "|O", "shape": [3], "data": data},  # object dtype
        {"t": "array", "kind": "tensor", "np": "<f4", "shape": [-3], "data": data},
        {"t": "array", "kind": "tensor", "np": "<f4", "shape": [3], "data": "not base64!"},
        {"t": "pickle", "data": "gASV"},
        {"t": "num", "v": "1.0"},
        ["not", "a", "dict"],
    ):
        with pytest.raises(ProtocolError):
            decode_result(bad)


def test_child_environment_is_scrubbed(monkeypatch, tmp_path):
    from cardgen.grade.sandbox import child_env

    monkeypatch.setenv("OPENAI_API_KEY", "secret")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    env = child_env(str(tmp_path))
    assert env["HOME"] == env["TMPDIR"] == str(tmp_path)
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["OPENBLAS_CORETYPE"] == "Haswell"
    assert "OPENAI_API_KEY" not in env and "CARDGEN_HOME" not in env and "VIRTUAL_ENV" not in env


# ------------------------------------------------------------------ a fixture spec


def _noise_inputs(rng, case):
    return {"n": rng.randint(1, 6), "scale": rng.choice([0.5, 2.0])}


def _noise(n, scale):
    import torch

    return torch.randn(n, 3) * scale


def test_statistical_spec_draws_with_the_same_seed(tmp_path):
    """A spec whose answer is random: the grader seeds torch identically before the reference
    and before each learner call, so the right draw passes and a different one fails."""
    from exercises.base import CodeSpec, Mistake

    from cardgen.grade.grader import grade_file
    from cardgen.grade.stub import Exercise

    def uniform(n, scale):
        import torch

        return torch.rand(n, 3) * scale

    spec = CodeSpec(function="noise", signature="def noise(n, scale):", doc="Gaussian noise [n, 3] times scale.",
                    reference=_noise, make_inputs=_noise_inputs, statistical=True, n_cases=20, atol=1e-6,
                    mistakes=(Mistake("uniform", uniform, "torch.rand is uniform; use torch.randn."),))
    ex = [Exercise("superposition.fixture_noise", 0, spec)]
    good = tmp_path / "good.py"
    good.write_text("import torch\n\ndef noise(n, scale):\n    return torch.randn(n, 3) * scale\n")
    rep = grade_file(good, timeout=10, exercises=ex)
    assert rep.status == "pass", rep.text()
    assert rep.functions[0].passed == 20
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\n\ndef noise(n, scale):\n    return torch.rand(n, 3) * scale\n")
    rep = grade_file(bad, timeout=10, exercises=ex)
    f = rep.functions[0]
    assert f.status == "fail" and f.message.startswith("torch.rand is uniform")
    assert "random draws seeded identically" in f.test_code
