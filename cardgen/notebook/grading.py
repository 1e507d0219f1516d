"""``%%cardgen grade``: a cell's *source* graded by the same sealed grader as ``cardgen grade``.

The cell's text is written to a private temporary file and handed to
:func:`cardgen.grade.grader.grade_file`, exactly as the command line does with a saved file,
so a cell gets the same cases, sandbox, verdicts and messages as a file (hostile ones too).
The live objects the cell defined in the kernel are never looked at. When the magic names a
family and the cell has no ``# cardgen:`` header, one is appended *after* the code, so the
line numbers in tracebacks are the cell's own.

The sandbox runs at the strongest level the machine allows: ``strong`` on Linux; when it
cannot start there (a container without namespaces, say), the cell is graded again at the
``basic`` level and the report says why. Basic contains a solution no less than the kernel
that already ran the cell does.
"""
from __future__ import annotations

import ast
import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cardgen.notebook import html as H

if TYPE_CHECKING:  # pragma: no cover
    from cardgen.grade.report import FunctionResult, Report

CELL_FILE = "cell.py"


@dataclass
class Hint:
    function: str
    k: int
    n: int
    text: str
    about: str = ""


@dataclass
class CellGrade:
    """A graded cell: the grader's :class:`~cardgen.grade.report.Report`, the sandbox level
    that ran (and why, when it is not the strongest), and the hint shown for each function
    that does not pass yet."""

    report: "Report"
    level: str
    level_why: str = ""
    hints: list[Hint] = field(default_factory=list)
    diagnoses: dict[str, str] = field(default_factory=dict)  # function -> the known mistake it makes

    @property
    def status(self) -> str:
        return self.report.status

    def verdicts(self) -> dict[str, str]:
        return {f.function: f.status for f in self.report.functions}

    # -- renderings -------------------------------------------------------------------------
    def level_line(self) -> str:
        line = f"sandbox level: {self.level}"
        return f"{line} — {self.level_why}" if self.level_why else line

    def __str__(self) -> str:
        out = [self.level_line(), self.report.text(color=False)]
        out += [f"hint {h.k}/{h.n} for {h.function}{h.about}: {h.text}" for h in self.hints]
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        r = self.report
        status = {"pass": "pass", "fail": "fail"}.get(r.status, "error")
        parts = [f'<div class="cardgen-grade" data-status="{H.esc(r.status)}" data-level="{H.esc(self.level)}" '
                 f'style="{H.BOX}">',
                 f'<div style="color:#57606a;font-size:85%">cardgen grade · {H.esc(self.level_line())}</div>']
        if r.message:
            parts.append(f"<div>{H.badge('error')} {H.pre(r.message)}</div>")
        if r.module_output:
            parts.append("<div>your cell printed while loading:</div>" + H.pre(r.module_output[:500]))
        hints = {h.function: h for h in self.hints}
        for f in r.functions:
            parts.append(self._function_html(f, hints.get(f.function)))
        for n in r.notes:
            parts.append(f'<div style="color:#57606a">note: {H.esc(n)}</div>')
        n_pass = sum(f.status == "pass" for f in r.functions)
        cases = sum(f.passed for f in r.functions), sum(f.total for f in r.functions)
        score = f"score: {n_pass}/{len(r.functions)} functions pass"
        if cases[1]:
            score += f" ({cases[0]}/{cases[1]} cases)"
        parts.append(f"<div>{H.badge(status, r.status.upper())} <b>{H.esc(score)}</b></div></div>")
        return "\n".join(parts)

    def _function_html(self, f: "FunctionResult", hint: Hint | None) -> str:
        from cardgen.deck.render import markup  # `code` and math, escaped

        counts = f" — {f.passed}/{f.total} cases" if f.total else ""
        out = [f'<div class="cardgen-function" data-function="{H.esc(f.function)}" data-status="{f.status}" '
               'style="margin:8px 0">',
               f"{H.badge(f.status)} <code>{H.esc(f.function)}</code> "
               f'<span style="color:#57606a">({H.esc(f.family)}, seed {f.seed}){H.esc(counts)}</span>']
        if f.status != "pass":
            message = f.message or ""
            diagnosis = self.diagnoses.get(f.function)
            if diagnosis and message.startswith(diagnosis):
                out.append(f'<div class="cardgen-diagnosis" style="margin:4px 0"><b>Diagnosis:</b> '
                           f"{H.esc(diagnosis)}</div>")
                message = message[len(diagnosis):].lstrip("\n")
            if message:
                out.append(H.pre(message))
            if f.rule_messages:
                out.append("<ul>" + "".join(f"<li>{H.esc(m)}</li>" for m in f.rule_messages) + "</ul>")
            if f.counterexample is not None:
                out.append(_counterexample_html(f.counterexample))
        for n in f.notes:
            out.append(f'<div style="color:#57606a">note: {H.esc(n)}</div>')
        if f.output:
            out.append("<div>it printed:</div>" + H.pre(f.output[:500]))
        if hint is not None:
            more = " Run the cell again for the next hint." if hint.k < hint.n else " (that was the last hint)"
            out.append(f'<div class="cardgen-hint" data-k="{hint.k}" style="margin:4px 0;color:{H.COLORS["info"]}">'
                       f"<b>hint {hint.k}/{hint.n}</b>{H.esc(hint.about)}: {markup(hint.text)}"
                       f'<span style="color:#57606a">{H.esc(more)}</span></div>')
        out.append("</div>")
        return "\n".join(out)


def _counterexample_html(ce) -> str:
    rows = [("case", H.esc(ce.case))]
    for s in ce.inputs:
        name, sep, rest = s.partition(": ") if ": " in s.split("=")[0] else s.partition(" = ")
        rows.append((name if sep else "input", f"<code>{H.esc(rest if sep else s)}</code>"))
    if ce.error:
        rows.append(("error", H.pre(ce.error)))
    else:
        rows += [("expected", H.esc(ce.expected)), ("got", H.esc(ce.got))]
        if ce.check and ce.check.max_diff is not None and ce.check.where not in (None, ()):
            rows.append(("max abs difference", H.esc(f"{ce.check.max_diff:.6g} at index {list(ce.check.where)}")))
        for name, sl in (("expected", ce.expected_slice), ("got", ce.got_slice)):
            if sl:
                rows.append((f"{name}{sl[0]}", H.pre(sl[1])))
    return '<div class="cardgen-counterexample"><b>counterexample</b>' + H.table(rows) + "</div>"


class CellGrader:
    """Grades cells for one kernel: remembers which hint each unfinished function is at, and
    keeps the grader's fork server (as ``--watch`` does) after the first grading."""

    def __init__(self, timeout: float = 10.0):
        self.timeout = timeout
        self.tiers: dict[tuple[str, int, str], int] = {}
        self._template = None
        self._template_tried = False

    def close(self) -> None:
        if self._template:
            self._template.close()
        self._template = None

    def grade(self, source: str, family: str | None = None, seed: int | None = None,
              timeout: float | None = None) -> CellGrade:
        """Grade ``source``; ExerciseError when it names no exercise (a usage error)."""
        from cardgen.grade.grader import grade_file
        from cardgen.grade.sandbox import sandbox_level

        text = cell_text(source, family, seed)
        workdir = Path(tempfile.mkdtemp(prefix="cardgen-cell-"))
        try:
            path = workdir / CELL_FILE
            path.write_text(text, encoding="utf-8")
            level = sandbox_level()
            why = ""
            report = grade_file(path, timeout=timeout or self.timeout, level=level, template=self._live_template(level))
            if level == "strong" and report.sandbox_failed:
                why = (f"the strong sandbox could not start on this machine ({report.message.splitlines()[0]}); "
                       "graded at the basic level, which contains your code no more than this kernel does")
                level = "basic"
                report = grade_file(path, timeout=timeout or self.timeout, level=level)
            elif level == "basic":
                why = "CARDGEN_GRADE_SANDBOX=basic" if _forced_basic() else "this platform has no strong sandbox"
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if level == "strong":
            self._start_template()
        return CellGrade(report, level, why, self._hints(text, report), _diagnoses(report))

    # -- hints ------------------------------------------------------------------------------
    def _hints(self, text: str, report: "Report") -> list[Hint]:
        """The next hint for each function that does not pass; a pass resets its count."""
        from cardgen.grade.cli import hints_for  # the hints `cardgen grade --hint` shows
        from cardgen.grade.stub import ExerciseError, find_exercises

        try:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                tree = None
            exercises = find_exercises(text, tree)
        except ExerciseError:
            return []
        results = {(f.family, f.function): f for f in report.functions}
        out = []
        for ex in exercises:
            fr = results.get((ex.family, ex.function))
            key = (ex.family, ex.seed, ex.function)
            if fr is not None and fr.status == "pass":
                self.tiers.pop(key, None)
                continue
            hints, about = hints_for(fr, ex)
            if not hints:
                continue
            k = self.tiers[key] = min(self.tiers.get(key, 0) + 1, len(hints))
            out.append(Hint(ex.function, k, len(hints), str(hints[k - 1]), about))
        return out

    # -- the fork server ----------------------------------------------------------------------
    def _live_template(self, level: str):
        t = self._template
        if level != "strong" or not t:
            return None
        if not t.alive():
            self.close()
            self._template_tried = False
            return None
        return t

    def _start_template(self) -> None:
        if self._template_tried:
            return
        self._template_tried = True
        from cardgen.grade.sandbox import Template

        try:
            self._template = Template()
        except OSError:
            self._template = None
            return
        atexit.register(self.close)


def _forced_basic() -> bool:
    import os

    return os.environ.get("CARDGEN_GRADE_SANDBOX", "").strip().lower() == "basic"


def _diagnoses(report: "Report") -> dict[str, str]:
    """function -> the known mistake the grader recognised (the first line of its message)."""
    from exercises import get_family

    out = {}
    for f in report.functions:
        if f.status == "pass" or not f.message:
            continue
        try:
            spec = get_family(f.family).code_spec
        except KeyError:
            continue
        known = {m.message for m in getattr(spec, "mistakes", ())}
        first = f.message.split("\n", 1)[0]
        if first in known:
            out[f.function] = first
    return out


def cell_text(source: str, family: str | None, seed: int | None) -> str:
    """The file the grader sees: the cell, plus ``# cardgen: FAMILY seed=N`` after its code
    when the magic names a family the cell's own header does not."""
    from cardgen.grade.stub import ExerciseError, parse_header

    header = parse_header(source)
    if family is None:
        if seed is not None:
            raise ExerciseError("--seed needs a FAMILY: %%cardgen grade FAMILY --seed N")
        return source
    if header:
        named = [fid for fid, _, _ in header]
        if family not in named:
            raise ExerciseError(f"the cell's header names {', '.join(named)} but the magic names {family}; "
                                "keep one of them")
        return source
    return source.rstrip("\n") + f"\n# cardgen: {family} seed={seed or 0}\n"
