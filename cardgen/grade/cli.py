"""``cardgen exercise new|daily`` and ``cardgen grade``: code exercises, auto-graded in a sandbox."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import click

from cardgen.console import echo_wrapped

SEED = click.IntRange(0, 2**63 - 1)


class UsageProblem(click.ClickException):
    """A usage error (no exercise in the file, unknown family...): exit status 2, no traceback."""

    exit_code = 2


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; use --force to overwrite it, or -o to pick another name")


def _write_new(path: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``path``; never overwrite without ``force`` (and then atomically)."""
    if not force:
        try:
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
        except FileExistsError:
            raise click.ClickException(f"{path} already exists; use --force to overwrite it, or -o to pick another name") from None
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.group()
def exercise() -> None:
    """Write "implement this function" exercises to a file, to solve and grade.

    \b
    Examples:
      cardgen exercise new einsum.batched_matmul          writes solution.py
      cardgen exercise new superposition.forward --seed 3 -o forward.py
      cardgen exercise daily                              three exercises for today in daily.py
    Then edit the file and run `cardgen grade solution.py`.
    """


@exercise.command("new", short_help="A stub for one family's code exercise.")
@click.argument("family")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Picks the test cases and hints.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("solution.py"),
              show_default=True, help="File to write.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def new(family: str, seed: int, output: Path, force: bool) -> None:
    """Write a stub for FAMILY's code exercise: the task, the signature, `raise NotImplementedError`.

    `cardgen list` marks the families that have one with a star.
    """
    from cardgen.grade.stub import ExerciseError, new_exercise

    _refuse_overwrite(output, force)
    try:
        text = new_exercise(family, seed, output.name)
    except ExerciseError as e:
        raise UsageProblem(str(e)) from None
    except RuntimeError as e:  # the exercise's own code failed: a cardgen bug, said plainly
        raise click.ClickException(str(e)) from None
    _write_new(output, text, force)
    click.echo(f"wrote {output}: {family} (seed {seed}). Fill in the function, then run:  cardgen grade {output}")


@exercise.command("daily", short_help="Several code exercises in one file, chosen by the date.")
@click.option("-n", "count", type=click.IntRange(1, 50), default=3, show_default=True, help="How many exercises.")
@click.option("--seed", type=SEED, default=None, help="Choose from this seed instead of today's date.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("daily.py"),
              show_default=True, help="File to write.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def daily(count: int, seed: int | None, output: Path, force: bool) -> None:
    """Write today's set of code exercises (distinct families) into one file.

    The choice depends only on the date (or --seed), so everyone gets the same set on the same day.
    """
    from cardgen.grade.stub import ExerciseError, daily_families, render

    _refuse_overwrite(output, force)
    try:
        chosen, key = daily_families(count, seed)
        text = render(chosen, f"cardgen daily exercises ({key})", output.name)
    except ExerciseError as e:
        raise UsageProblem(str(e)) from None
    except RuntimeError as e:
        raise click.ClickException(str(e)) from None
    _write_new(output, text, force)
    names = ", ".join(f"{f.code_spec.function} ({f.id})" for f, _ in chosen)
    click.echo(f"wrote {output}: {names}. Then run:  cardgen grade {output}")


def hints_for(fr, ex) -> tuple[list[str], str]:
    """The exercise's hints about the failing case when it has them, else the card's hints:
    ``(hints, about)``, ``about`` naming the case. ``fr``: its FunctionResult (or None), ``ex``:
    the Exercise found in the file. The notebook's grading shows the same hints."""
    spec = ex.spec
    if fr is not None and fr.failing_inputs and getattr(spec, "hints", None) is not None:
        from cardgen.grade.cases import rebuild

        try:
            hints = [str(h) for h in spec.hints(rebuild(fr.failing_inputs))]
            if hints:
                return hints, f" (about case {fr.counterexample.case})" if fr.counterexample else ""
        except Exception:  # noqa: BLE001 - a hint that cannot be built is no reason to fail the grade
            pass
    from exercises import get_family

    fam = get_family(ex.family)
    form = "write" if "write" in fam.forms else fam.forms[0]
    return list(fam.variant(seed=ex.seed, form=form).hints), ""


def _show_hints(path: Path, tier: int, err: bool, report=None) -> None:
    """Hint number ``tier`` for each function that does not pass yet."""
    from cardgen.grade.grader import read_source
    from cardgen.grade.stub import ExerciseError, find_exercises

    import ast

    try:
        text = read_source(path)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            tree = None
        exercises = find_exercises(text, tree)
    except ExerciseError as e:
        raise UsageProblem(str(e)) from None
    results = {(f.family, f.function): f for f in (report.functions if report else [])}
    for ex in exercises:
        fr = results.get((ex.family, ex.function))
        if fr is not None and fr.status == "pass":
            click.echo(f"{ex.function}: passes, no hint needed", err=err)
            continue
        hints, about = hints_for(fr, ex)
        if not hints:
            click.echo(f"{ex.function}: this exercise has no hints", err=err)
            continue
        k = min(tier, len(hints))
        more = f"  (more: --hint {k + 1})" if k < len(hints) else "  (that was the last hint)"
        echo_wrapped(click.style(f"hint {k}/{len(hints)} for {ex.function}{about}: ", fg="cyan") + hints[k - 1] + more,
                     err=err)


def _explain(report, assistant) -> None:
    """Add the LLM's plain-words reading of each counterexample to that function's message."""
    for fr in report.functions:
        if fr.status != "fail" or fr.counterexample is None:
            continue
        text = assistant.explain(fr.function, f"{fr.message}\n{fr.counterexample.text()}")
        if text:
            fr.message = f"{fr.message}\nIn plain words: {text}"
    assistant.report_warnings()


def _grade_once(path: Path, as_json: bool, timeout: float, assistant=None, hint: int | None = None,
                template=None) -> int:
    """One grading, printed; its exit status. ``template``: the --watch fork server (or None/False)."""
    from cardgen.grade.grader import grade_file
    from cardgen.grade.stub import ExerciseError

    try:
        report = grade_file(path, timeout=timeout, template=template or None)
        if assistant is not None:
            _explain(report, assistant)
    except ExerciseError as e:
        raise UsageProblem(str(e)) from None
    except FileNotFoundError:
        raise UsageProblem(f"{path} does not exist") from None
    except (OSError, ValueError) as e:  # unreadable file, a broken cache entry...
        raise click.ClickException(f"could not grade {path}: {e}") from None
    if hint is not None:
        _show_hints(path, hint, err=as_json, report=report)
    if as_json:
        click.echo(report.json_text())
    else:
        echo_wrapped(report.text(color=True))  # on a terminal: wrapped between words, never in a number
    return report.exit_code


def _start_template():
    """The fork server for --watch (strong level only: at the basic level every grading
    starts a fresh interpreter)."""
    from cardgen.grade.sandbox import Template, sandbox_level

    if sandbox_level() != "strong":
        return None
    try:
        return Template()
    except OSError:
        return None


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Results as exercism's results.json (version 2).")
@click.option("--timeout", type=click.FloatRange(0.5, 600), default=10.0, show_default=True,
              help="Seconds each function may run on all its cases (Python and torch start-up not counted).")
@click.option("--hint", "hint", type=click.IntRange(1, 9), is_flag=False, flag_value=1, default=None,
              help="Show a hint first: --hint for the first, --hint 2 for the second...")
@click.option("--watch", is_flag=True, help="Grade again every time the file is saved (Ctrl-C stops).")
@click.option("--explain", is_flag=True,
              help="Have the configured LLM explain each counterexample in plain words (the verdict "
                   "itself never comes from the LLM; offline, the built-in diagnosis is all you get).")
def grade(file: Path, as_json: bool, timeout: float, hint: int | None, watch: bool, explain: bool) -> None:
    """Grade your solution FILE: run each function on 20+ random cases in a sandbox.

    The exercises come from the file's `# cardgen: FAMILY seed=N` header (written by
    `cardgen exercise new`), or from function names such as `batched_matmul`, `forward`,
    `cosine_decay_lr`. Each function passes, fails (with a counterexample and, when it is a
    known mistake, what went wrong) or errors (with your traceback).

    \b
    Exit status: 0 all pass, 1 something failed, 2 usage error.
    Examples:
      cardgen grade solution.py
      cardgen grade solution.py --hint        the first hint, then the grade
      cardgen grade solution.py --watch       regrade on every save
      cardgen grade solution.py --json        machine-readable results
      cardgen grade solution.py --explain     the counterexample in plain words (LLM)
    """
    assistant = None
    if explain:
        from cardgen.llm import get_assistant

        assistant = get_assistant(None)
        if not assistant.online:
            click.echo("(--explain: no LLM is configured, so only the built-in diagnosis is shown; "
                       "see `cardgen llm check`)", err=True)
            assistant = None
    if not watch:
        sys.exit(_grade_once(file, as_json, timeout, assistant, hint))
    code = 0
    last = None
    template = None  # started after the first verdict, so that its torch import does not delay it
    try:
        while True:
            try:
                stamp = file.stat().st_mtime_ns
            except FileNotFoundError:
                stamp = None
            if stamp is not None and stamp != last:
                last = stamp
                click.echo(click.style(f"── {time.strftime('%H:%M:%S')} grading {file} ──", dim=True), err=as_json)
                try:
                    code = _grade_once(file, as_json, timeout, assistant, hint, template)
                except UsageProblem as e:  # e.g. the header is half-typed: keep watching
                    click.echo(f"Error: {e.message}", err=True)
                    code = 2
                if template is None:
                    template = _start_template() or False
                click.echo(click.style("(watching for changes; Ctrl-C stops)", dim=True), err=as_json)
            time.sleep(0.05)
    except KeyboardInterrupt:
        click.echo("\nstopped watching", err=True)
    finally:
        if template:
            template.close()
    sys.exit(code)
