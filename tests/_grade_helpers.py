"""Helpers for the grader tests: run the real CLI in a real subprocess, check exercism JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).parent / "grade_cases"
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    rc: int
    out: str
    err: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.out)


def cardgen(*args: str, cwd: Path | str | None = None, env: dict | None = None, timeout: float = 120) -> Result:
    """``python -m cardgen ARGS`` in a subprocess; ``cwd`` defaults to a neutral temp dir."""
    full_env = dict(os.environ)
    full_env.pop("CARDGEN_GRADE_SANDBOX", None)
    full_env.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "cardgen", *args], cwd=cwd, env=full_env,
                       capture_output=True, text=True, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def validate_exercism(doc: dict) -> None:
    """The shape of exercism's test-runner results.json (version 2), strictly."""
    assert set(doc) <= {"version", "status", "message", "tests"}, doc.keys()
    assert doc["version"] == 2
    assert doc["status"] in {"pass", "fail", "error"}
    if doc["status"] == "error":
        assert isinstance(doc["message"], str) and doc["message"]
    else:
        assert doc["message"] is None
    assert isinstance(doc["tests"], list)
    for t in doc["tests"]:
        assert set(t) <= {"name", "status", "message", "output", "test_code", "task_id"}, t.keys()
        assert isinstance(t["name"], str) and t["name"]
        assert t["status"] in {"pass", "fail", "error"}
        if t["status"] == "pass":
            assert t["message"] is None
        else:
            assert isinstance(t["message"], str) and t["message"]
        assert t["output"] is None or (isinstance(t["output"], str) and len(t["output"]) <= 500)
        assert "test_code" not in t or isinstance(t["test_code"], str)
    if doc["status"] == "pass":
        assert doc["tests"] and all(t["status"] == "pass" for t in doc["tests"])
    if doc["status"] == "fail":
        assert any(t["status"] != "pass" for t in doc["tests"])


def by_function(doc: dict) -> dict[str, dict]:
    """Tests keyed by function name ("einsum.batched_matmul: batched_matmul" -> "batched_matmul")."""
    return {t["name"].split(": ", 1)[1]: t for t in doc["tests"]}


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none, or not Linux): the strong level's file walls."""
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return max(int(libc.syscall(444, None, 0, 1)), 0)
