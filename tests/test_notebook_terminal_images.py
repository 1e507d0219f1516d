"""Pictures inline in the terminal (cardgen.images), with textual-image's own detection:
a child runs on a pseudo-terminal that answers the device-attributes query as a Sixel
terminal would (iTerm2, WezTerm, foot...), or as one without graphics."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import termios
import select
import sys
import time

import pytest

from tests._notebook_helpers import ROOT

pytest.importorskip("textual_image")

CHILD = r"""
import io
from PIL import Image
from rich.console import Console
from cardgen.images import graphics_protocol, show_inline

buf = io.BytesIO()
Image.new("RGB", (24, 24), "red").save(buf, format="PNG")
print("PROTOCOL", graphics_protocol(), flush=True)
print("SHOWN", show_inline(Console(), buf.getvalue(), width=10), flush=True)
print("END", flush=True)
"""


def _run_on_pty(da1_reply: str, env_extra: dict[str, str] | None = None, pixels: bool = True) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm-256color", COLUMNS="80", LINES="24")
    for k in ("CARDGEN_IMAGES", "TMUX", "STY"):  # a test run inside tmux: the child is on its own pty
        env.pop(k, None)
    env.update(env_extra or {})
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        if pixels:  # 80 x 24 cells of 10 x 20 pixels, as a graphics terminal reports them
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 800, 480))
        os.execve(sys.executable, [sys.executable, "-c", CHILD], env)
    out = b""
    answered = 0
    end = time.monotonic() + 60
    try:
        while b"END" not in out and time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.5)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            while out.count(b"\x1b[c") > answered:  # a device-attributes query: answer as the terminal
                os.write(fd, da1_reply.encode())
                answered += 1
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return out.decode("utf-8", "replace")


def test_a_sixel_terminal_gets_the_picture_inline():
    out = _run_on_pty("\x1b[?62;4;22c")
    assert "PROTOCOL sixel" in out and "SHOWN True" in out
    assert "\x1bP" in out and "q" in out.split("\x1bP", 1)[1]  # a Sixel image (DCS ... q ...)


def test_a_terminal_that_hides_its_pixel_size_gets_the_path_instead():
    out = _run_on_pty("\x1b[?62;4;22c", pixels=False)
    assert "SHOWN False" in out and "Traceback" not in out and "\x1bP" not in out


def test_a_terminal_without_graphics_gets_none():
    out = _run_on_pty("\x1b[?62;22c")
    assert "PROTOCOL None" in out and "SHOWN False" in out and "\x1bP" not in out


def test_cardgen_images_off():
    out = _run_on_pty("\x1b[?62;4;22c", {"CARDGEN_IMAGES": "off"})
    assert "PROTOCOL None" in out and "\x1bP" not in out
