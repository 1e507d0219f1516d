"""``cardgen drill`` and ``cardgen stats``: the click commands (heavy imports stay inside)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from exercises.base import FORMS
from exercises.registry import TOPICS

TOPIC_CHOICES = list(TOPICS)  # one place for each list: the registry and the base types
FORM_CHOICES = list(FORMS)

DB_OPTION = click.option(
    "--db",
    type=click.Path(path_type=Path),
    help="The drill store file (default: $CARDGEN_HOME/drill.sqlite3, else drill.sqlite3 in the user data directory).",
)


def _open_store(db: Path | None, must_exist: bool = False):
    """:func:`cardgen.drill.store.open_store`, its errors as one line (exit 1)."""
    from cardgen.console import fail
    from cardgen.drill.clock import ClockError
    from cardgen.drill.store import StoreError, open_store

    try:
        return open_store(db, must_exist)
    except (ClockError, StoreError) as e:
        fail(str(e))


@click.command()
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True,
              help="At most this many exercises in the session (skipped ones count).")
@click.option("--new", "new", type=click.IntRange(0), default=5, show_default=True,
              help="At most this many never-seen cards introduced.")
@click.option("--topic", type=click.Choice(TOPIC_CHOICES), help="Only cards of this topic.")
@click.option("--family", "families", multiple=True, metavar="ID",
              help="Only this family (repeatable), e.g. --family einsum.matmul.")
@click.option("--form", "forms", multiple=True, type=click.Choice(FORM_CHOICES),
              help="Only this question form (repeatable).")
@DB_OPTION
@click.option("--no-override", is_flag=True, help="Never ask whether to change the suggested rating.")
@click.option("--llm/--no-llm", default=None,
              help="After a wrong answer, ask the configured LLM for a Socratic hint (default: on when "
                   "one is configured); offline, a question aimed at the mistake the checker "
                   "recognised, else the family's own hint as a question.")
def drill(limit: int, new: int, topic: str | None, families: tuple[str, ...], forms: tuple[str, ...],
          db: Path | None, no_override: bool, llm: bool | None) -> None:
    """Practise the exercises that are due today, one at a time, scheduled by FSRS.

    A drill card is one exercise family asked in one form (write, shape, value,
    read, fix); every review shows a NEW variant of it (a fresh random seed, stored with
    the review). Answers are checked by running them: any einsum string or einops
    pattern that computes the same tensor is right; numbers at the precision the
    card asks for, arithmetic included (0.9^5, sqrt(2)/2); shapes as (3, 4), 3x4
    or [3, 4]. An answer that cannot be read as the kind asked is asked again,
    with an example, and not rated. After a wrong answer (rated Again and saved), a
    question aims at the mistake the checker recognised and you answer once more at
    again>: you are told whether that is now right, then shown the answer (? there
    shows it at once). A card missed in the session comes back later in it, as a
    new variant, until answered or skipped. New cards come interleaved across topics
    and forms.

    \b
    At the answer> prompt:
      ?      show the next hint (vague first; a hint caps the rating at Hard)
      s      skip: nothing is recorded and the card stays due
      q      end the session (so do Ctrl-C, Ctrl-D and the end of piped input;
             every answered exercise is saved, the exit status is 0)
      Enter  on an empty line does nothing

    \b
    Rating (from correctness and time, hints included):
      wrong -> Again; right -> Easy / Good / Hard by time:
      difficulty 1: Easy < 15 s, Good < 45 s, else Hard
      difficulty 2: Easy < 25 s, Good < 75 s, else Hard
      difficulty 3: Easy < 40 s, Good < 120 s, else Hard
      (times x1.5 for read and fix forms, x2 for value forms)
    In a terminal, the next prompt lets you change it: 1-4 or a/h/g/e,
    Enter keeps the suggestion.

    \b
    Scripts: when stdin is not a terminal, answers are read one per line, no
    rating prompt is shown, and the end of input ends the session. Piped answers
    arrive instantly, so right answers are then rated Easy (or Hard after a hint).

    \b
    Every review is saved the moment it is rated (SQLite, one transaction each):
    quitting or being killed loses at most the answer being typed. Plots are
    drawn inline where the terminal speaks Sixel or kitty's graphics protocol
    (never asked in tmux or through pipes; CARDGEN_IMAGES=off), and written next
    to the store (drill-images/) with their path printed.
    CARDGEN_NOW=2030-01-06T09:00Z starts the clock at that UTC time (for tests).

    \b
    Examples:
      cardgen drill                         today's reviews, up to 5 new cards
      cardgen drill --topic einsum --new 0  only einsum reviews that are due
      printf 'ij,jk->ik\\n' | cardgen drill --family einsum.matmul --form write --limit 1
    """
    from cardgen.console import console, fail
    from cardgen.drill.session import Options, Session, make_piped_ask, slots, terminal_ask
    from cardgen.drill.store import StoreError

    try:
        pool = slots(topic, families, forms)
    except KeyError as e:
        raise click.BadParameter(e.args[0], param_hint="--family") from None
    if not pool:
        fail("no exercise matches the chosen --topic/--family/--form")
    from cardgen.llm import get_assistant

    assistant = get_assistant(llm)  # a bad LLM setting is reported before the store is opened
    store, path, clock = _open_store(db)
    interactive = sys.stdin.isatty()
    if interactive:
        import importlib

        try:
            importlib.import_module("readline")  # line editing and history for input()
        except ImportError:  # pragma: no cover - platform without readline
            pass
    session = Session(
        store, pool, Options(limit=limit, new=new, override=not no_override), clock=clock,
        ask=terminal_ask if interactive else make_piped_ask(), out=console, interactive=interactive,
        image_dir=path.parent / "drill-images", assistant=assistant,
    )
    code = 0
    try:
        try:
            summary = session.run()
        except StoreError as e:  # the store became unwritable mid-session: say so, keep the summary
            _ignore_sigint()
            session.print_summary()
            fail(str(e))
        _ignore_sigint()  # the session has ended: a second Ctrl-C must not cut the summary short
        if session.shown == 0 and not summary.failed and summary.ended == "done":
            console.print("Nothing to practise now: no card is due and no new card is allowed (see --new).")
            console.print(session.next_due_line())
        else:
            session.print_summary()
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except StoreError as e:  # a damaged cell found while printing
        click.ClickException(str(e)).show()
        code = 1
    finally:
        store.close()
    _exit_cleanly(session, code)


def _ignore_sigint() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _exit_cleanly(session, code: int) -> None:
    """End the process with ``code`` once the variant worker thread has stopped.

    A worker still inside torch when the interpreter finalizes aborts the process (see
    ``_Generator.stop``), so it is stopped first. If it is still making a (now unneeded)
    variant after a few seconds, say a slow trained family, the process ends at once with
    ``os._exit``: every review is already committed and the store closed, output is flushed
    here, and nothing else is left to clean up."""
    import os

    if session.close(timeout=5.0):
        if code:
            sys.exit(code)
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


@click.command()
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--export", "export", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write every review log as JSON lines to this file ('-' for stdout), for fsrs' optimizer.")
@click.option("--png", "png", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the charts (reviews and retention per day, forecast, weak spots) into this PNG.")
def stats(db: Path | None, as_json: bool, export: Path | None, png: Path | None) -> None:
    """Show what is due, reviews and retention per day, weak spots, the forecast, streak and
    accuracy per topic.

    \b
    Definitions ("today" is the local calendar day of this machine):
      due today      cards due before local midnight, overdue ones included
      this week      cards due before the end of the 7th day (today included)
      retention      share of correct reviews in the last 30 days
      streak         consecutive days with at least one review, ending today
                     (or yesterday, if you have not practised yet today)
      weak spots     the cards (family and form) with the lowest share of right
                     answers, all time
      forecast       cards falling due on each of the next 14 days

    \b
    --export writes one JSON object per review: fsrs ReviewLog fields (card_id,
    rating, review_datetime, review_duration) plus family, form, seed, response and
    correct; `fsrs.ReviewLog.from_dict(json.loads(line))` reads a line, so your
    history can feed `fsrs.Optimizer` (pip install "fsrs[optimizer]") to fit
    your own parameters.

    \b
    Examples:
      cardgen stats
      cardgen stats --export reviews.jsonl
    """
    import json

    from cardgen.console import console, fail
    from cardgen.drill.store import StoreError

    store, path, clock = _open_store(db, must_exist=True)
    if store is None:
        if as_json:
            click.echo(json.dumps({"store": str(path), "exists": False}))
        else:
            console.print(f"No drill store yet at {path}; run `cardgen drill` to start one.")
        return
    try:
        if export is not None:
            try:
                if str(export) == "-":
                    n = store.export_logs(sys.stdout)
                else:
                    with open(export, "w", encoding="utf-8") as f:
                        n = store.export_logs(f)
            except OSError as e:
                fail(f"cannot write {export}: {e.strerror}")
            if str(export) != "-":
                click.echo(f"wrote {n} review logs to {export}", err=True)
            return
        from exercises import TOPICS

        try:
            data = store.stats(clock.now(), TOPICS)
        except StoreError as e:
            fail(str(e))
        if png is not None:
            try:
                _draw_png(data, png)
            except OSError as e:
                fail(f"cannot write {png}: {e.strerror or e}")
        if as_json:
            click.echo(json.dumps(data, indent=2))
            return
        _print_stats(console, data)
        if png is not None:
            console.print(f"charts: {png}", soft_wrap=True)
    finally:
        store.close()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _print_stats(console, d: dict) -> None:
    from rich.table import Table

    from cardgen.console import escape_text
    from cardgen.drill.clock import describe_due, parse_time

    console.print(f"[bold]Drill store[/] {escape_text(d['store'])} — {d['cards']} cards, {d['reviews_total']} reviews")
    nxt = ""
    if d["next_due"] and not d["due_now"]:  # "Due now 0 · next now" said nothing
        nxt = f" · next {describe_due(parse_time(d['next_due']), parse_time(d['now']))}"
    console.print(f"Due now {d['due_now']} · today {d['due_today']} · this week {d['due_week']}{nxt}")
    console.print(f"Reviews today {d['reviews_today']} · last 30 days {d['reviews_30d']} · all time {d['reviews_total']}")
    ret = _pct(d["retention_30d"])
    if d["reviews_30d"]:
        ret += f" ({d['correct_30d']} of {d['reviews_30d']} correct, last 30 days)"
    console.print(f"Retention {ret}")
    console.print(f"Streak {d['streak_days']} day{'s' if d['streak_days'] != 1 else ''}")
    table = Table(title="Accuracy per topic", title_justify="left")
    for col, just in (("topic", "left"), ("cards", "right"), ("reviews", "right"), ("correct", "right"),
                      ("accuracy", "right"), ("due today", "right")):
        table.add_column(col, justify=just)
    for topic, t in d["topics"].items():
        table.add_row(topic, str(t["cards"]), str(t["reviews"]), str(t["correct"]), _pct(t["accuracy"]),
                      str(t["due_today"]))
    console.print(table)
    _print_charts(console, d)


def _bar(n: int, top: int, width: int = 24) -> str:
    return "█" * (round(width * n / top) if top else 0) or ("▏" if n else "")


def _print_charts(console, d: dict) -> None:
    """Reviews and retention per day, the forecast and the weak spots as bars of text."""
    from datetime import date

    from rich.table import Table

    def day(iso_day: str) -> str:
        x = date.fromisoformat(iso_day)
        return f"{x:%a} {x.day:2d} {x:%b}"

    for title, rows, key, extra in (
        ("Reviews per day (retention)", d["history"], "reviews", lambda r: f"{_pct(r['retention'])}" if r["reviews"] else ""),
        ("Forecast: cards due per day", d["forecast"], "due", lambda r: ""),
    ):
        top = max((r[key] for r in rows), default=0)
        table = Table(title=title, title_justify="left", box=None, show_header=False, pad_edge=False)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(no_wrap=True, overflow="crop")
        table.add_column(no_wrap=True)
        for r in rows:
            table.add_row(day(r["day"]), str(r[key]), f"[cyan]{_bar(r[key], top)}[/]", extra(r))
        console.print(table)
    if d["weak"]:
        table = Table(title="Weak spots (lowest accuracy)", title_justify="left")
        for col, just in (("card", "left"), ("reviews", "right"), ("correct", "right"), ("accuracy", "right")):
            table.add_column(col, justify=just, no_wrap=col == "card")
        for w in d["weak"]:
            table.add_row(f"{w['family']} ({w['form']})", str(w["reviews"]), str(w["correct"]), _pct(w["accuracy"]))
        console.print(table)


def _draw_png(d: dict, path: Path) -> None:
    """The same charts as a PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(8, 9), constrained_layout=True)
    days = [r["day"][5:] for r in d["history"]]
    ax = axes[0]
    ax.bar(days, [r["reviews"] for r in d["history"]], color="#4c78a8")
    ax.set_title("Reviews per day")
    ax.set_ylabel("reviews")
    ax.tick_params(axis="x", labelrotation=45)
    twin = ax.twinx()
    ret = [(i, 100 * r["retention"]) for i, r in enumerate(d["history"]) if r["retention"] is not None]
    if ret:
        twin.plot([i for i, _ in ret], [v for _, v in ret], "o-", color="#e45756")
    twin.set_ylim(0, 105)
    twin.set_ylabel("retention %")
    ax = axes[1]
    ax.bar([r["day"][5:] for r in d["forecast"]], [r["due"] for r in d["forecast"]], color="#72b7b2")
    ax.set_title("Forecast: cards due per day")
    ax.tick_params(axis="x", labelrotation=45)
    ax = axes[2]
    weak = d["weak"][::-1]
    ax.barh([f"{w['family']} ({w['form']})" for w in weak], [100 * w["accuracy"] for w in weak], color="#f58518")
    ax.set_xlim(0, 100)
    ax.set_xlabel("accuracy %")
    ax.set_title("Weak spots" if weak else "Weak spots: none yet")
    from matplotlib.ticker import MaxNLocator

    for ax in axes[:2]:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of reviews and cards
    fig.savefig(path, dpi=100)
    plt.close(fig)

