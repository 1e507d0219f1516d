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
