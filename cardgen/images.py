"""Pictures inline in a terminal that has a graphics protocol, through textual-image.

textual-image asks the terminal (once, when first imported, only when stdout is a terminal)
whether it speaks Sixel (iTerm2 3.5+, WezTerm, foot, xterm -ti vt340, Windows Terminal...)
or kitty's Terminal Graphics Protocol, and draws a PNG with it as a rich renderable. Where
neither answers (a plain terminal, a pipe, a notebook), :func:`inline_image` returns None
and the caller prints the file's path as before. ``CARDGEN_IMAGES=off`` turns it off.
"""
from __future__ import annotations

import io
import os
import sys

MAX_WIDTH = 60  # terminal cells; a picture never takes the whole width


def graphics_protocol() -> str | None:
    """``"sixel"`` or ``"kitty"`` when the terminal on stdout draws pictures, else None."""
    if os.environ.get("CARDGEN_IMAGES", "").strip().lower() in {"0", "off", "no", "false"}:
        return None
    stdout = sys.__stdout__
    if stdout is None or not stdout.isatty():
        return None
    try:
        from textual_image import renderable as r
    except Exception:  # noqa: BLE001 - not installed, or the terminal query failed: print the path
        return None
    if r.Image is r.SixelImage:
        return "sixel"
    if r.Image is r.TGPImage:
        return "kitty"
    return None  # half-block approximations are too coarse to read a plot from


def inline_image(data: bytes, width: int = MAX_WIDTH):
    """A rich renderable that draws the PNG ``data`` inline, or None (then print the path)."""
    if graphics_protocol() is None:
        return None
    from textual_image.renderable import Image

    try:
        return Image(io.BytesIO(data), width=min(width, MAX_WIDTH), height="auto")
    except Exception:  # noqa: BLE001 - an unreadable image is no reason to stop a drill
        return None


def show_inline(console, data: bytes, width: int = MAX_WIDTH) -> bool:
    """Draw the PNG on the rich ``console`` where the terminal has a graphics protocol.
    False (and nothing written) elsewhere or when drawing fails (a terminal that reports no
    pixel size, say): the caller then prints the file's path."""
    img = inline_image(data, width)
    if img is None:
        return False
    try:
        rendered = console.render_lines(img, console.options.update(width=min(width, console.width)), pad=False)
    except Exception:  # noqa: BLE001 - rendered before anything is written, so a failure shows nothing
        return False
    from rich.segment import Segment

    console.print(_Lines(rendered, Segment))
    return True


class _Lines:
    """Lines of segments already rendered, printed as they are."""

    def __init__(self, lines, segment_type):
        self.lines = lines
        self._segment = segment_type

    def __rich_console__(self, console, options):
        for line in self.lines:
            yield from line
            yield self._segment.line()
