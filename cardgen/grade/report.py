"""Verdicts and how they are shown: comparing a returned value with the reference, the
counterexample, and the text and JSON (exercism results.json, version 2) renderings.

Everything here runs in the grader's own process on values decoded from the child, so a
solution that patches this module in *its* process changes nothing.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import click

from cardgen.grade.wire import Returned

OUTPUT_SHOWN = 500  # characters of a function's printed output shown to the learner
# C0/C1 controls but newline and tab, DEL, and the bidirectional overrides that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(s: str) -> str:
    """Learner-made text made inert for a terminal: an ANSI sequence or a carriage return in
    a solution's output cannot recolour, overwrite or fake the grader's own lines."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], s)


@dataclass
class Comparison:
    """The verdict on one returned value against the reference."""

    ok: bool
    reason: str = ""
    where: tuple[int, ...] | None = None  # first index where values differ
    max_diff: float | None = None


def _shape(r: Returned) -> tuple[int, ...]:
    return tuple(r.array.shape)


def _no_return_hint(got: Returned) -> str:
    return "returned None: did you print the result, or forget `return`?"


def compare(expected: Returned, got: Returned, atol: float, rtol: float) -> Comparison:
    """Type first, then shape, then values: broadcasting can never hide a wrong shape."""
    import numpy as np

    if expected.kind in ("tuple", "list"):
        if got.kind not in ("tuple", "list") or len(got.items) != len(expected.items):
            if got.kind == "none":
                return Comparison(False, _no_return_hint(got))
            return Comparison(False, f"expected a tuple of {len(expected.items)} values, got {got.describe()}")
        for k, (e, g) in enumerate(zip(expected.items, got.items)):
            c = compare(e, g, atol, rtol)
            if not c.ok:
                return Comparison(False, f"item {k}: {c.reason}", c.where, c.max_diff)
        return Comparison(True)
    scalar = expected.kind in ("number", "npscalar")
    if got.kind == "none":
        return Comparison(False, _no_return_hint(got))
    if scalar:
        if got.kind in ("number", "npscalar"):
            pass
        elif got.kind in ("tensor", "ndarray") and _shape(got) == ():
            pass  # a 0-d tensor or array is a number
        elif got.kind == "tensor":
            return Comparison(False, f"expected a single number, got a tensor of shape {_shape(got)}")
        else:
            return Comparison(False, f"expected a number, got {got.describe()}")
    else:
        want = _shape(expected)
        if got.kind == "ndarray":
            return Comparison(False, f"returned a numpy array; return a torch.Tensor of shape {want}")
        if got.kind == "big":
            return Comparison(False, f"returned {got.describe()}; expected a torch.Tensor of shape {want}")
        if got.kind in ("number", "npscalar") and want != ():
            return Comparison(False, f"returned a number; expected a torch.Tensor of shape {want}")
        if got.kind not in ("tensor", "number", "npscalar"):
            return Comparison(False, f"returned {got.describe()}; expected a torch.Tensor of shape {want}")
        if _shape(got) != want:
            return Comparison(False, f"wrong shape: expected {want}, got {_shape(got)}")
    e = np.asarray(expected.array, dtype=np.float64)
    g = np.asarray(got.array, dtype=np.float64)
    if e.shape != g.shape:  # scalars: () vs () by now; kept as a guard
        return Comparison(False, f"wrong shape: expected {e.shape}, got {g.shape}")
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if bool(np.all(close)):
        return Comparison(True)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(g - e)
    diff = np.where(np.isnan(diff), np.inf, diff)
    diff = np.where(close, 0.0, diff)
    flat = int(np.argmax(diff))
    where = tuple(int(i) for i in np.unravel_index(flat, e.shape)) if e.shape else ()
    n_bad = int(np.size(close) - np.count_nonzero(close))
    md = float(diff.max())
    if scalar:
        return Comparison(False, f"expected {_num(e.item())}, got {_num(g.item())}", where, md)
    return Comparison(False, f"wrong values in {n_bad} of {e.size} entries (max abs difference {_num(md)} "
                        f"at index {list(where)})", where, md)


def _num(x: float) -> str:
    return f"{x:.6g}"


def preview(arr, where: tuple[int, ...] | None = None) -> tuple[str, str]:
    """A small slice of ``arr`` around ``where`` (or its start): ``(index text, values text)``."""
    import numpy as np

    a = np.asarray(arr)
    if a.ndim == 0:
        return "", np.array2string(a, precision=5)
    if a.ndim == 1:
        start = max(0, (where[0] - 2) if where else 0)
        stop = min(start + 6, a.shape[0])
        sl = (slice(start, stop),)
        label = f"[{start}:{stop}]"
    else:
        lead = tuple(where[:-2]) if where else (0,) * (a.ndim - 2)
        lead = tuple(min(i, s - 1) for i, s in zip(lead, a.shape[:-2]))
        r0 = max(0, where[-2] - 1) if where else 0
        c0 = max(0, where[-1] - 1) if where else 0
        r1, c1 = min(r0 + 3, a.shape[-2]), min(c0 + 4, a.shape[-1])
        sl = lead + (slice(r0, r1), slice(c0, c1))
        label = "[" + ", ".join([str(i) for i in lead] + [f"{r0}:{r1}", f"{c0}:{c1}"]) + "]"
    if any(s == 0 for s in a.shape):
        return label, "(empty)"
    body = np.array2string(a[sl], precision=4, suppress_small=True, max_line_width=88)
    return label, body


@dataclass
class Counterexample:
    case: int  # 1-based
    inputs: list[str]
    expected: str
    got: str
    check: Comparison | None = None
    expected_slice: tuple[str, str] | None = None
    got_slice: tuple[str, str] | None = None
    error: str | None = None  # the learner's exception and traceback

    def lines(self) -> list[str]:
        out = [f"counterexample (case {self.case}):"]
        out += [f"  {s}" for s in self.inputs]
        if self.error:
            out += ["  " + ln for ln in self.error.splitlines()]
            return out
        out.append(f"  expected: {self.expected}")
        out.append(f"  got:      {self.got}")
        if self.check and self.check.max_diff is not None and self.check.where is not None and self.check.where != ():
            out.append(f"  max abs difference: {_num(self.check.max_diff)} at index {list(self.check.where)}")
        for name, sl in (("expected", self.expected_slice), ("got", self.got_slice)):
            if sl:
                label, body = sl
                pad = " " * (len(name) + len(label) + 5)
                body = body.replace("\n", "\n" + pad)
                out.append(f"  {name}{label} = {body}")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


@dataclass
class FunctionResult:
    family: str
    function: str
    seed: int
    status: str  # "pass", "fail" or "error"
    message: str = ""
    passed: int = 0
    total: int = 0
    counterexample: Counterexample | None = None
    output: str = ""
    rule_messages: list[str] = field(default_factory=list)
    test_code: str = ""
    notes: list[str] = field(default_factory=list)  # shown even on a pass (a dtype, a recomputed cache)
    failing_inputs: dict[str, Any] | None = None  # the counterexample's inputs (wire format), for hints

    @property
    def name(self) -> str:
        return f"{self.family}: {self.function}"


@dataclass
class Report:
    path: str
    functions: list[FunctionResult]
    message: str | None = None  # a file-level error (syntax error, failed import, timeout at load)
    module_output: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandbox: dict[str, Any] = field(default_factory=dict)  # the layers in force, as the child reported them
    #: True when the sandbox itself could not start (so nothing of the solution ran): a problem
    #: of this machine, not a wrong solution; ``message`` says what failed
    sandbox_failed: bool = False

    @property
    def status(self) -> str:
        if self.message is not None:
            return "error"
        if self.functions and all(f.status == "pass" for f in self.functions):
            return "pass"
        return "fail"

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "pass" else 1

    # ------------------------------------------------------------------ renderings
    def to_json(self) -> dict[str, Any]:
        """exercism's test-runner results.json (version 2)."""
        tests = []
        for f in self.functions:
            msg = None
            if f.status != "pass":
                parts = [f.message] + f.rule_messages
                if f.counterexample:
                    parts.append(f.counterexample.text())
                parts += [f"note: {n}" for n in f.notes]
                msg = "\n".join(p for p in parts if p)
            tests.append({
                "name": f.name,
                "status": f.status,
                "message": msg,
                "output": _cut(f.output) or None,
                "test_code": f.test_code,
            })
        return {"version": 2, "status": self.status, "message": self.message, "tests": tests}

    def json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    def text(self, color: bool = False) -> str:
        st = (lambda s, **k: click.style(s, **k)) if color else (lambda s, **k: s)
        esc = escape_controls  # everything below but the badges may carry learner-made text
        badge = {"pass": st("PASS", fg="green", bold=True), "fail": st("FAIL", fg="red", bold=True),
                 "error": st("ERROR", fg="yellow", bold=True)}
        out: list[str] = []
        if self.message:
            first, *rest = esc(self.message).splitlines() or [""]
            out.append(st("error: ", fg="yellow", bold=True) + first)
            out += ["  " + ln for ln in rest]  # indented: no line of it can pass for a verdict line
        if self.module_output:
            out.append("your file printed while loading:")
            out += ["  | " + ln for ln in esc(_cut(self.module_output)).splitlines()]
        for f in self.functions:
            counts = f"{f.passed}/{f.total} cases" if f.total else ""
            out.append(f"{badge[f.status]}  {esc(f.function)}  ({f.family}, seed {f.seed})  {counts}".rstrip())
            if f.status != "pass":
                for m in [f.message] + f.rule_messages:
                    if m:
                        out += ["  " + ln for ln in esc(m).splitlines()]
                if f.counterexample:
                    out += ["  " + ln for ln in esc(f.counterexample.text()).splitlines()]
            for n in f.notes:
                out.append("  " + st("note: ", fg="cyan") + esc(n))
            if f.output:
                out.append("  it printed:")
                out += ["    | " + ln for ln in esc(_cut(f.output)).splitlines()]
        for n in self.notes:
            out.append(st("note: ", fg="cyan") + esc(n))
        n_pass = sum(f.status == "pass" for f in self.functions)
        cases = sum(f.passed for f in self.functions), sum(f.total for f in self.functions)
        score = f"score: {n_pass}/{len(self.functions)} functions pass"
        if cases[1]:
            score += f" ({cases[0]}/{cases[1]} cases)"
        out.append(st(score, bold=True))
        return "\n".join(out)


def _cut(s: str, n: int = OUTPUT_SHOWN) -> str:
    """At most ``n`` characters in all (exercism's limit for ``output``), marked when cut."""
    s = s or ""
    if len(s) <= n:
        return s
    mark = f"\n[output cut at {n} characters]"
    return s[: n - len(mark)] + mark
