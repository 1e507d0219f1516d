"""Every way a drill ends exits 0 with nothing on stderr, several times each: q, Ctrl-C, Ctrl-D,
the end of piped input and the limit. The variant worker is busy making the next exercises when the
session ends (einops: torch work), which used to abort the process at interpreter exit
("terminate called without an active exception", exit 134)."""
import os
import subprocess

import pytest
from _drill_helpers import ROOT, cmd, drill_env, spawn_pty

# 4 runs of each ending in the suite (20 drills); CARDGEN_ENDING_RUNS=20 makes it the stress
# test of the fix for the abort (before it, `--topic einops` aborted in 1 to 2 runs of 4).
RUNS = int(os.environ.get("CARDGEN_ENDING_RUNS", "4"))
ARGS = ["drill", "--topic", "einops", "--no-override"]


def _piped(tmp_path, name: str, stdin: str, extra=()) -> list[subprocess.CompletedProcess]:
    """RUNS drills at once on their own stores, ``stdin`` piped to each."""
    procs = []
    for i in range(RUNS):
        db = tmp_path / f"{name}{i}.sqlite3"
        procs.append(subprocess.Popen(cmd(*ARGS, "--db", str(db), *extra), stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env=drill_env(), cwd=ROOT))
    done = []
    for p in procs:
        out, err = p.communicate(stdin, timeout=300)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


@pytest.mark.slow
@pytest.mark.parametrize("ending, stdin, extra, said", [
    ("q", "q\n", (), "Session: reviewed 0"),
    ("eof", "", (), "end of input"),
    ("limit", "?\n?\ns\n", ("--limit", "1"), "skipped 1"),
])
def test_piped_endings_exit_0_quietly(tmp_path, ending, stdin, extra, said):
    for r in _piped(tmp_path, ending, stdin, extra):
        assert (r.returncode, r.stderr) == (0, ""), (ending, r.returncode, r.stderr)
        assert said in r.stdout


@pytest.mark.slow
@pytest.mark.parametrize("key, said", [(b"\x03", "interrupted"), (b"\x04", "end of input")])
def test_terminal_endings_exit_0_quietly(tmp_path, key, said):
    for i in range(RUNS):
        d = spawn_pty([*ARGS, "--db", str(tmp_path / f"t{i}.sqlite3")])
        try:
            d.next_exercise()
            d.wait_blocked_on_input()
            d.send_raw(key)
            d.expect(said)
            assert d.wait() == 0, d.text
        finally:
            d.close()
        assert "terminate called" not in d.text and "Traceback" not in d.text


STARTUP_RUNS = 2


def _spawn_pty_stderr_apart(args: list[str]):
    """``cardgen ARGS`` with the pty as its terminal (stdin, stdout, Ctrl-C) and stderr a pipe of its own."""
    import os
    import pty

    r, w = os.pipe()
    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.dup2(w, 2)
            os.chdir(ROOT)
            os.execve(cmd(*args)[0], cmd(*args), drill_env())
        finally:
            os._exit(127)
    os.close(w)
    return pid, master, r


def _read_all(fd: int, pid: int, timeout: float = 30) -> str:
    import os
    import select
    import time

    out, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["_sqlite3", "_hashlib", "store"])
def test_ctrl_c_while_the_drill_starts_is_one_line_and_exit_0(tmp_path, moment):
    """Ctrl-C before the first exercise: the start-up line on stdout and exit 0 (it used to be
    click's "Aborted!" and exit 1, or a traceback from inside an import). The moments, seen in
    /proc/PID/maps: ``_sqlite3`` is loaded while the drill command is being imported, ``_hashlib``
    while the exercise registry is; ``store``: the store file was just created (then the
    session may already have taken over: its own "interrupted" ending is right too)."""
    import os
    import time
    from pathlib import Path

    from _drill_helpers import ANSI

    from cardgen.drill.startup import MESSAGE

    for i in range(STARTUP_RUNS):
        db = tmp_path / f"s{i}.sqlite3"
        pid, master, err_fd = _spawn_pty_stderr_apart([*ARGS, "--db", str(db)])
        try:
            end = time.monotonic() + 120
            while time.monotonic() < end:  # wait for the moment, then press Ctrl-C at once
                if moment == "store":
                    if db.exists():
                        break
                else:
                    try:  # (the forked child is this process's copy until it has exec'd cardgen)
                        if b"cardgen" in Path(f"/proc/{pid}/cmdline").read_bytes() and \
                                f"/{moment}." in Path(f"/proc/{pid}/maps").read_text():
                            break
                    except OSError:
                        pass
                time.sleep(0.002)
            else:
                raise AssertionError(f"never reached: {moment}")
            os.write(master, b"\x03")
            out = ANSI.sub("", _read_all(master, pid))
            stop = time.monotonic() + 10
            while not (done := os.waitpid(pid, os.WNOHANG))[0] and time.monotonic() < stop:
                time.sleep(0.02)
            status = done[1]
            if not done[0]:  # still running: the Ctrl-C was lost or ignored
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                raise AssertionError(f"the drill went on after Ctrl-C ({moment}):\n{out}")
            err = os.read(err_fd, 65536).decode()
        finally:
            os.close(master)
            os.close(err_fd)
        assert (os.waitstatus_to_exitcode(status), err) == (0, ""), (moment, status, err, out)
        assert "Traceback" not in out and "Aborted" not in out
        said = [ln.strip() for ln in out.splitlines() if ln.strip() and ln.strip() != "^C"]
        if moment != "store":
            assert said == [MESSAGE], out
        else:
            assert said == [MESSAGE] or "interrupted — every answered exercise is saved" in out, out
