"""The ``%cardgen`` / ``%%cardgen`` magic: grade a cell, start an exercise, drill, show, check.

Each subcommand is a small click command, so ``%cardgen drill`` takes exactly the terminal
drill's options (its click parameters are reused), and a usage error is one line, never a
traceback. Importing this module needs the ``jupyter`` extra (IPython and ipykernel).
"""
from __future__ import annotations

import shlex
import sys

import click
import IPython
import ipykernel  # noqa: F401 - part of the extra: the kernel that gives input() its box
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display
from IPython.utils.capture import capture_output

from cardgen.grade.cli import SEED

if IPython.version_info < (8,):  # pragma: no cover - depends on the install
    raise ImportError(f"IPython {IPython.__version__} is too old (8 or newer is needed)")

USAGE = """\
%%cardgen grade [FAMILY] [--seed N]   grade the cell's functions (the cell runs as usual too)
%cardgen exercise FAMILY [--seed N]   put an exercise stub in the next cell
%cardgen drill [--limit N --new N --topic T --family ID --form F --db PATH ...]
%cardgen show FAMILY [--form F] [--seed N]          one card, its answer folded away
%cardgen check FAMILY RESPONSE [--form F] [--seed N]"""


class _State:
    """What one subcommand gets: the shell and the cell body (``%%cardgen grade`` only)."""

    def __init__(self, magics: "CardgenMagics", cell: str | None):
        self.magics = magics
        self.shell = magics.shell
        self.cell = cell


@click.group(name="%cardgen", help="cardgen in a notebook.\n\n\b\n" + USAGE,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def commands() -> None:
    pass


@commands.command(help="Grade the cell's functions with the sealed grader of `cardgen grade` "
                       "(use as %%cardgen grade FAMILY on the first line of a cell).")
@click.argument("family", required=False)
@click.option("--seed", type=SEED, default=None, help="Which grading cases and hints (default 0).")
@click.option("--timeout", type=click.FloatRange(0.5, 600), default=10.0, show_default=True,
              help="Seconds each function may run on all its cases.")
@click.pass_obj
def grade(state: _State, family: str | None, seed: int | None, timeout: float) -> None:
    from cardgen.grade.stub import ExerciseError

    if state.cell is None:
        raise click.UsageError("grading needs a cell: put `%%cardgen grade FAMILY` on the first line of the "
                               "cell that defines your function(s)")
    state.shell.run_cell(state.cell)  # the cell runs as usual: its names exist afterwards
    try:
        result = state.magics.grader.grade(state.cell, family, seed, timeout)
    except ExerciseError as e:
        raise click.UsageError(str(e)) from None
    except (OSError, ValueError) as e:  # a broken case-cache entry, an unwritable temp dir...
        raise click.ClickException(f"could not grade the cell: {e}") from None
    state.magics.last_grade = result
    display(result)


@commands.command(help="Put FAMILY's code exercise (as `cardgen exercise new` writes it) in the next "
                       "cell, ready to grade.")
@click.argument("family")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Picks the test cases and hints.")
@click.pass_obj
def exercise(state: _State, family: str, seed: int) -> None:
    from cardgen.grade.stub import ExerciseError, new_exercise

    try:
        text = new_exercise(family, seed)
    except ExerciseError as e:
        raise click.UsageError(str(e)) from None
    from cardgen.notebook import html as H

    cell = f"%%cardgen grade {family} --seed {seed}\n{text}"
    state.shell.set_next_input(cell, replace=False)
    said = f"{family} (seed {seed}): the stub is in the next cell. Fill in the function and run that cell to grade it."
    # a frontend that ignores set_next_input still offers the cell to copy
    display({"text/plain": said,
             "text/html": f"<div>{H.esc(said)}</div><details><summary>the cell, to copy if no cell appeared</summary>"
                          f"{H.pre(cell)}</details>"}, raw=True)


def _drill(state: _State, limit, new, topic, families, forms, db, no_override, llm) -> None:
    from cardgen.drill.clock import ClockError
    from cardgen.drill.store import StoreError, open_store
    from cardgen.drill.session import Options, slots
    from cardgen.llm import get_assistant
    from cardgen.notebook.drill import run

    try:
        pool = slots(topic, families, forms)
    except KeyError as e:
        raise click.BadParameter(e.args[0], param_hint="--family") from None
    if not pool:
        raise click.ClickException("no exercise matches the chosen --topic/--family/--form")
    assistant = get_assistant(llm)
    try:
        store, _path, clock = open_store(db)
    except (ClockError, StoreError) as e:
        raise click.ClickException(str(e)) from None
    pub = state.shell.display_pub  # the drill shows what it means to show through this publisher...

    def show(bundle: dict) -> None:
        pub.publish(data=bundle, metadata={})

    try:
        # ...and any other display() meanwhile is dropped: the session's background thread renders a
        # warm-up snippet with rich, which in a kernel would otherwise be displayed in this cell
        with capture_output(stdout=False, stderr=False, display=True):
            state.magics.last_drill = run(store, pool, Options(limit=limit, new=new, override=not no_override),
                                          clock=clock, assistant=assistant, show=show)
    finally:
        store.close()


def _drill_command() -> click.Command:
    """The terminal drill's own options, with a notebook body."""
    from cardgen.drill.cli import drill as terminal

    return click.Command("drill", params=list(terminal.params), callback=click.pass_obj(_drill),
                         help="Practise the due exercises here, scheduled by FSRS in the same store as "
                              "`cardgen drill`. At the answer box: ? hint, s skip, q quit.")


commands.add_command(_drill_command())


@commands.command(help="Show one variant of FAMILY as a card; its answer is folded away.")
@click.argument("family")
@click.option("--form", help="Question form (default: the family's first).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Which variant.")
def show(family: str, form: str | None, seed: int) -> None:
    from cardgen.notebook.cards import show as make

    try:
        display(make(family, form, seed))
    except ValueError as e:
        raise click.UsageError(str(e)) from None


@commands.command(help="Judge RESPONSE to a variant of FAMILY by running it.")
@click.argument("family")
@click.argument("response")
@click.option("--form", help="Question form (default: the family's first).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="The variant that was answered.")
def check(family: str, response: str, form: str | None, seed: int) -> None:
    from cardgen.notebook.cards import check as judge

    try:
        display(judge(family, response, form, seed))
    except ValueError as e:
        raise click.UsageError(str(e)) from None


@magics_class
class CardgenMagics(Magics):
    def __init__(self, shell):
        from cardgen.notebook.grading import CellGrader

        super().__init__(shell)
        self.grader = CellGrader()
        self.last_grade = None
        self.last_drill = None

    @line_cell_magic
    def cardgen(self, line: str, cell: str | None = None) -> None:
        """cardgen in a notebook: `%cardgen --help` lists the subcommands."""
        try:
            argv = shlex.split(line)
        except ValueError as e:
            print(f"Error: cannot read the arguments: {e}", file=sys.stderr)
            return
        if not argv:
            print(USAGE)
            return
        if cell is not None and argv[0] != "grade":
            print("Error: as a cell magic, use `%%cardgen grade FAMILY`; the other subcommands are line magics "
                  "(`%cardgen show ...`)", file=sys.stderr)
            return
        try:
            commands.main(argv, prog_name="%cardgen", standalone_mode=False, obj=_State(self, cell))
        except click.ClickException as e:
            print(f"Error: {e.format_message()}", file=sys.stderr)
        except click.exceptions.Abort:
            print("aborted", file=sys.stderr)


def load(ipython) -> None:
    ipython.register_magics(CardgenMagics)


def unload(ipython) -> None:
    magics = ipython.magics_manager.registry.get("CardgenMagics")
    if magics is not None:
        magics.grader.close()
