"""Terminal output shared by the commands: rich consoles, errors, progress, variants."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import Variant


def _consoles():
    from rich.console import Console

    return Console(highlight=False), Console(stderr=True, highlight=False)


class _Lazy:
    """Build the rich Console on first use, so importing this module stays cheap."""

    def __init__(self, index: int):
        self._index = index
        self._obj = None

    def __getattr__(self, name):
        if self._obj is None:
            self._obj = _consoles()[self._index]
        return getattr(self._obj, name)


console = _Lazy(0)
err_console = _Lazy(1)


def fail(message: str) -> NoReturn:
    """Stop the command with a clear message (exit 1), never a traceback."""
    raise click.ClickException(message)


def progress(transient: bool = False):
    """A rich Progress on stderr; it draws nothing when stderr is not a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console._obj or _consoles()[1],
        transient=transient,
    )


#: Maths first (so backticks inside maths stay maths), then inline code: the deck's tokens.
_TOKEN = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]|`([^`\n]+)`", re.S)


def render_markup(text: str) -> str:
    """Prompt-style text to rich markup for the terminal: `code` in a code style that never
    breaks inside, \\( maths \\) as Unicode text (:mod:`cardgen.termmath`), the rest escaped."""
    from rich.markup import escape

    from cardgen.termmath import tex_to_unicode

    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m.group(3) is not None:
            out.append(f"[bold cyan]{escape(_unbroken(m.group(3)))}[/]")
        else:
            out.append(escape(_unbroken(tex_to_unicode(m.group(1) if m.group(1) is not None else m.group(2)))))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


prompt_markup = render_markup  # the name other commands use


def render_text(text: str) -> str:
    """An answer as rich markup: prompt-style text (with `code` or maths) rendered, anything else
    escaped as it is."""
    if "`" in text or "\\(" in text or "\\[" in text:
        return render_markup(text)
    return escape_text(_unbroken(text))


def _unbroken(text: str) -> str:
    """Short code or maths with no-break spaces, so :class:`Prose` never wraps a line inside it."""
    return text.replace(" ", NBSP) if len(text) <= 60 else text


NBSP = "\u00a0"
_HOLD = "\u2420"  # a printable non-space of width 1 that stands for a kept space while lines are laid out


class Prose:
    """Rich markup that wraps only between words: a space inside short `code` or maths (a no-break
    space from :func:`render_markup`) never becomes a line break, and is printed as a plain space
    so what the learner copies from the screen is what they would type. Rich alone treats a
    no-break space as a break (Python's ``\\s``), and ``soft_wrap`` lets the terminal cut words."""

    def __init__(self, markup: str):
        self.markup = markup

    def _text(self, console):
        text = console.render_str(self.markup, highlight=False)
        text.plain = text.plain.replace(NBSP, _HOLD)  # same length: the styles stay in place
        return text

    def __rich_measure__(self, console, options):
        return self._text(console).__rich_measure__(console, options)

    def __rich_console__(self, console, options):
        from rich.text import Text

        lines = self._text(console).wrap(console, options.max_width, overflow="fold")
        for line in lines:
            line.plain = line.plain.replace(_HOLD, " ")
        yield from Text("\n").join(lines).render(console, end="\n")


def print_variant(variant: "Variant", show_answer: bool = False, target=None) -> None:
    """Render a variant for the terminal: prompt, code, image name, and optionally the answer."""
    from rich.panel import Panel
    from rich.syntax import Syntax

    out = target or console
    title = f"{variant.family} · {variant.form} · seed {variant.seed}"
    out.print(Panel(Prose(render_markup(variant.prompt)), title=title, title_align="left", expand=False))
    if variant.code:
        # wrapped, not cropped: a fix card's marker sits at the end of a long line
        out.print(Syntax(variant.code, "python", theme="ansi_dark", background_color="default", word_wrap=True))
    if variant.image is not None:
        out.print(f"[dim](image: {variant.image.name})[/]")
    if show_answer:
        out.print(Prose(f"[bold green]Answer:[/] {render_text(variant.answer_text)}"))
        if variant.explanation:
            out.print(Prose(f"[dim]{render_markup(variant.explanation)}[/]"))


def escape_text(text: str) -> str:
    from rich.markup import escape

    return escape(text)
