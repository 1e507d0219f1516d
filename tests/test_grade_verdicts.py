"""Correct idioms pass, wrong code fails honestly, and the feedback is about the graded case:
each a real solution file graded by the real CLI in a real subprocess."""
from __future__ import annotations

import os
import sys
import time

import pytest

from _grade_helpers import by_function, cardgen, validate_exercism

HEADER = ("# cardgen: einsum.batched_matmul seed=0\n# cardgen: superposition.forward seed=0\n"
          "# cardgen: superposition.cosine_decay_lr seed=0\n")

IDIOMS = HEADER + '''import math

import matplotlib.pyplot as plt
import numpy as np
import torch

plt.plot([1, 2, 3])
plt.savefig("plot.png")  # matplotlib needs a writable HOME and temp dir


@torch.jit.script  # needs this file's source, by a relative path
def _back(hidden: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    return torch.einsum("bih,ifh->bif", hidden, W)


def batched_matmul(x, y):  # its own parameter names: called positionally
    return torch.einsum("bik,bkj->bij", x, y).double()  # right values, another dtype


def forward(W, b, x):
    return torch.relu(_back(torch.einsum("bif,ifh->bih", x, W), W) + b)


def cosine_decay_lr(step, n_steps):
    return np.asarray(math.cos(0.5 * math.pi * step / (n_steps - 1)))  # a 0-d array
'''


def test_correct_idioms_pass(tmp_path):
    (tmp_path / "idioms.py").write_text(IDIOMS)
    r = cardgen("grade", "idioms.py", cwd=tmp_path)
    assert r.rc == 0, r.out + r.err
    assert "score: 3/3 functions pass" in r.out
    assert "note: your function returns float64 where the reference returns float32" in r.out
    assert not (tmp_path / "plot.png").exists()  # written in the sandbox's own temp dir


HONEST = HEADER + '''import math

import torch


def batched_matmul(a, b):
    a.mul_(2)  # changes the caller's tensor...
    return torch.einsum("bik,bkj->bij", a / 2, b)  # ...and returns the right values


def forward(W, b_final, features):  # W read as [instances, hidden, features]: W transposed
    hidden = torch.einsum("bif,ihf->bih", features, W)
    return torch.relu(torch.einsum("bih,ihf->bif", hidden, W) + b_final)


def cosine_decay_lr(step, steps):
    print("\\x1b[2J\\x1b[1;1H\\x1b[32mPASS\\x1b[0m all 3 functions\\r")
    return math.cos(0.5 * math.pi * step / (steps - 1))
'''


def test_wrong_code_fails_honestly_with_hints_about_the_case(tmp_path):
    sol = tmp_path / "honest.py"
    sol.write_text(HONEST)
    r = cardgen("grade", str(sol), "--hint", cwd=tmp_path)
    assert r.rc == 1, r.out + r.err
    out = r.out
    assert "FAIL  batched_matmul" in out and "your function changed its input `a`" in out
    assert "ERROR  forward" in out
    assert "W is [instances, features, hidden]: go features -> hidden with W, then back with its transpose" in out
    assert "PASS  cosine_decay_lr" in out
    assert "\x1b[2J" not in out and "\r" not in out  # the learner's control characters are shown inert
    assert "\\x1b[2J\\x1b[1;1H\\x1b[32mPASS" in out
    # the hint is about the failing case: its W shape, as in the counterexample
    w_line = next(ln.strip() for ln in out.splitlines() if ln.strip().startswith(("W: tensor of shape", "W = torch")))
    if w_line.startswith("W = torch.tensor("):  # small enough to be printed in full, as code
        import ast

        import numpy as np

        shape = ", ".join(map(str, np.shape(ast.literal_eval(w_line[len("W = torch.tensor("):w_line.rindex(", dtype=")]))))
    else:
        shape = w_line.split("shape (")[1].split(")")[0]
    assert f"hint 1/3 for forward (about case 1): Here W is [{shape}]" in out
    assert "cosine_decay_lr: passes, no hint needed" in out


HANG = HEADER + '''import math

import torch


def batched_matmul(a, b):
    while True:
        pass


def forward(W, b_final, features):
    hidden = torch.einsum("bif,ifh->bih", features, W)
    return torch.relu(torch.einsum("bih,ifh->bif", hidden, W) + b_final)


def cosine_decay_lr(step, steps):
    return math.cos(0.5 * math.pi * step / (steps - 1))
'''


@pytest.mark.slow
def test_a_hang_in_one_function_leaves_the_others_graded(tmp_path):
    sol = tmp_path / "hang.py"
    sol.write_text(HANG)
    r = cardgen("grade", str(sol), "--json", "--timeout", "1.5", cwd=tmp_path)
    doc = r.json()
    validate_exercism(doc)
    t = by_function(doc)
    assert t["batched_matmul"]["status"] == "error" and "timed out after 1.5 s" in t["batched_matmul"]["message"]
    assert t["forward"]["status"] == "pass"
    assert t["cosine_decay_lr"]["status"] == "pass"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifos_and_huge_files_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "solution.py"
    os.mkfifo(fifo)
    r = cardgen("grade", str(fifo), cwd=tmp_path, timeout=60)  # reading a FIFO would block forever
    assert r.rc == 2 and "not a regular file" in r.err, r.err
    huge = tmp_path / "huge.py"
    with open(huge, "wb") as f:
        f.truncate(300 << 20)  # sparse: 300 MB that would take a while to read and decode
    t0 = time.monotonic()
    r = cardgen("grade", str(huge), cwd=tmp_path)
    assert r.rc == 2 and "larger than 1024 KiB" in r.err, r.err
    assert "Traceback" not in r.err
    hint = cardgen("grade", str(huge), "--hint", cwd=tmp_path)
    assert hint.rc == 2 and "larger than" in hint.err
    assert time.monotonic() - t0 < 60


COMPILE = '''# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.cosine_decay_lr seed=0
import math

import torch


@torch.compile(backend="eager")
def batched_matmul(a, b):
    return torch.einsum("bik,bkj->bij", a, b)


@torch.compile
def _cos(x):
    return torch.cos(x)


def cosine_decay_lr(step, steps):
    return float(_cos(torch.tensor(0.5 * math.pi * step / (steps - 1))))
'''


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the compiler is refused by the strong level")
def test_torch_compile_eager_passes_and_the_default_backend_says_why_not(tmp_path):
    sol = tmp_path / "compiled.py"
    sol.write_text(COMPILE)
    r = cardgen("grade", str(sol), "--json", "--timeout", "60", cwd=tmp_path, timeout=300)
    doc = r.json()
    t = by_function(doc)
    assert t["batched_matmul"]["status"] == "pass", t["batched_matmul"]
    assert t["cosine_decay_lr"]["status"] == "error"
    assert "runs no compiler" in t["cosine_decay_lr"]["message"] and 'backend="eager"' in t["cosine_decay_lr"]["message"]
