"""The drill and ``cardgen list`` on a real terminal (tmux) at 80 and 120 columns: a whole
drill (right, wrong, the Socratic answer, ``?``, ``s``, the card asked again, ``q``) driven by
keystrokes, and the screen checked: nothing cut, no word split, a clean exit."""
import re
import shutil
import subprocess
import time
import uuid

import pytest
from _drill_helpers import ROOT, answer_for, cmd, drill_env, wrong_for

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
HEADER = re.compile(r"\[(\d+)/(\d+)\] (\S+) · (\w+) · seed (\d+)( · again)?")


class Tmux:
    def __init__(self, argv: list[str], width: int, env: dict[str, str]):
        self.name = f"cg-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.name]  # a server of its own: no other tmux user can disturb it
        exports = " ".join(f"{k}={_q(v)}" for k, v in env.items() if k in
                           ("PYTHONPATH", "TZ", "CARDGEN_NOW", "CARDGEN_HOME", "PATH", "HOME", "LANG", "LC_ALL"))
        shell = f"cd {_q(str(ROOT))} && env {exports} TERM=xterm-256color {' '.join(map(_q, argv))}; " \
                f"echo EXIT=$?; sleep 60"
        env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}  # the terminal's own size
        subprocess.run([*self.tmux, "-f", "/dev/null", "new-session", "-d", "-s", self.name, "-x", str(width),
                        "-y", "50", shell], check=True, env={**env, "LANG": "C.UTF-8"})
        subprocess.run([*self.tmux, "set-option", "-t", self.name, "history-limit", "5000"], check=True)

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", "-J", "-S", "-", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def rows(self) -> str:  # as displayed, one terminal row per line
        return subprocess.run([*self.tmux, "capture-pane", "-p", "-S", "-", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def wait_for(self, pattern: str, after: int = 0, timeout: float = 90) -> re.Match:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.compile(pattern).search(self.screen(), after)
            if m:
                return m
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} on screen:\n{self.screen()}")

    def type(self, text: str) -> None:
        if text:
            subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "Enter"], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _next(t: Tmux, count: int):
    """Wait for the ``count``-th exercise and its prompt; (family, form, seed, asked again, end)."""
    heads = []
    end = time.monotonic() + 90
    while len(heads) < count:
        heads = list(HEADER.finditer(t.screen()))
        if time.monotonic() > end:
            raise AssertionError(t.screen())
        time.sleep(0.2)
    m = heads[count - 1]
    p = t.wait_for(r"answer> ", m.end())
    return m.group(3), m.group(4), int(m.group(5)), bool(m.group(6)), p.end()


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 120])
def test_a_whole_socratic_drill_on_a_real_terminal(tmp_path, width):
    db = tmp_path / "drill.sqlite3"
    fams = ["--family", "einsum.matmul", "--family", "einsum.transpose", "--family", "einsum.outer"]
    t = Tmux(cmd("drill", *fams, "--form", "write", "--new", "3", "--no-override", "--db", str(db)), width,
             drill_env("2030-01-06T09:00Z"))
    try:
        fam, form, seed, _, at = _next(t, 1)  # right
        t.type(answer_for(fam, form, seed))
        t.wait_for("✓ correct", at)
        fam, form, seed, _, at = _next(t, 2)  # wrong, then the Socratic answer: now right
        missed = fam
        t.type(wrong_for(fam, form, seed))
        t.wait_for(r"think:", at)
        at = t.wait_for(r"again> ", at).end()
        assert "answer: " not in t.screen()[at - 200:]  # kept back until the retry
        t.type(answer_for(fam, form, seed))
        t.wait_for("✓ now right", at)
        fam, form, seed, _, at = _next(t, 3)  # a hint, then skip
        t.type("?")
        t.wait_for(r"hint 1/", at)
        t.type("s")
        t.wait_for("skipped — the answer was:", at)
        fam, form, seed, again, at = _next(t, 4)  # the missed card, asked again (a new variant)
        assert (fam, again) == (missed, True)
        t.type("q")
        t.wait_for(r"EXIT=\d+")
        screen, rows = t.screen(), t.rows()
    finally:
        t.close()
    assert "EXIT=0" in screen, screen
    assert "Session: reviewed 2 · correct 1 (50%) · skipped 1" in screen
    assert "Traceback" not in screen and "terminate called" not in screen
    assert max(len(r) for r in rows.splitlines()) <= width
    # no line was wider than the terminal (capture-pane -J joins a line the terminal wrapped)
    assert [r.rstrip() for r in screen.splitlines()] == [r.rstrip() for r in rows.splitlines()]
    # no word is split across rows: every word of each prompt shown lies within one row
    from rich.text import Text

    from cardgen.console import render_markup
    from exercises import get_family

    (tmp_path / "rows.txt").write_text(rows)  # what the terminal showed, for a failure's reader
    for m in HEADER.finditer(screen):
        v = get_family(m.group(3)).variant(seed=int(m.group(5)), form=m.group(4))
        for word in Text.from_markup(render_markup(v.prompt)).plain.split():
            assert word in rows, (word, rows)


@pytest.mark.parametrize("width", [80, 120])
def test_list_never_cuts_a_family_id(width):
    from exercises import all_families

    r = subprocess.run(cmd("list"), capture_output=True, text=True, env=drill_env(COLUMNS=str(width)), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= width
    ids = set(re.findall(r"│ (\S+\.\S+)", r.stdout))
    assert {f.id for f in all_families()} <= ids
    assert "…" not in r.stdout
