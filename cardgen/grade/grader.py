"""Grading a solution file: which exercises, the test cases, the sandboxed run, the verdicts.

The child is started first, so its ``import torch`` overlaps with the grader's own work
(reading the cases from the cache, or computing them with torch). The verdicts are made
here, on values decoded from the child: type, then shape, then values, then the known
mistakes and the exercise's AST rules.
"""
from __future__ import annotations

import ast
import io
import time
import tokenize
from pathlib import Path

from cardgen.grade.cases import Plan, describe_input, make_plan
from cardgen.grade.report import Check, Counterexample, FunctionResult, Report, compare, preview
from cardgen.grade.sandbox import Limits, Outcome, ProtocolError, Returned, Sandbox, decode_result
from cardgen.grade.stub import Exercise, ExerciseError, find_exercises, parse_header

MAX_SOURCE = 1 << 20


def read_source(path: Path) -> str:
    """The file's text, honouring a PEP 263 coding line; ExerciseError if it is not text."""
    data = path.read_bytes()
    if len(data) > MAX_SOURCE:
        raise ExerciseError(f"{path} is larger than {MAX_SOURCE // 1024} KiB; is it really a solution file?")
    try:
        enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(enc)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        raise ExerciseError(f"cannot read {path} as Python source: {e}") from None


def _syntax_message(e: SyntaxError, path: Path) -> str:
    line = (e.text or "").rstrip("\n")
    msg = f"SyntaxError in {path.name}, line {e.lineno}: {e.msg}"
    if line.strip():
        stripped = line.lstrip()
        caret = max((e.offset or 1) - 1 - (len(line) - len(stripped)), 0)
        msg += f"\n    {stripped}\n    {' ' * caret}^"
    return msg


def _shape_text(r: Returned) -> str:
    if r.kind in ("tensor", "ndarray") and r.array is not None:
        return f"{'tensor' if r.kind == 'tensor' else 'numpy array'} of shape {tuple(r.array.shape)} ({r.dtype})"
    return r.describe()


class _Run:
    """The child's records, indexed; raises ProtocolError on duplicates (a forged channel)."""

    def __init__(self, outcome: Outcome, n_functions: int):
        self.outcome = outcome
        self.loaded = None
        self.load_error = None
        self.setup_error = None
        self.started = False
        self.done = False
        self.missing: dict[int, dict] = {}
        self.results: dict[tuple[int, int], dict] = {}
        self.last_call: tuple[int, int] | None = None
        for ev in outcome.events:
            kind = ev["ev"]
            if kind == "started":
                self.started = True
            elif kind == "loaded":
                self.loaded = ev
            elif kind == "load_error":
                self.load_error = ev
            elif kind == "setup_error":
                self.setup_error = str(ev.get("message", ""))[:2000]
            elif kind == "done":
                self.done = True
            elif kind in ("missing", "call", "result", "raised"):
                i = ev.get("fn")
                if type(i) is not int or not 0 <= i < n_functions:
                    raise ProtocolError("a record named a function the grader did not ask for")
                if kind == "missing":
                    self.missing[i] = ev
                    continue
                j = ev.get("case")
                if type(j) is not int or j < 0:
                    raise ProtocolError("a record named an unknown case")
                if kind == "call":
                    self.last_call = (i, j)
                elif (i, j) in self.results:
                    raise ProtocolError("a case was reported twice")
                else:
                    self.results[(i, j)] = ev


def _fmt_seconds(s: float) -> str:
    return f"{s:g}"


def death_reason(outcome: Outcome, limits: Limits) -> str:
    """Why the child stopped early, in the learner's terms."""
    if outcome.timed_out == "run":
        mem = outcome.peak_memory or 0
        if mem > 1 << 30:  # most likely memory without end, slowed down by page faults
            return f"timed out after {_fmt_seconds(limits.timeout)} s, holding {mem / 2**30:.1f} GiB of memory"
        return f"timed out after {_fmt_seconds(limits.timeout)} s (an infinite loop?)"
    if outcome.protocol_error:
        return f"the grading channel broke: {outcome.protocol_error}"
    if outcome.killed_by_grader:
        return "stopped reporting to the grader (did it close file descriptor 3?) and was stopped"
    sig = outcome.signal_name
    gib = limits.memory / 2**30
    if sig == "SIGKILL":
        return (f"was killed (SIGKILL): it probably ran out of memory (the limit is {gib:g} GiB) "
                "or CPU time")
    if sig == "SIGXCPU":
        return "used up its CPU-time limit"
    if sig == "SIGSEGV":
        return "crashed the Python process (segmentation fault)"
    if sig:
        return f"was stopped by {sig}"
    if outcome.returncode is not None:
        return (f"ended the grader's process (exit code {outcome.returncode}): does it call os._exit() "
                "or exit from a thread? Return the result instead")
    return "stopped responding"


def format_error(err: dict, text_lines: list[str], path: Path, limits: Limits) -> tuple[str, str]:
    """``(headline, traceback)`` for a learner exception, trimmed to the learner's own frames."""
    etype = str(err.get("type", "Exception"))[:100]
    msg = str(err.get("message", ""))[:2000]
    frames = err.get("frames") if isinstance(err.get("frames"), list) else []
    tb = []
    for fr in frames[-8:]:
        if not (isinstance(fr, list) and len(fr) == 2 and type(fr[0]) is int):
            continue
        lineno, name = fr[0], str(fr[1])[:100]
        tb.append(f'  File "{path.name}", line {lineno}, in {name}')
        if 1 <= lineno <= len(text_lines):
            tb.append(f"    {text_lines[lineno - 1].strip()}")
    last = f"{etype}: {msg}" if msg else etype
    tbtext = ("Traceback (your code):\n" + "\n".join(tb) + "\n" if tb else "") + last
    if etype == "NotImplementedError":
        head = "not implemented yet: it raises NotImplementedError"
    elif etype == "SystemExit":
        head = f"called sys.exit({msg}): return the result instead of exiting"
    elif etype in ("MemoryError",) or (etype == "RuntimeError" and "alloc" in msg.lower()):
        head = f"raised {etype}: it ran out of memory (the limit is {limits.memory / 2**30:g} GiB)"
    elif etype in ("PermissionError",):
        head = ("raised PermissionError: the grader's sandbox does not let solutions write files, "
                "start processes or use the network")
    else:
        head = f"raised {last.splitlines()[0][:300] if last else etype}"
    if err.get("when"):
        head += f" ({err['when']})"
    return head, tbtext


def _mistake_message(plan: Plan, got: dict[int, Returned], first_bad: int) -> str | None:
    """The known mistake whose output equals the learner's on every case both produced."""
    spec = plan.exercise.spec
    for m in spec.mistakes:
        outs = plan.mistakes.get(m.name) or []
        matched_first = False
        ok = True
        for j, g in got.items():
            mv = outs[j] if j < len(outs) else None
            if mv is None:  # the mistake cannot happen on this case
                if j == first_bad:
                    ok = False
                    break
                continue
            if not compare(mv, g, spec.atol, spec.rtol).ok:
                ok = False
                break
            if j == first_bad:
                matched_first = True
        if ok and matched_first:
            return m.message
    return None


def grade_plan(i: int, plan: Plan, run: _Run | None, stop: str | None, tree: ast.Module | None,
               text_lines: list[str], path: Path, limits: Limits) -> FunctionResult:
    from cardgen.grade.rules import check_rules

    ex = plan.exercise
    spec = ex.spec
    res = FunctionResult(ex.family, ex.function, ex.seed, "error", total=len(plan.inputs),
                         test_code=(f"{ex.function}(**inputs) on {len(plan.inputs)} random cases (seed {ex.seed}), "
                                    f"compared with the reference (atol={spec.atol:g}, rtol={spec.rtol:g})"
                                    + ("; random draws seeded identically" if spec.statistical else "")))
    if plan.spec_error:
        res.message = plan.spec_error
        return res
    if tree is not None:
        res.rule_messages = [v.message for v in check_rules(tree, ex.function, spec.rules)]
    if run is None:
        res.message = stop or "not run"
        return res
    if i in run.missing:
        found = run.missing[i].get("found")
        defined = [str(d)[:60] for d in (run.missing[i].get("defined") or [])][:30]
        if found:
            res.message = f"`{ex.function}` is a {str(found)[:60]}, not a function"
        else:
            res.message = f"no function named `{ex.function}` (expected `{spec.signature.strip()}`)"
            res.message += f"; your file defines: {', '.join(defined)}" if defined else "; your file defines no functions"
        return res
    outputs: list[str] = []
    got: dict[int, Returned] = {}
    checks: dict[int, Check] = {}
    first_bad: int | None = None
    first_kind = head = ""
    error_text = None
    late_stop = ""
    for j in range(len(plan.inputs)):
        ev = run.results.get((i, j))
        if ev is None:  # never reported: the run stopped at (or before) this case
            why = stop or "the case was never reported"
            if run.last_call == (i, j):
                why = f"case {j + 1}: {why}"
            if first_bad is None:
                first_bad, first_kind, head, error_text = j, "died", why, why
            else:
                late_stop = f"later, {why}"
            break
        if isinstance(ev.get("output"), str):
            outputs.append(ev["output"])
        if ev["ev"] == "raised":
            if first_bad is None:
                first_bad, first_kind = j, "raised"
                head, error_text = format_error(ev.get("error") or {}, text_lines, path, limits)
            continue
        try:
            g = decode_result(ev.get("value"))
        except ProtocolError as e:
            if first_bad is None:
                first_bad, first_kind = j, "raised"
                head = error_text = f"returned a value the grader cannot read ({e})"
            continue
        got[j] = g
        c = compare(plan.expected[j], g, spec.atol, spec.rtol)
        checks[j] = c
        if c.ok:
            res.passed += 1
        elif first_bad is None:
            first_bad, first_kind, head = j, "fail", c.reason
    res.output = "".join(outputs)
    if first_bad is None:
        res.status = "fail" if res.rule_messages else "pass"
        if res.rule_messages:
            res.message = "the results are right, but the exercise's rules are broken:"
        return res
    inputs = plan.inputs[first_bad]
    exp = plan.expected[first_bad]
    ce = Counterexample(first_bad + 1, [describe_input(k, v) for k, v in inputs.items()],
                        expected=_shape_text(exp), got="")
    if first_kind == "raised":
        res.status = "error"
        ce.error = error_text
        res.message = head
    elif first_kind == "died":
        res.status = "error"
        ce.got = "no result"
        res.message = head
    else:
        res.status = "fail"
        g = got[first_bad]
        c = checks[first_bad]
        ce.got, ce.check = _shape_text(g), c
        if exp.kind in ("number", "npscalar") or (exp.array is not None and exp.array.ndim == 0):
            ce.expected = f"{exp.array.item():.8g}"
            if g.array is not None and g.array.size == 1:
                ce.got = f"{float(g.array.reshape(()).item()):.8g}" + ("" if g.kind == "number" else f" ({_shape_text(g)})")
        elif exp.array is not None and g.array is not None and g.kind in ("tensor", "ndarray"):
            same = tuple(exp.array.shape) == tuple(g.array.shape)
            ce.expected_slice = preview(exp.array, c.where if same else None)
            ce.got_slice = preview(g.array, c.where if same else None)
        hint = _mistake_message(plan, got, first_bad)
        res.message = f"{hint}\n{head}" if hint else head
    if late_stop:
        res.message += f"\n({late_stop})"
    res.counterexample = ce
    return res


def _notes(outcome: Outcome | None, level: str) -> list[str]:
    if outcome is None or not outcome.sandbox:
        return []
    sb = outcome.sandbox
    if level == "basic":
        return ["sandbox level basic: limits and a process-group kill only (CARDGEN_GRADE_SANDBOX=basic or "
                "not Linux)"]
    missing = [k for k in ("landlock", "seccomp") if not sb.get(k)]
    if missing:
        return [f"this system could not enable {' and '.join(missing)} in the sandbox: "
                "file writes and process creation are limited by resource limits only"]
    return []


def grade_file(path: Path, timeout: float = 10.0, level: str | None = None,
               exercises: list[Exercise] | None = None) -> Report:
    """Grade every exercise in ``path``; ExerciseError when the file names no exercise.

    ``exercises`` overrides what the file says (tests use it for specs outside the registry;
    their cases are then computed afresh, not cached).
    """
    t0 = time.monotonic()
    path = Path(path)
    text = read_source(path)
    text_lines = text.splitlines()
    try:
        tree: ast.Module | None = ast.parse(text, filename=str(path))
        syntax = None
    except (SyntaxError, ValueError) as e:  # ValueError: null bytes in the source
        tree = None
        syntax = _syntax_message(e, path) if isinstance(e, SyntaxError) else f"cannot compile {path.name}: {e}"
    limits = Limits(timeout=timeout)
    sandbox = None
    if syntax is None:
        sandbox = Sandbox(limits, level)  # start now: its torch import overlaps with ours
        sandbox.start()
    try:
        use_cache = exercises is None
        if exercises is None:
            exercises = find_exercises(text, tree) if (tree is not None or parse_header(text)) else []
        if syntax is not None:
            fns = [FunctionResult(e.family, e.function, e.seed, "error", message="not run: the file has a syntax error")
                   for e in exercises]
            return Report(str(path), fns, message=syntax, seconds=time.monotonic() - t0)
        plans = [make_plan(e, use_cache) for e in exercises]  # cached, or computed while the child imports torch
        job = {
            "source": text,
            "filename": str(path),
            "module": "solution",
            "functions": [{"name": p.exercise.function,
                           "cases": [{"seed": s, "kwargs": inp} for inp, s in zip(p.inputs, p.seeds)]}
                          for p in plans],
        }
        sandbox.send(job)
        outcome = sandbox.wait()
    finally:
        if sandbox is not None:
            sandbox.close()
    return build_report(path, plans, outcome, tree, text_lines, limits, sandbox.level, t0)


def build_report(path: Path, plans: list[Plan], outcome: Outcome, tree, text_lines: list[str],
                 limits: Limits, level: str, t0: float) -> Report:
    report = Report(str(path), [], notes=_notes(outcome, level))
    try:
        run = _Run(outcome, len(plans))
    except ProtocolError as e:
        run = None
        outcome.protocol_error = str(e)
    stop = None if (run and run.done) else death_reason(outcome, limits)
    if run is None or outcome.protocol_error:
        report.message = f"the grading channel broke: {outcome.protocol_error}; nothing was graded"
        run = None
    elif run.setup_error:
        report.message = f"the grader could not start its sandbox: {run.setup_error}"
        run, stop = None, "not run: the sandbox could not start"
    elif not run.started:
        if outcome.timed_out == "setup":
            report.message = f"the grader's sandbox did not start within {limits.setup_timeout:g} s"
        else:
            code = outcome.signal_name or f"exit code {outcome.returncode}"
            report.message = f"the grader's sandbox exited ({code}) before running your code"
            if outcome.output.strip():
                report.message += "\n" + outcome.output.strip()[-1500:]
        run, stop = None, "not run: the sandbox could not start"
    elif run.load_error:
        head, tb = format_error(run.load_error.get("error") or {}, text_lines, path, limits)
        report.message = f"your file failed to load: {head}\n{tb}"
        report.module_output = str(run.load_error.get("output") or "")
        run = None
        stop = "not run: your file failed to load"
    elif run.loaded is None:
        report.message = f"while loading your file (its module-level code), it {stop}"
        run = None
        stop = "not run: loading the file did not finish"
    else:
        report.module_output = str(run.loaded.get("output") or "")
    if run is not None and run.last_call is not None and not run.done:
        where = run.last_call[0]
        stopped_in = plans[where].exercise.function
    else:
        where, stopped_in = None, None
    for i, p in enumerate(plans):
        this_stop = stop
        if where is not None and i > where:
            this_stop = f"not run: the run stopped in `{stopped_in}` ({stop})"
        report.functions.append(grade_plan(i, p, run, this_stop, tree, text_lines, path, limits))
    if run is not None and not run.done and outcome.output.strip():
        report.notes.append("the process printed before it stopped:\n" + outcome.output.strip()[-500:])
    report.seconds = time.monotonic() - t0
    return report
