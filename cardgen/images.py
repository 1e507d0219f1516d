"""Pictures inline in a terminal that has a graphics protocol, through textual-image.

textual-image asks the terminal (once, when first imported; cardgen imports it only when stdin
and stdout are the same real terminal, in the foreground and not tmux or screen: see
:func:`why_not_query`) whether it speaks Sixel (iTerm2 3.5+, WezTerm, foot, xterm -ti vt340,
Windows Terminal...) or kitty's Terminal Graphics Protocol, and draws a PNG with it as a rich renderable. Where
neither answers (a plain terminal, a pipe, a notebook), :func:`inline_image` returns None
and the caller prints the file's path as before. ``CARDGEN_IMAGES=off`` turns it off.
"""
from __future__ import annotations

import io
import os
import sys

MAX_WIDTH = 60  # terminal cells; a picture never takes the whole width


_UNSET = object()
_detected: object = _UNSET  # the terminal is asked once per process


def why_not_query() -> str | None:
    """Why the terminal must not be asked about graphics (None: it may be). The question is an
    escape sequence written to stdout whose answer is read from stdin, so both must be the same
    real terminal; inside tmux or screen the answer would come from the multiplexer (whose
    pictures need passthrough) and a late answer would land at the prompt as garbage."""
    if os.environ.get("CARDGEN_IMAGES", "").strip().lower() in {"0", "off", "no", "false"}:
        return "CARDGEN_IMAGES is off"
    stdin, stdout = sys.__stdin__, sys.__stdout__
    try:
        if stdin is None or stdout is None or not stdin.isatty() or not stdout.isatty():
            return "stdin or stdout is not a terminal"
        if os.path.realpath(os.ttyname(stdin.fileno())) != os.path.realpath(os.ttyname(stdout.fileno())):
            return "stdin and stdout are different terminals"
        if os.tcgetpgrp(stdin.fileno()) != os.getpgrp():  # a background job would be stopped (SIGTTOU)
            return "not the terminal's foreground process"
    except (OSError, ValueError):
        return "stdin or stdout is not a terminal"
    if os.environ.get("TMUX") or os.environ.get("STY") or os.environ.get("TERM", "").startswith(("screen", "tmux")):
        return "inside tmux or screen"
    if os.environ.get("TERM", "dumb") in {"", "dumb", "unknown"}:
        return "TERM names no real terminal"
    return None


def graphics_protocol() -> str | None:
    """``"sixel"`` or ``"kitty"`` when the terminal on stdout draws pictures, else None.
    textual-image asks the terminal when it is first imported (each answer waited for 0.1 s
    at most); that import happens only when :func:`why_not_query` allows it, once per process."""
    global _detected
    if why_not_query() is not None:
        return None
    if _detected is _UNSET:
        _detected = _query()
    return _detected  # type: ignore[return-value]


def _query() -> str | None:
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
