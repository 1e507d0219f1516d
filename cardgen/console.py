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


def prompt_markup(text: str) -> str:
    """Prompt text to rich markup: `code` in a code style, \\( math \\) as plain text."""
    from rich.markup import escape

    out = escape(text)
    out = re.sub(r"`([^`]+)`", r"[bold cyan]\1[/]", out)
    return out.replace("\\(", "").replace("\\)", "")


def print_variant(variant: "Variant", show_answer: bool = False, target=None) -> None:
    """Render a variant for the terminal: prompt, code, image name, and optionally the answer."""
    from rich.panel import Panel
    from rich.syntax import Syntax

    out = target or console
    title = f"{variant.family} · {variant.form} · seed {variant.seed}"
    out.print(Panel(prompt_markup(variant.prompt), title=title, title_align="left", expand=False))
    if variant.code:
        # wrapped, not cropped: a fix card's marker sits at the end of a long line
        out.print(Syntax(variant.code, "python", theme="ansi_dark", background_color="default", word_wrap=True))
    if variant.image is not None:
        out.print(f"[dim](image: {variant.image.name})[/]")
    if show_answer:
        out.print(f"[bold green]Answer:[/] {escape_text(variant.answer_text)}")
        if variant.explanation:
            out.print(f"[dim]{prompt_markup(variant.explanation)}[/]")


def escape_text(text: str) -> str:
    from rich.markup import escape

    return escape(text)
