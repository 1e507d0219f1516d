"""``%cardgen drill``: the terminal drill's session, shown as HTML and answered in the
notebook's input box.

It is :class:`cardgen.drill.session.Session` itself — same picking, checking by execution,
Socratic question, rating and FSRS store (one transaction per review, saved at once) — with
three notebook parts: each card is displayed as HTML with its picture as ``image/png``; the
session's rich output (verdict, question, answer, rating, summary) is exported to HTML and
displayed each time the learner is asked something; and answers are read with ``input()``,
which ipykernel turns into the frontend's input box (Jupyter, VS Code, Colab).
"""
from __future__ import annotations

import io
import time
from typing import Callable

from cardgen.drill.session import Session
from cardgen.notebook import html as H

NO_INPUT = ("this notebook frontend does not accept typed input (e.g. a notebook run by nbclient or "
            "papermill); run the drill in Jupyter, VS Code or Colab")


def _display(bundle: dict) -> None:
    from IPython.display import display

    display(bundle, raw=True)


class HtmlOut:
    """The subset of a rich Console the session uses (``print``), recorded and shown as one
    HTML block at each :meth:`flush` (the card itself is displayed as HTML by
    :meth:`NotebookSession.show_exercise`, not as the terminal's panel). Lines are laid out wide
    and wrapped by the browser (``pre-wrap``), not at a terminal's width."""

    def __init__(self, show: Callable[[dict], None] = _display, width: int = 400):
        from rich.console import Console

        self._console = Console(record=True, file=io.StringIO(), width=width, force_terminal=True,
                                color_system="truecolor", highlight=False, force_jupyter=False)
        self._show = show
        self._pending = False

    def print(self, *objects, **kwargs) -> None:
        self._console.print(*objects, **kwargs)
        self._pending = True

    def flush(self) -> None:
        if not self._pending:
            return
        self._pending = False
        text = self._console.export_text(clear=False)
        body = self._console.export_html(inline_styles=True, clear=True, code_format="{code}")
        self._console.file = io.StringIO()
        self._show({"text/html": f'<pre class="cardgen-drill-out" style="{H.MONO};white-space:pre-wrap;'
                                 f'margin:2px 0">{body}</pre>',
                    "text/plain": text.rstrip("\n")})


class NotebookSession(Session):
    """A drill session whose cards are HTML and whose answers come from ``input()``."""

    def __init__(self, *args, out: HtmlOut, show: Callable[[dict], None] = _display, **kwargs):
        self._show = show
        self.card_shown_at: float | None = None  # monotonic time the last card was displayed (benchmarks)
        super().__init__(*args, out=out, **kwargs)

    def show_exercise(self, slot, seed, variant, is_new, again=False) -> None:
        """The card as HTML, its picture as ``image/png`` (no file is written)."""
        self.out.flush()
        new = " · new" if is_new else " · again" if again else ""
        title = f"[{self.shown}/{self.options.limit}] {slot.family} · {slot.form} · seed {seed}{new}"
        text = f"{title}\n{variant.prompt}" + (f"\n\n{variant.code.rstrip()}" if variant.code else "")
        self._show({"text/html": H.card_html(variant, title=title, image=False), "text/plain": text})
        if variant.image is not None:
            self._show({"image/png": variant.image.data, "text/plain": f"<picture: {variant.image.name}>"})
        self.card_shown_at = time.monotonic()


def notebook_ask(out: HtmlOut, read: Callable[[str], str] = input) -> Callable[[str], str]:
    """Show what the session printed, then read one line from the notebook's input box."""

    def ask(prompt: str) -> str:
        out.flush()
        try:
            return read(prompt)
        except NotImplementedError:  # IPython's StdinNotImplementedError: the frontend has no stdin
            out.print(f"[yellow]{NO_INPUT}[/]", soft_wrap=True)
            raise EOFError from None

    return ask


def run(store, pool, options, *, clock, assistant=None, show: Callable[[dict], None] = _display,
        read: Callable[[str], str] = input) -> NotebookSession:
    """One notebook drill session over an open store; returns the session (its ``summary``)."""
    from cardgen.drill.store import StoreError

    out = HtmlOut(show)
    session = NotebookSession(store, pool, options, clock=clock, ask=notebook_ask(out, read), out=out,
                              interactive=True, image_dir=store.path.parent / "drill-images",
                              assistant=assistant, show=show)
    try:
        try:
            summary = session.run()
        except StoreError as e:  # the store became unwritable mid-session: say so, keep the summary
            session.print_summary()
            from cardgen.console import escape_text

            out.print(f"[red]{escape_text(str(e))}[/]", soft_wrap=True)
            return session
        if summary.reviewed == 0 and summary.skipped == 0 and summary.ended == "done":
            out.print("Nothing to practise now: no card is due and no new card is allowed (see --new).")
            out.print(session.next_due_line())
        else:
            session.print_summary()
    finally:
        out.flush()
    return session
