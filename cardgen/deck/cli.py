"""``cardgen build-deck``: the command-line face of :mod:`cardgen.deck.build`.

Only click is imported at start-up; genanki, pygments, torch and the families load when
the command runs, so ``cardgen --help`` stays instant.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from cardgen.console import console, fail
from exercises.base import FORMS
from exercises.registry import TOPICS


def _parse_topics(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    """``einsum,einops`` -> ("einsum", "einops"); unknown names are a usage error."""
    if value is None or value.strip().lower() in {"", "all"}:
        return tuple(TOPICS)
    names = [t.strip().lower() for t in value.split(",") if t.strip()]
    unknown = [t for t in names if t not in TOPICS]
    if unknown:
        raise click.BadParameter(
            f"unknown topic {', '.join(repr(t) for t in unknown)}; choose from {', '.join(TOPICS)} "
            "(comma-separated)",
            ctx=ctx, param=param,
        )
    return tuple(t for t in TOPICS if t in names)  # registry order, no duplicates


_HELP = f"""Build an Anki deck whose cards show a fresh variant at every review.

Each card is one question form of one exercise family ({' / '.join(FORMS)})
and carries K variants, all computed now by running code; the card's script picks one
at random when it is shown, and the answer side shows that same variant.

\b
Examples:
  cardgen build-deck                              all topics, 8 variants per card
  cardgen build-deck --topics einsum,einops -k 4 -o tensors.apkg
  cardgen build-deck --seed 1                     a different set of variants

\b
Import: in Anki, File > Import and choose the .apkg (or open it on AnkiDroid /
AnkiMobile). Rebuilding and importing again updates the same cards and keeps their
review history. The first build trains the superposition models (cached afterwards).
"""


@click.command("build-deck", help=_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("cardgen.apkg"),
              show_default=True, help="Where to write the Anki package.")
@click.option("--topics", callback=_parse_topics, metavar="LIST", default=None,
              help=f"Comma-separated topics to include: {', '.join(TOPICS)} (default: all).")
@click.option("-k", "--variants", type=click.IntRange(1, 100), default=8, show_default=True,
              help="Variants stored per card; one of them is shown at each review.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Deck seed: the same seed gives the same variants.")
@click.option("--llm/--no-llm", default=None,
              help="Reword each variant's prompt with the configured LLM (default: on when one is "
                   "configured; see `cardgen llm check`). Answers never come from the LLM.")
def build_deck(output: Path, topics: tuple[str, ...], variants: int, seed: int, llm: bool | None) -> None:
    """The click face of :func:`cardgen.deck.build.build`; its help text is ``_HELP``."""
    from cardgen.console import progress
    from cardgen.deck.build import DeckError, build
    from cardgen.llm import get_assistant

    _check_output(output)

    assistant = get_assistant(llm)
    reword = assistant.reword if assistant.online else None
    try:
        with progress(transient=True) as bar:
            task = bar.add_task("computing variants", total=None)

            def on_plan(total: int) -> None:
                bar.update(task, total=total)

            def on_note(note, cached: bool) -> None:
                bar.update(task, advance=len(note.entries),
                           description=f"{'cached' if cached else 'computed'} {note.family}/{note.form}")

            report = build(output, topics=topics, variants=variants, seed=seed, on_plan=on_plan,
                           on_note=on_note, reword=reword)
    except DeckError as e:
        fail(str(e))
    finally:
        assistant.report_warnings()
    _summary(report)
    if assistant.summary():
        console.print(f"[dim]{assistant.summary()}[/]")


def _check_output(output: Path) -> None:
    """Refuse an -o that is not (or would not replace) a regular file: a device such as
    /dev/full, a FIFO, a socket or a directory, directly or through a link. The deck is
    renamed into place, which would replace a device node with a plain file."""
    import stat

    try:
        st = os.stat(output)
    except FileNotFoundError:
        return
    except OSError as e:
        fail(f"cannot write {output}: {e.strerror or e}")
        return
    if stat.S_ISDIR(st.st_mode):
        fail(f"cannot write {output}: it is a directory; give a file name such as {output / 'cardgen.apkg'}")
    if not stat.S_ISREG(st.st_mode):
        fail(f"cannot write {output}: it is not a regular file (a device, FIFO or socket); give a file name "
             "such as cardgen.apkg")


def _summary(report) -> None:
    from rich.table import Table

    table = Table(title=f"Wrote {report.path}", title_justify="left")
    table.add_column("deck")
    table.add_column("families", justify="right")
    table.add_column("notes", justify="right")
    table.add_column("variants", justify="right")
    table.add_column("images", justify="right")
    totals = [0, 0, 0]
    for topic, (n_fam, n_notes, n_var, n_img) in report.per_topic().items():
        table.add_row(f"cardgen::{topic}", str(n_fam), str(n_notes), str(n_var), str(n_img))
        totals = [totals[0] + n_fam, totals[1] + n_notes, totals[2] + n_var]
    table.add_row("[bold]total[/]", *(f"[bold]{t}[/]" for t in totals), f"[bold]{report.media_count}[/]")
    console.print(table)
    computed = len(report.notes) - report.cached
    console.print(
        f"{report.media_count} media files ({report.media_bytes / 1024:.0f} KiB) · "
        f"{computed} notes computed, {report.cached} from cache · seed {report.seed} · "
        f"{report.seconds:.1f} s"
    )
    console.print("[dim]Import it in Anki with File > Import; re-importing a rebuild updates the same cards.[/]")
