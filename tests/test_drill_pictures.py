"""A picture card in the terminal drill (issue 22, item 5): drawn inline where the terminal
speaks a graphics protocol (textual-image: Sixel here), its PNG saved and its path printed
everywhere; in tmux, with piped input or output the terminal is never asked (no query, no
escape codes) and the path is printed as before. A real ``cardgen drill`` on a pty whose
"terminal" answers the device-attributes query, in real tmux, and through pipes."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import textwrap
import time

import pytest
from _drill_helpers import ANSI, ROOT, drill_env

pytest.importorskip("textual_image")

SCRIPT = '''
import io, sys
from PIL import Image as PILImage
from exercises import Family, Image, Variant, register
from exercises.checking import ShapeCheck

buf = io.BytesIO()
PILImage.new("RGB", (40, 30), "red").save(buf, format="PNG")

def pictured(rng, form, seed):
    n = rng.randint(2, 9)
    return Variant(family="einsum.zz_pictured", form=form, seed=seed, params={"n": n},
                   prompt="What shape does the picture show?", answer=[n], answer_text=f"({n},)",
                   checker=ShapeCheck((n,)), hints=("one axis", "its size"),
                   image=Image(f"zz-pictured-{seed}.png", buf.getvalue()))

register(Family("einsum.zz_pictured", "Pictured", pictured, ("read",)))
from cardgen.cli import main
main(sys.argv[1:])
'''
SIXEL_DA1 = "\x1b[?62;4;22c"  # a VT220-class terminal with Sixel graphics (the 4)
DCS = "\x1bP"  # a Sixel image starts with a device control string


def _script(tmp_path):
    path = tmp_path / "run.py"
    path.write_text(textwrap.dedent(SCRIPT))
    return path


def _argv(tmp_path) -> list[str]:
    return [sys.executable, str(_script(tmp_path)), "drill", "--family", "einsum.zz_pictured", "--limit", "1",
            "--no-override", "--db", str(tmp_path / "drill.sqlite3")]


def _on_pty(tmp_path, da1_reply: str, **env_extra) -> tuple[int, str, int]:
    """The drill on a pty of 80 x 40 cells (10 x 20 pixels each) that answers the device-attributes
    query with ``da1_reply``; ``q`` at the prompt. (exit status, output, queries seen)."""
    env = drill_env(**env_extra)
    for k in ("COLUMNS", "LINES", "NO_COLOR", "CARDGEN_IMAGES"):
        env.pop(k, None)
    if "TMUX" not in env_extra:
        env.pop("TMUX", None)
        env.pop("STY", None)
    env["TERM"] = "xterm-256color"
    argv = _argv(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 800, 800))
            os.chdir(ROOT)
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    out, queries, sent = b"", 0, False
    end = time.monotonic() + 90
    try:
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.5)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child has ended
                break
            if not chunk:
                break
            out += chunk
            while out.count(b"\x1b[c") > queries:
                os.write(fd, da1_reply.encode())
                queries += 1
            if not sent and b"answer> " in out:
                os.write(fd, b"q\n")
                sent = True
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace"), queries


def _saved(tmp_path, text: str) -> None:
    text = ANSI.sub("", text)
    m = re.search(r"image file:\s+(\S+\.png)", text)
    assert m, text
    assert m.group(1).startswith(str(tmp_path / "drill-images"))
    assert (tmp_path / "drill-images" / m.group(1).rsplit("/", 1)[-1]).read_bytes().startswith(b"\x89PNG")


def test_a_sixel_terminal_shows_the_picture_inline(tmp_path):
    code, text, queries = _on_pty(tmp_path, SIXEL_DA1)
    assert code == 0 and "Traceback" not in text, text
    assert queries == 1  # asked once
    card = text[:text.index("answer> ")]
    assert DCS in card and "q" in card.split(DCS, 1)[1][:40]  # a Sixel image, before the prompt
    _saved(tmp_path, text)
    assert "Session: reviewed 0" in ANSI.sub("", text)


def test_inside_tmux_the_terminal_is_never_asked(tmp_path):
    """Even where the outer terminal would answer as a Sixel terminal, a drill inside tmux
    ($TMUX set) sends no query: the answer would come from tmux, late replies would land at
    the prompt as garbage."""
    code, text, queries = _on_pty(tmp_path, SIXEL_DA1, TMUX="/tmp/tmux-0/default,1,0")
    assert code == 0, text
    assert queries == 0 and "\x1b[c" not in text and DCS not in text
    _saved(tmp_path, text)


def test_piped_input_and_output_get_the_path_and_no_escape_codes(tmp_path):
    env = drill_env()
    env.pop("TMUX", None)
    r = subprocess.run(_argv(tmp_path), input="q\n", capture_output=True, text=True, env=env, cwd=ROOT,
                       timeout=90)
    assert (r.returncode, r.stderr) == (0, "")
    assert "\x1b" not in r.stdout
    _saved(tmp_path, r.stdout)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_a_picture_card_in_real_tmux(tmp_path):
    from test_drill_tmux import Tmux

    t = Tmux(_argv(tmp_path), 80, drill_env())
    try:
        t.wait_for(r"answer> ")
        t.type("q")
        t.wait_for(r"EXIT=\d+")
        screen = t.screen()
    finally:
        t.close()
    assert "EXIT=0" in screen, screen
    _saved(tmp_path, screen)
    # nothing but the drill's own text: no reply to a query echoed, no image data
    bad = re.search(r"\[\?[\d;]*c|\x1b|_G", screen)
    assert bad is None, (bad, screen)
