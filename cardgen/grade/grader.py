"""Grading a solution file: which exercises, the test cases, the sandboxed run, the verdicts.

The child is started first, so its ``import torch`` overlaps with the grader's own work
(reading the cases from the cache, or computing them with torch). The verdicts are made
here, on values decoded from the child: type, then shape, then values (and whether an input
was changed in place), then the known mistakes and the exercise's AST rules. When the child
stops inside a function (a hang, a crash, an exit), a fresh child grades the functions after
it, so one bad function never costs the others their verdict.
"""
from __future__ import annotations

import ast
import io
import os
import stat
import sys
import time
import tokenize
from pathlib import Path

from cardgen.grade.cases import Plan, discard_all, make_plan, positional
from cardgen.grade.fsutil import read_at_most
from cardgen.grade.report import Comparison, Counterexample, FunctionResult, Report, compare, preview
from cardgen.grade.sandbox import Limits, Outcome, Sandbox, Template, sandbox_level
from cardgen.grade.stub import Exercise, ExerciseError, find_exercises, parse_header
from cardgen.grade.wire import ProtocolError, Returned, decode, describe_input

MAX_SOURCE = 1 << 20


def read_source(path: Path) -> str:
    """The file's text, honouring a PEP 263 coding line; ExerciseError if it is not a regular
    file of at most 1 MiB, or not text. Nothing is read before those checks (a FIFO would
    block, a huge file would be read whole)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise
    except OSError as e:
        raise ExerciseError(f"cannot open {path}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ExerciseError(f"{path} is not a regular file; grade a saved .py file")
        if st.st_size > MAX_SOURCE:
            raise ExerciseError(f"{path} is larger than {MAX_SOURCE // 1024} KiB; is it really a solution file?")
        data = read_at_most(fd, MAX_SOURCE)
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE:
        raise ExerciseError(f"{path} is larger than {MAX_SOURCE // 1024} KiB; is it really a solution file?")
    try:
        enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(enc)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        raise ExerciseError(f"cannot read {path} as Python source: {e}") from None


def _syntax_message(e: SyntaxError, path: Path) -> str:
    line = (e.text or "").rstrip("\n")
    msg = f"SyntaxError in {path.name}" + (f", line {e.lineno}" if e.lineno else "") + f": {e.msg}"
    if line.strip():
        stripped = line.lstrip()
        caret = max((e.offset or 1) - 1 - (len(line) - len(stripped)), 0)
        msg += f"\n    {stripped}\n    {' ' * caret}^"
    return msg


def _shape_text(r: Returned) -> str:
    if r.kind in ("tensor", "ndarray") and r.array is not None:
        return f"{'tensor' if r.kind == 'tensor' else 'numpy array'} of shape {tuple(r.array.shape)} ({r.dtype})"
    return r.describe()


def _text(v, n: int = 4000) -> str:
    if not isinstance(v, str):
        raise ProtocolError("a record carried a malformed text field")
    return v[:n]


def _error(v) -> dict:
    """A learner exception as the child described it, validated field by field."""
    if not isinstance(v, dict):
        raise ProtocolError("a record carried a malformed error")
    frames = v.get("frames", [])
    if not isinstance(frames, list) or len(frames) > 100:
        raise ProtocolError("a record carried malformed frames")
    out = {"type": _text(v.get("type"), 100), "message": _text(v.get("message", ""), 2000), "frames": []}
    for fr in frames:
        if not (isinstance(fr, list) and len(fr) == 2 and type(fr[0]) is int and isinstance(fr[1], str)):
            raise ProtocolError("a record carried malformed frames")
        out["frames"].append([fr[0], fr[1][:100]])
    if v.get("when") is not None:
        out["when"] = _text(v["when"], 200)
    return out


def _names(v, n: int = 30) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ProtocolError("a record carried a malformed list of names")
    return [x[:60] for x in v[:n]]


class _Run:
    """One child's records, validated: every field is checked, results must follow their call,
    nothing may be reported twice. Anything else is a ProtocolError (a forged or broken
    channel), so that nothing the child sends can crash the grader."""

    def __init__(self, outcome: Outcome, sizes: list[int], start: int = 0):
        self.outcome = outcome
        self.start = start
        self.loaded: dict | None = None
        self.load_error: dict | None = None
        self.setup_error: str | None = None
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
                self.loaded = {"output": _text(ev.get("output", ""))}
            elif kind == "load_error":
                self.load_error = {"error": _error(ev.get("error")), "output": _text(ev.get("output", ""))}
            elif kind == "setup_error":
                self.setup_error = _text(ev.get("message", ""), 2000)
            elif kind == "done":
                self.done = True
            elif kind in ("missing", "call", "result", "raised"):
                i = ev.get("fn")
                if type(i) is not int or not 0 <= i < len(sizes):
                    raise ProtocolError("a record named a function the grader did not ask for")
                gi = start + i
                if kind == "missing":
                    found = ev.get("found")
                    self.missing[gi] = {"found": None if found is None else _text(found, 60),
                                        "defined": _names(ev.get("defined", []))}
                    continue
                j = ev.get("case")
                if type(j) is not int or not 0 <= j < sizes[i]:
                    raise ProtocolError("a record named an unknown case")
                if kind == "call":
                    self.last_call = (gi, j)
                    continue
                if self.last_call != (gi, j):
                    raise ProtocolError("a result arrived for a case that was not being run")
                if (gi, j) in self.results:
                    raise ProtocolError("a case was reported twice")
                rec = {"ev": kind, "output": _text(ev.get("output", "")), "mutated": _names(ev.get("mutated", []))}
                if kind == "raised":
                    rec["error"] = _error(ev.get("error"))
                else:
                    rec["value"] = ev.get("value")
                self.results[(gi, j)] = rec
            else:
                raise ProtocolError("the grading channel carried an unknown record")

    def stopped_in(self) -> int | None:
        """The function the run stopped in (it did not finish), or None."""
        if self.done or self.last_call is None:
            return None
        return self.last_call[0]


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
    elif etype in ("InductorError", "BackendCompilerFailed", "CppCompileError") or "torch._inductor" in msg:
        head = (f"raised {etype}: the grader's sandbox runs no compiler, so torch.compile's default backend cannot "
                'work here; use torch.compile(backend="eager") (or no torch.compile) in graded code')
    elif etype == "PermissionError" or (etype == "OSError" and "Read-only file system" in msg):
        head = (f"raised {etype}: the grader's sandbox lets solutions write only in their own temp dir (the "
                "current directory), and start no processes and use no network")
    else:
        head = f"raised {last.splitlines()[0][:300] if last else etype}"
    if err.get("when"):
        head += f" ({err['when']})"
    return head, tbtext


def _mistake_message(plan: Plan, got: dict[int, Returned], raised: set[int], first_bad: int) -> str | None:
    """The known mistake that behaves like the learner's code on every case both ran: the
    same values where it returned, an error exactly where the mistake cannot be made (a
    transposed W raises on non-square cases, and matches on the square ones)."""
    spec = plan.exercise.spec
    for m in spec.mistakes:
        outs = plan.mistakes.get(m.name) or []
        ok, matched_value, explains_first = True, False, False
        for j in sorted(set(got) | raised):
            mv = outs[j] if j < len(outs) else None
            if j in raised:
                if mv is not None:
                    ok = False
                    break
                explains_first |= j == first_bad
                continue
            if mv is None:
                if j == first_bad:
                    ok = False
                    break
                continue
            if not compare(mv, got[j], spec.atol, spec.rtol).ok:
                ok = False
                break
            matched_value = True
            explains_first |= j == first_bad
        if ok and matched_value and explains_first:
            return m.message
    return None


def _dtype_note(plan: Plan, got: dict[int, Returned]) -> str | None:
    """A pass whose tensors have another dtype than the reference's is worth a word."""
    for j, g in sorted(got.items()):
        want, have = plan.expected[j].dtypes(), g.dtypes()
        if len(want) == len(have) and want != have:
            pairs = [(h, w) for h, w in zip(have, want) if h != w]
            h, w = pairs[0]
            return (f"your function returns {h} where the reference returns {w}: the values match, "
                    f"but {h} costs {'more memory and time' if h == 'float64' else 'precision'}; "
                    "keep the inputs' dtype")
    return None


def grade_plan(i: int, plan: Plan, run: _Run | None, stop: str | None, tree: ast.Module | None,
               text_lines: list[str], path: Path, limits: Limits) -> FunctionResult:
    from cardgen.grade.rules import check_rules

    ex = plan.exercise
    spec = ex.spec
    res = FunctionResult(ex.family, ex.function, ex.seed, "error", total=len(plan.inputs),
                         test_code=(f"{ex.function}(*inputs) on {len(plan.inputs)} random cases (seed {ex.seed}), "
                                    f"compared with the reference (atol={spec.atol:g}, rtol={spec.rtol:g})"
                                    + ("; random draws seeded identically" if spec.statistical else "")))
    if plan.note:
        res.notes.append(plan.note)
    if plan.spec_error:
        res.message = plan.spec_error
        return res
    if tree is not None:
        res.rule_messages = [v.message for v in check_rules(tree, ex.function, spec.rules)]
    if run is None:
        res.message = stop or "not run"
        return res
    if i in run.missing:
        found = run.missing[i]["found"]
        defined = run.missing[i]["defined"]
        if found:
            res.message = f"`{ex.function}` is a {found}, not a function"
        else:
            res.message = f"no function named `{ex.function}` (expected `{spec.signature.strip()}`)"
            res.message += f"; your file defines: {', '.join(defined)}" if defined else "; your file defines no functions"
        return res
    outputs: list[str] = []
    case_output: dict[int, str] = {}
    got: dict[int, Returned] = {}
    raised: set[int] = set()
    checks: dict[int, Comparison] = {}
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
        outputs.append(ev["output"])
        case_output[j] = ev["output"]
        if ev["mutated"] and first_bad is None:
            names = ", ".join(f"`{n}`" for n in ev["mutated"])
            first_bad, first_kind = j, "mutated"
            head = (f"your function changed its input {names} (in place): the caller's tensors must be left as they "
                    "were; compute a new tensor instead (e.g. `x = x * 2`, not `x *= 2` or `x.mul_(2)`)")
        if ev["ev"] == "raised":
            raised.add(j)
            if first_bad is None:
                first_bad, first_kind = j, "raised"
                head, error_text = format_error(ev["error"], text_lines, path, limits)
            continue
        try:
            g = decode(ev["value"])
        except ProtocolError as e:
            if first_bad is None:
                first_bad, first_kind = j, "raised"
                head = error_text = f"returned a value the grader cannot read ({e})"
            continue
        got[j] = g
        c = compare(plan.expected[j], g, spec.atol, spec.rtol)
        checks[j] = c
        if c.ok and not ev["mutated"]:
            res.passed += 1
        elif first_bad is None:
            first_bad, first_kind, head = j, "fail", c.reason
    res.output = "".join(outputs)
    if first_bad is None:
        res.status = "fail" if res.rule_messages else "pass"
        if res.rule_messages:
            res.message = "the results are right, but the exercise's rules are broken:"
        note = _dtype_note(plan, got)
        if note:
            res.notes.append(note)
        return res
    inputs = plan.inputs[first_bad]
    res.failing_inputs = inputs
    exp = plan.expected[first_bad]
    shown = [describe_input(k, v) for k, v in inputs.items()]
    if any(": " in line.split("=", 1)[0] for line in shown):  # some input was too large to print
        shown.append(f"(all of them: from cardgen.grade.cases import case_inputs; "
                     f"inputs = case_inputs({ex.family!r}, seed={ex.seed}, case={first_bad + 1}); "
                     f"{ex.function}(**inputs))")
    if first_bad in case_output:  # what the failing case printed, not every case's output mixed
        res.output = case_output[first_bad]
    ce = Counterexample(first_bad + 1, shown, expected=_shape_text(exp), got="")
    if first_kind == "raised":
        res.status = "error"
        ce.error = error_text
        hint = _mistake_message(plan, got, raised, first_bad)
        res.message = f"{hint}\n{head}" if hint else head
    elif first_kind == "died":
        res.status = "error"
        ce.got = "no result"
        res.message = head
    elif first_kind == "mutated":
        res.status = "fail"
        ce.got = _shape_text(got[first_bad]) if first_bad in got else "an error"
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
        hint = _mistake_message(plan, got, raised, first_bad)
        res.message = f"{hint}\n{head}" if hint else head
    if late_stop:
        res.message += f"\n({late_stop})"
    res.counterexample = ce
    return res


BASIC_NOTE = ("sandbox level basic ({why}): your code ran with your own file and network access; only "
              "resource limits, a wall clock and killing every process it started contain it (the case cache "
              "is not used)")


def _notes(outcome: Outcome | None, level: str) -> list[str]:
    """One line on what this platform could not contain (nothing when everything is in force)."""
    if level == "basic":
        why = "CARDGEN_GRADE_SANDBOX=basic" if sys.platform.startswith("linux") else f"not Linux: {sys.platform}"
        return [BASIC_NOTE.format(why=why)]
    if outcome is None or not outcome.sandbox:
        return []
    sb = outcome.sandbox
    gaps = []
    if not sb.get("landlock"):
        gaps.append("Landlock (file reads and writes are not confined)")
    if not sb.get("seccomp"):
        gaps.append("seccomp (processes, sockets and SysV IPC are not refused)")
    elif not sb.get("read_only_mounts"):
        gaps.append("read-only mounts (metadata changes are refused everywhere, even in the temp dir)")
    if gaps:
        return ["this system could not enable " + "; ".join(gaps) + " in the sandbox"]
    return []


def _job(text: str, path: Path, plans: list[Plan]) -> dict:
    functions = []
    for p in plans:
        names, _ = positional(p.exercise, p.inputs[0]) if p.inputs else ([], {})
        functions.append({"name": p.exercise.function, "positional": names,
                          "cases": [{"seed": s, "inputs": inp} for inp, s in zip(p.inputs, p.seeds)]})
    # The child gets the file's name, never its path: its source comes in this job.
    return {"source": text, "filename": path.name or "solution.py", "module": "solution", "functions": functions}


def _resume_at(outcome: Outcome, plans: list[Plan], start: int) -> int | None:
    """Where a fresh child should carry on after this one stopped in a function (a hang, a
    crash, an exit), so that one bad function leaves the others graded; None when done."""
    if outcome.protocol_error or outcome.timed_out == "setup":
        return None
    try:
        run = _Run(outcome, [len(p.inputs) for p in plans[start:]], start)
    except ProtocolError:
        return None
    if run.done or not run.started or run.loaded is None or run.load_error or run.setup_error:
        return None
    where = run.stopped_in()
    return where + 1 if where is not None and where + 1 < len(plans) else None


def grade_file(path: Path, timeout: float = 10.0, level: str | None = None,
               exercises: list[Exercise] | None = None, template: Template | None = None) -> Report:
    """Grade every exercise in ``path``; ExerciseError when the file names no exercise.

    ``exercises`` overrides what the file says (tests use it for specs outside the registry;
    their cases are then computed afresh, not cached). ``template`` (``--watch``) forks the
    children instead of starting them.
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
    except (MemoryError, RecursionError):  # e.g. 200,000 nested unary minus signs
        tree = None
        syntax = f"cannot parse {path.name}: its expressions are nested too deeply for Python's parser"
    limits = Limits(timeout=timeout)
    level = level or sandbox_level()
    sandbox = None
    if syntax is None:
        sandbox = Sandbox(limits, level, template)  # start now: its torch import overlaps with ours
        sandbox.start()
    segments: list[tuple[int, Outcome]] = []
    try:
        use_cache = exercises is None and level == "strong"  # the basic level cannot hide the cache
        if exercises is None:
            exercises = find_exercises(text, tree) if (tree is not None or parse_header(text)) else []
        if syntax is not None:
            fns = [FunctionResult(e.family, e.function, e.seed, "error", message="not run: the file has a syntax error")
                   for e in exercises]
            return Report(str(path), fns, message=syntax, seconds=time.monotonic() - t0)
        plans = [make_plan(e, use_cache) for e in exercises]  # cached, or computed while the child imports torch
        start: int | None = 0
        while start is not None:
            sandbox.send(_job(text, path, plans[start:]))
            outcome = sandbox.wait()
            sandbox.close()
            sandbox = None
            segments.append((start, outcome))
            start = _resume_at(outcome, plans, start)
            if start is not None:
                sandbox = Sandbox(limits, level, template)
                sandbox.start()
    finally:
        if sandbox is not None:
            sandbox.close()
        if level == "basic" and syntax is None:
            discard_all()  # its code could reach the case cache: nothing of it is trusted later
    return build_report(path, plans, segments, tree, text_lines, limits, level, t0)


def _file_level(report: Report, run: _Run | None, outcome: Outcome, limits: Limits, text_lines: list[str],
                path: Path, stop: str | None) -> tuple[_Run | None, str | None]:
    """What the first child says about the whole file (it broke, failed to load...)."""
    if run is None or outcome.protocol_error:
        report.message = f"the grading channel broke: {outcome.protocol_error}; nothing was graded"
        return None, stop
    if run.setup_error:
        report.message = f"the grader could not start its sandbox: {run.setup_error}"
        report.sandbox_failed = True
        return None, "not run: the sandbox could not start"
    if not run.started:
        if outcome.timed_out == "setup":
            report.message = f"the grader's sandbox did not start within {limits.setup_timeout:g} s"
        else:
            code = outcome.signal_name or f"exit code {outcome.returncode}"
            report.message = f"the grader's sandbox exited ({code}) before running your code"
            if outcome.output.strip():
                report.message += "\n" + outcome.output.strip()[-1500:]
        report.sandbox_failed = True
        return None, "not run: the sandbox could not start"
    if run.load_error:
        head, tb = format_error(run.load_error["error"], text_lines, path, limits)
        report.message = f"your file failed to load: {head}\n{tb}"
        report.module_output = run.load_error["output"]
        return None, "not run: your file failed to load"
    if run.loaded is None:
        report.message = f"while loading your file (its module-level code), it {stop}"
        return None, "not run: loading the file did not finish"
    report.module_output = run.loaded["output"]
    return run, stop


def build_report(path: Path, plans: list[Plan], segments: list[tuple[int, Outcome]], tree, text_lines: list[str],
                 limits: Limits, level: str, t0: float) -> Report:
    report = Report(str(path), [], notes=_notes(segments[0][1] if segments else None, level),
                    sandbox=dict(segments[0][1].sandbox) if segments else {})
    sizes = [len(p.inputs) for p in plans]
    for k, (start, outcome) in enumerate(segments):
        end = segments[k + 1][0] if k + 1 < len(segments) else len(plans)
        try:
            run: _Run | None = _Run(outcome, sizes[start:], start)
        except ProtocolError as e:
            run = None
            outcome.protocol_error = str(e)
        stop = None if (run and run.done) else death_reason(outcome, limits)
        if k == 0:
            run, stop = _file_level(report, run, outcome, limits, text_lines, path, stop)
        elif run is None or outcome.protocol_error:
            run, stop = None, f"the grading channel broke: {outcome.protocol_error}"
        where = run.stopped_in() if run is not None else None
        for i in range(start, end):
            this_stop = stop
            if where is not None and i > where:
                this_stop = f"not run: the run stopped in `{plans[where].exercise.function}` ({stop})"
            report.functions.append(grade_plan(i, plans[i], run, this_stop, tree, text_lines, path, limits))
        if run is not None and not run.done and outcome.output.strip():
            report.notes.append("the process printed before it stopped:\n" + outcome.output.strip()[-500:])
        if report.message:
            for i in range(end, len(plans)):
                report.functions.append(grade_plan(i, plans[i], None, stop, tree, text_lines, path, limits))
            break
    report.seconds = time.monotonic() - t0
    return report
