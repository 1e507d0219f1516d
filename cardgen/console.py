"""Terminal output shared by the commands: rich consoles, errors, progress, variants."""
from __future__ import annotations

import re
import sys
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
            out.append(f"[bold cyan]{escape(_unbroken(m.group(3), None))}[/]")
        else:
            out.append(escape(_unbroken(tex_to_unicode(m.group(1) if m.group(1) is not None else m.group(2)), None)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


prompt_markup = render_markup  # the name other commands use


def render_text(text: str) -> str:
    """An answer as rich markup: prompt-style text (with `code` or maths) rendered, anything else
    escaped as it is."""
    if "`" in text or "\\(" in text or "\\[" in text:
        return render_markup(text)
    return escape_text(_unbroken(text, None if _CODE_LIKE.search(text) and ". " not in text else 60))


#: An answer with brackets, quotes or an arrow is code (an expression, a pattern), kept whole like
#: a `code` span however long; a long answer without them is prose and wraps between words.
_CODE_LIKE = re.compile(r"[()\[\]'\"]|->")


def _unbroken(text: str, limit: int | None = 60) -> str:
    """Code or maths with no-break spaces, so :class:`Prose` keeps it on one line where it fits
    (and breaks it only visibly, see :func:`layout`). ``limit``: longer plain text stays
    breakable (a sentence, not a token)."""
    return text.replace(" ", NBSP) if limit is None or len(text) <= limit else text


NBSP = "\u00a0"
_HOLD = "\u2420"  # a printable non-space of width 1 that stands for a kept space while lines are laid out
MARK = "\u21a9"  # ↩ ends a line that breaks inside a unit too wide for the terminal


def layout(plain: str, width: int, hang: int = 0) -> list[tuple[int, int, bool]]:
    """Where to break one line of ``plain`` into lines of at most ``width`` cells: a list of
    ``(start, end, continued)``.

    Lines break only at spaces; ``_HOLD`` stands for a space inside a unit (a code span, a
    formula, a shape) that must stay on one line. A unit wider than the whole line is broken
    at one of its own spaces (after a comma when it can: inside brackets that is where Python
    itself lets code continue), ``continued`` is True and the caller ends that line with
    :data:`MARK`; only a run with no space at all that is wider than the line is folded.
    Lines after the first are ``hang`` cells narrower (the caller indents them)."""
    from rich.cells import cell_len

    out: list[tuple[int, int, bool]] = []
    words = [[m.start(), m.end()] for m in re.finditer(r"[^ ]+", plain)]
    if words:
        words[0][0] = 0  # a line's own indentation stays with its first word
    start = None
    for s, e in words:
        room = max(width - (hang if out else 0), 8)
        if start is not None:
            if cell_len(plain[start:e]) <= room:
                end = e
                continue
            if cell_len(plain[s:e]) > max(width - hang, 8) and plain.rfind(_HOLD, s + 1, start + room) > s:
                s = start  # too wide for any line: start breaking it here rather than on the next
            else:
                out.append((start, end, False))
                room = max(width - hang, 8)
            start = None
        while cell_len(plain[s:e]) > room:  # a unit wider than a line: break inside it, visibly
            fit = room - 1  # one cell for the mark
            cut = plain.rfind(_HOLD, s + 1, s + fit + 1)
            comma = next((i for i in range(cut, s, -1) if plain[i] == _HOLD and plain[i - 1] == ","), -1) \
                if cut > s else -1
            if comma > s + fit // 2:
                cut = comma
            if cut > s:
                out.append((s, cut, True))
                s = cut + 1
            else:  # one token wider than the line (a long path): folded, still marked
                out.append((s, s + fit, True))
                s += fit
            room = max(width - hang, 8)
        start, end = s, e
    if start is not None:
        out.append((start, end, False))
    return out or [(0, len(plain), False)]


def wrap_text(text, width: int, hang: int = 0, hang_text: str | None = None) -> list:
    """A rich ``Text`` (with ``_HOLD`` for kept spaces) as lines of at most ``width`` cells:
    see :func:`layout`. Continuation lines start with ``hang_text`` (default ``hang`` spaces)."""
    from rich.text import Text

    lead = " " * hang if hang_text is None else hang_text
    lines = []
    for para in text.split("\n", allow_blank=True):
        for i, (s, e, continued) in enumerate(layout(para.plain, width, len(lead))):
            line = para[s:e]
            line.plain = line.plain.replace(_HOLD, " ")
            if continued:
                line.append(MARK, style="dim")
            if i:
                line = Text(lead) + line
            lines.append(line)
    return lines


class Prose:
    """Rich markup that wraps only between words: a space inside `code` or maths (a no-break
    space from :func:`render_markup`) never becomes a line break while the span fits on a
    line, and is printed as a plain space so what the learner copies from the screen is what
    they would type. A span wider than the terminal breaks at one of its spaces, and the line
    ends with ↩ (:func:`layout`). Rich alone treats a no-break space as a break (Python's
    ``\\s``), and ``soft_wrap`` lets the terminal cut words."""

    def __init__(self, markup: str):
        self.markup = markup

    def _text(self, console):
        text = console.render_str(self.markup, highlight=False)
        text.plain = text.plain.replace(NBSP, _HOLD)  # same length: the styles stay in place
        return text

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        m = self._text(console).__rich_measure__(console, options)
        return Measurement(min(m.minimum, options.max_width), m.maximum)

    def __rich_console__(self, console, options):
        from rich.text import Text

        lines = wrap_text(self._text(console), options.max_width)
        yield from Text("\n").join(lines).render(console, end="\n")


def _protected(plain: str) -> set[int]:
    """Indices of the spaces inside balanced brackets or a `code` span: a shape ``(1, 6, 3)``,
    an index ``[0, 2]``, ``torch.Size([2, 3])``, a pattern in backticks."""
    keep: set[int] = set()
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    tick = None
    for i, ch in enumerate(plain):
        if ch == "`":
            if tick is None:
                tick = i
            else:
                keep.update(j for j in range(tick, i) if plain[j] == " ")
                tick = None
        elif ch in "([{":
            stack.append((ch, i))
        elif ch in pairs:
            if stack and stack[-1][0] == pairs[ch]:
                _, j0 = stack.pop()
                if not stack:
                    keep.update(j for j in range(j0, i) if plain[j] == " ")
            else:
                stack.clear()
    return keep


def echo_wrapped(text: str, err: bool = False) -> None:
    """Print plain text (ANSI colours allowed) as ``click.echo`` does, but on a terminal wrap
    each long line at word boundaries to the terminal's width, so a number, a shape, an index
    or a `code` span is never split (continuation lines are indented under the line's own
    indentation and ``| `` output marker). Piped output is printed unchanged, one line per line."""
    stream = sys.stderr if err else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        click.echo(text, err=err)
        return
    from rich.console import Console
    from rich.text import Text

    con = Console(file=stream, highlight=False, soft_wrap=True, emoji=False, markup=False)
    width = con.width
    for raw in text.split("\n"):
        line = Text.from_ansi(raw, end="")
        plain = line.plain
        if cell_width(plain) <= width:
            con.print(line)
            continue
        keep = _protected(plain)
        line.plain = "".join(_HOLD if i in keep else c for i, c in enumerate(plain))
        m = re.match(r" *(?:\| )?", plain)
        lead = " " * len(m.group(0)) if "|" not in m.group(0) else m.group(0)
        for part in wrap_text(line, width, hang_text=lead + "  "):
            con.print(part)


def cell_width(s: str) -> int:
    from rich.cells import cell_len

    return cell_len(s)


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
