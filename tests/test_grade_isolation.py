"""What a solution must not reach, tried for real: each attack is a solution file graded by the
real CLI in a real subprocess, against real listeners, files, IPC objects and processes.

Strong level (Linux): sockets of any family, files outside the sandbox (a secret in HOME,
/etc/shadow, the project's reference code, the case cache, the grader's environment),
metadata of a canary file, SysV IPC, processes. Basic level: a fork + setsid daemon must not
outlive grading, and a rewritten case cache must not change a later verdict.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _grade_helpers import REPO, by_function, cardgen, landlock_abi, validate_exercism

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the strong level is Linux only")
needs_landlock = pytest.mark.skipif(landlock_abi() < 1, reason="the strong level's file walls need Landlock")

ATTACKS = '''
import ctypes, os, socket
LEAKS, BLOCKED, DONE = [], [], []


def attempt(name, fn):
    try:
        fn()
        LEAKS.append(name)
    except Exception:
        BLOCKED.append(name)


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"leak", ("127.0.0.1", UDP_PORT))


def unix():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(UNIX_PATH)
    s.sendall(b"leak")


def pair():
    socket.socketpair()


def sysv(fn, *args):
    def go():
        if getattr(ctypes.CDLL(None), fn)(*args) < 0:
            raise OSError(fn)
    return go


def unix_dgram():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"leak", UNIX_DGRAM)


def netlink():
    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)


def raw_syscall(nr, *args):
    """A system call by number (what a solution would do to get around the socket module)."""
    def go():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        if libc.syscall(nr, *args) < 0:
            raise OSError(ctypes.get_errno(), "refused")
    return go


IO_URING_PARAMS = ctypes.create_string_buffer(120)


def prlimit_parent():
    import resource
    resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE, (3, 3))


def fork():
    if os.fork() == 0:
        os._exit(0)


def attack_all():
    attempt("udp", udp)
    attempt("unix", unix)
    attempt("socketpair", pair)
    attempt("secret", lambda: open(SECRET).read())
    attempt("shadow", lambda: open("/etc/shadow").read())
    attempt("reference", lambda: open(REFERENCE).read())
    attempt("import_exercises", lambda: __import__("exercises.superposition.forward"))
    attempt("import_core", lambda: __import__("superpos_core"))
    attempt("cache_list", lambda: os.listdir(CACHE))
    attempt("environ", lambda: open(f"/proc/{os.getppid()}/environ").read())
    attempt("chmod", lambda: os.chmod(CANARY, 0o777))
    attempt("utime", lambda: os.utime(CANARY, (0, 0)))
    attempt("setxattr", lambda: os.setxattr(CANARY, "user.cardgen", b"pwned"))
    attempt("shmget", sysv("shmget", 0, 4096, 0o1000 | 0o600))
    attempt("msgget", sysv("msgget", 0, 0o1000 | 0o600))
    attempt("semget", sysv("semget", 0, 1, 0o1000 | 0o600))
    attempt("fork", fork)
    attempt("signal_parent", lambda: os.kill(os.getppid(), 0))
    attempt("unix_dgram", unix_dgram)
    attempt("netlink", netlink)
    attempt("io_uring", raw_syscall(425, 8, IO_URING_PARAMS))  # io_uring_setup: IORING_OP_SOCKET's way in
    attempt("socket_by_number", raw_syscall(41, 2, 2, 0))  # socket(AF_INET, SOCK_DGRAM) without the module
    attempt("prlimit_parent", prlimit_parent)
    attempt("add_key", raw_syscall(248, b"user", b"cardgen-leak", b"secret", 6, ctypes.c_long(-3)))
    attempt("keyctl", raw_syscall(250, 0, ctypes.c_long(-3), 1))  # KEYCTL_GET_KEYRING_ID, session
    attempt("stat_cache", lambda: os.stat(CACHE))
    attempt("stat_reference", lambda: os.stat(REFERENCE))
    half = torch.ones(4, 4, dtype=torch.half) @ torch.ones(4, 4, dtype=torch.half)  # needs /proc/cpuinfo
    if float(half[0, 0]) != 4.0:
        LEAKS.append("half_precision_broken")


def batched_matmul(a, b):
    if not DONE:
        DONE.append(1)
        attack_all()
        print(f"blocked={len(BLOCKED)} leaks={LEAKS}")
    return torch.einsum("bik,bkj->bij", a, b)
'''
N_ATTACKS = ATTACKS.count('attempt("')


def _ipcs() -> str | None:
    if shutil.which("ipcs") is None:
        return None
    return subprocess.run(["ipcs"], capture_output=True, text=True).stdout


class Targets:
    """A UDP and a Unix-socket listener, a canary file with a mode, mtime and xattr, a secret
    in HOME, an empty case cache, and `ipcs` as it was: all checked after the grading."""

    def __init__(self, tmp_path: Path):
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.secret = self.home / "secret.txt"
        self.secret.write_text("hunter2-secret")
        self.canary = tmp_path / "canary.txt"
        self.canary.write_text("canary")
        os.chmod(self.canary, 0o640)
        os.utime(self.canary, (1_000_000_000, 1_000_000_000))
        try:
            os.setxattr(self.canary, "user.cardgen", b"original")
            self.has_xattr = True
        except OSError:  # a file system without user xattrs: mode and mtime still count
            self.has_xattr = False
        self.before = os.stat(self.canary)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.unix_path = str(tmp_path / "listener.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen(1)
        self.unix.setblocking(False)
        self.unix_dgram_path = str(tmp_path / "listener-dgram.sock")
        self.unix_dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.unix_dgram.bind(self.unix_dgram_path)
        self.unix_dgram.setblocking(False)
        self.cache = tmp_path / "cache"
        (self.cache / "grade-cases").mkdir(parents=True)
        self.ipcs = _ipcs()
        self.solution = tmp_path / "attacker.py"
        self.solution.write_text(
            "# cardgen: einsum.batched_matmul seed=0\nimport torch\n"
            f"UDP_PORT = {self.udp.getsockname()[1]}\nUNIX_PATH = {self.unix_path!r}\nSECRET = {str(self.secret)!r}\n"
            f"UNIX_DGRAM = {self.unix_dgram_path!r}\n"
            f"REFERENCE = {str(REPO / 'exercises' / 'superposition' / 'forward.py')!r}\n"
            f"CACHE = {str(self.cache / 'grade-cases')!r}\nCANARY = {str(self.canary)!r}\n" + ATTACKS
        )

    def check(self, output: str) -> None:
        assert f"blocked={N_ATTACKS} leaks=[]" in output, output
        assert "hunter2" not in output
        with pytest.raises(BlockingIOError):
            self.udp.recv(100)
        with pytest.raises(BlockingIOError):
            self.unix.accept()
        with pytest.raises(BlockingIOError):
            self.unix_dgram.recv(100)
        after = os.stat(self.canary)
        assert (after.st_mode, after.st_mtime_ns) == (self.before.st_mode, self.before.st_mtime_ns)
        if self.has_xattr:
            assert os.getxattr(self.canary, "user.cardgen") == b"original"
        if self.ipcs is not None:
            assert _ipcs() == self.ipcs


@needs_landlock
def test_nothing_leaves_the_strong_sandbox(tmp_path):
    t = Targets(tmp_path)
    r = cardgen("grade", str(t.solution), "--json", cwd=tmp_path,
                env={"HOME": str(t.home), "CARDGEN_CACHE": str(t.cache)})
    doc = r.json()
    validate_exercism(doc)
    res = by_function(doc)["batched_matmul"]
    assert res["status"] == "pass", res  # it is a right answer: the attacks were merely refused
    t.check(res["output"])
    assert "hunter2" not in r.out + r.err
    text = cardgen("grade", str(t.solution), cwd=tmp_path, env={"HOME": str(t.home), "CARDGEN_CACHE": str(t.cache)})
    assert "note:" not in text.out  # every layer was in force (this runner is Linux with Landlock)


@needs_landlock
def test_nothing_leaves_a_child_forked_by_the_watch_template(tmp_path, monkeypatch):
    """--watch forks its children from a template that has imported torch: same walls."""
    from cardgen.grade.grader import grade_file
    from cardgen.grade.sandbox import Template

    t = Targets(tmp_path)
    monkeypatch.setenv("CARDGEN_CACHE", str(t.cache))
    template = Template()
    try:
        assert template.ready(timeout=120)
        report = grade_file(t.solution, template=template)
    finally:
        template.close()
    f = report.functions[0]
    assert f.status == "pass", report.text()
    t.check(f.output)
    assert report.notes == []
    assert report.sandbox["forked"] and report.sandbox["landlock"] and report.sandbox["read_only_mounts"]


DAEMON = '''
import json, os, time
import torch
STARTED = []


def _daemon():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            with open(PIDFILE, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(120)
        os._exit(0)
    os.waitpid(pid, 0)
    for _ in range(100):
        if os.path.exists(PIDFILE) and open(PIDFILE).read():
            break
        time.sleep(0.02)


def _rewrite_cache():
    """Finds the cache through the grader's environment, sets every expected value to zeros
    and signs the entries again with the cache's own key (readable at this level); then puts
    a FIFO where the key was, which would block a grader that opened it."""
    import base64, hashlib, hmac
    env = open(f"/proc/{os.getppid()}/environ", "rb").read().split(b"\\0")
    cache = dict(e.decode().split("=", 1) for e in env if b"=" in e)["CARDGEN_CACHE"]
    folder = os.path.join(cache, "grade-cases")
    key = open(os.path.join(folder, ".hmac-key"), "rb").read()
    n = 0
    for name in os.listdir(folder):
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        mac, _, body = open(path, "rb").read().partition(b"\\n")
        data = json.loads(body)
        for e in data["expected"]:
            if e["t"] == "array":
                e["data"] = base64.b64encode(bytes(len(base64.b64decode(e["data"])))).decode()
            elif e["t"] == "num":
                e["v"] = 0.0
        body = json.dumps(data).encode()
        mac = hmac.new(key, name[:-5].encode() + b"\\0" + body, hashlib.sha256).hexdigest().encode()
        open(path, "wb").write(mac + b"\\n" + body)
        n += 1
    os.unlink(os.path.join(folder, ".hmac-key"))
    os.mkfifo(os.path.join(folder, ".hmac-key"))
    open(RESIGNED, "w").write(str(n))


def batched_matmul(a, b):
    if not STARTED:
        STARTED.append(1)
        _daemon()
        _rewrite_cache()
    return torch.zeros(a.shape[0], a.shape[1], b.shape[2])


def cosine_decay_lr(step, steps):
    return 0.0
'''

ZEROS = '''# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.cosine_decay_lr seed=0
import math
import torch


def batched_matmul(a, b):
    return torch.zeros(a.shape[0], a.shape[1], b.shape[2])


def cosine_decay_lr(step, steps):
    return math.cos(0.5 * math.pi * step / (steps - 1))
'''


@pytest.mark.slow
@linux_only
def test_basic_level_daemon_dies_and_a_rewritten_cache_changes_no_verdict(tmp_path):
    """A real basic-level run that re-signs the case cache with its own key and leaves a FIFO
    in the key's place, then a real strong run: same verdicts as before, no hang, because the
    grader discards a cache that graded code could reach."""
    cache = tmp_path / "cache"
    env = {"CARDGEN_CACHE": str(cache)}
    zeros = tmp_path / "zeros.py"
    zeros.write_text(ZEROS)
    first = cardgen("grade", str(zeros), "--json", cwd=tmp_path, env=env)  # strong: fills the cache
    t = by_function(first.json())
    assert t["batched_matmul"]["status"] == "fail" and t["cosine_decay_lr"]["status"] == "pass"
    assert len(list((cache / "grade-cases").glob("*.json"))) == 2

    pidfile, resigned = tmp_path / "daemon.pid", tmp_path / "resigned.txt"
    attacker = tmp_path / "attacker.py"
    attacker.write_text("# cardgen: einsum.batched_matmul seed=0\n# cardgen: superposition.cosine_decay_lr seed=0\n"
                        f"PIDFILE = {str(pidfile)!r}\nRESIGNED = {str(resigned)!r}\n" + DAEMON)
    r = cardgen("grade", str(attacker), cwd=tmp_path, env={**env, "CARDGEN_GRADE_SANDBOX": "basic"})
    assert r.rc == 1 and "FAIL  batched_matmul" in r.out, r.out + r.err
    assert "note: sandbox level basic" in r.out and "not used" in r.out  # one line says what is not contained
    pid = int(pidfile.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists(), "the fork + setsid daemon outlived the grading"
    assert resigned.read_text() == "2"  # the attack did re-sign both entries...
    assert not (cache / "grade-cases").exists()  # ...and the grader discarded what it could reach

    again = cardgen("grade", str(zeros), cwd=tmp_path, env=env, timeout=120)
    assert "FAIL  batched_matmul" in again.out, again.out + again.err  # a zeros answer still fails
    assert "PASS  cosine_decay_lr" in again.out  # and a right one still passes
    assert len(list((cache / "grade-cases").glob("*.json"))) == 2  # computed afresh, under a new key


def test_a_fifo_or_link_in_the_cache_never_blocks_the_grader(tmp_path, monkeypatch):
    """Were the discard to fail, a FIFO in place of the key or of an entry is refused, not read."""
    import threading

    from cardgen.grade import cases

    monkeypatch.setenv("CARDGEN_CACHE", str(tmp_path))
    folder = tmp_path / "grade-cases"
    folder.mkdir()
    os.mkfifo(folder / ".hmac-key")
    os.mkfifo(folder / "grade-cases-x.json")
    result = []
    worker = threading.Thread(target=lambda: result.append(cases.read_entry("grade-cases-x")), daemon=True)
    worker.start()
    worker.join(10)
    assert result == [(None, False)]
    assert (folder / ".hmac-key").is_file() and len((folder / ".hmac-key").read_bytes()) == 64  # a new key
    assert cases.discard_all() and not folder.exists()


# ------------------------------------------------------------------ the channel


FORGER = '''# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.cosine_decay_lr seed=0
"""Finds the run's token (through gc) and writes records meant to crash the grader."""
import gc, json, os
import torch


def _forge(record):
    for obj in gc.get_objects():
        if type(obj).__name__ == "Channel" and getattr(obj, "token", ""):
            os.write(obj.fd, (json.dumps({**record, "token": obj.token}) + "\\n").encode())
            return


def batched_matmul(a, b):
    _forge(RECORD)
    return torch.einsum("bik,bkj->bij", a, b)


def cosine_decay_lr(step, steps):
    return 1.0
'''

FORGED = {
    "load_error": {"ev": "load_error", "error": "not a dict"},
    "missing": {"ev": "missing", "fn": 1, "defined": 5},
    "result": {"ev": "result", "fn": 0, "case": 0, "value": {"t": "num", "v": 1}, "output": 7},
    "raised": {"ev": "raised", "fn": 0, "case": 0, "error": {"type": 1, "frames": "x"}},
    "unknown": {"ev": "teapot"},
}


def test_forged_records_with_the_real_token_are_a_clean_channel_error(tmp_path):
    sol = tmp_path / "forger.py"
    sol.write_text(FORGER.replace("RECORD)", f"{FORGED['load_error']!r})", 1))
    r = cardgen("grade", str(sol), "--json", cwd=tmp_path)
    assert r.rc == 1 and "Traceback" not in r.err, r.err
    doc = r.json()
    validate_exercism(doc)
    assert doc["status"] == "error" and doc["message"].startswith("the grading channel broke"), doc["message"]


@pytest.mark.parametrize("kind", sorted(FORGED))
def test_every_malformed_record_is_a_protocol_error(kind):
    """In-process: each record above, after a valid start, is refused by _Run field by field."""
    from cardgen.grade.grader import _Run
    from cardgen.grade.sandbox import Outcome
    from cardgen.grade.wire import ProtocolError

    events = [{"ev": "started"}, {"ev": "loaded", "output": ""}, {"ev": "call", "fn": 0, "case": 0},
              FORGED[kind]]
    outcome = Outcome(events, 0, None, "", {}, None, 0.0, 0.0)
    with pytest.raises(ProtocolError):
        _Run(outcome, [24, 24])


def test_a_result_for_a_case_not_being_run_is_refused():
    from cardgen.grade.grader import _Run
    from cardgen.grade.sandbox import Outcome
    from cardgen.grade.wire import ProtocolError

    ok = {"ev": "result", "fn": 0, "case": 3, "value": {"t": "none"}, "output": "", "mutated": []}
    outcome = Outcome([{"ev": "started"}, {"ev": "call", "fn": 0, "case": 2}, ok], 0, None, "", {}, None, 0.0, 0.0)
    with pytest.raises(ProtocolError, match="not being run"):
        _Run(outcome, [24])
    outcome.events[1] = {"ev": "call", "fn": 0, "case": 3}
    assert _Run(outcome, [24]).results[(0, 3)]["ev"] == "result"


def test_the_cache_detects_a_changed_entry(tmp_path, monkeypatch):
    from cardgen.grade import cases

    monkeypatch.setenv("CARDGEN_CACHE", str(tmp_path))
    cases.write_entry("grade-cases-x", {"expected": [1.0]})
    assert cases.read_entry("grade-cases-x") == ({"expected": [1.0]}, False)
    path = tmp_path / "grade-cases" / "grade-cases-x.json"
    mac, _, body = path.read_bytes().partition(b"\n")
    path.write_bytes(mac + b"\n" + body.replace(b"1.0", b"0.0"))
    assert cases.read_entry("grade-cases-x") == (None, True)
    assert (tmp_path / "grade-cases" / ".hmac-key").stat().st_mode & 0o077 == 0
    assert "hmac" not in json.dumps(dict(os.environ)).lower()


def test_off_linux_one_line_says_what_is_not_contained(monkeypatch):
    from cardgen.grade import grader, sandbox

    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.delenv("CARDGEN_GRADE_SANDBOX", raising=False)
    assert sandbox.sandbox_level() == "basic"
    (note,) = grader._notes(None, "basic")
    assert note.startswith("sandbox level basic (not Linux: darwin)")
    assert "file and network access" in note and "case cache is not used" in note
    lacking = sandbox.Outcome([], 0, None, "", {"seccomp": True, "landlock": ""}, None, 0.0, 0.0)
    (gap,) = grader._notes(lacking, "strong")  # a Linux without Landlock says so too
    assert "could not enable Landlock" in gap and "read-only mounts" in gap
