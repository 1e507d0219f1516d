"""Run untrusted learner code in a locked-down child process and collect what it returned.

Why each layer (tests/test_grade_sandbox.py and tests/test_grade_isolation.py attack each):

* A child process in its own session, started as ``python -I`` (no user site, no ``PYTHON*``
  variables) with a scrubbed environment and a private temp directory that is its cwd,
  ``HOME`` and ``TMPDIR`` (the one place it may write), and single-threaded BLAS.
* Wall-clock limits enforced by the parent: a set-up allowance for importing torch, then
  ``timeout`` seconds for each function; afterwards the whole process group is killed, and
  on Linux every process that descends from the child (we are a subreaper, so even a
  fork + setsid daemon is re-parented to us and found): nothing outlives grading.
* Resource limits (set by the child, never above the hard limits): CPU time, address space
  (``import torch`` needs ~0.65 GB of it), file size, open files, core dumps off, and the
  number of processes for non-root users.
* At the strong level (Linux) the child (``child.py``) also gets read-only mounts and an IPC
  namespace, then no capabilities, no new privileges, Landlock with a read allow-list
  (``allow_list``: the interpreter's library and each installed distribution except this
  project's own, so neither the reference implementations nor the case cache are readable)
  and seccomp (no processes, sockets, SysV IPC or signals to others).

The child reports on a pipe the parent opened (JSON lines with a per-run token) and the parent
validates every record (``grader._Run``, ``wire.decode``): nothing it sends is ever unpickled
or executed, and a malformed or forged record is "the grading channel broke", never a crash.
``Template`` is the ``--watch`` fork server: one process that has imported torch, forking
a fresh child per grading.
"""
from __future__ import annotations

import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cardgen.grade.fsutil import remove_tree
from cardgen.grade.wire import ProtocolError

CHILD = Path(__file__).with_name("child.py")
WIRE = Path(__file__).with_name("wire.py")

MAX_RECORD = 32 << 20  # bytes in one line from the child
MAX_TOTAL = 128 << 20  # bytes from the child in all
RAW_OUTPUT_CAP = 64 << 10  # bytes of the child's stdout/stderr kept


def default_memory() -> int:
    """Address-space limit: 4 GiB, or half the RAM on small machines, never under 2 GiB."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 << 30
    return int(min(4 << 30, max(2 << 30, ram // 2)))


def _user_tasks() -> int:
    """Tasks (threads included) of this user: RLIMIT_NPROC counts them all, not just ours."""
    uid, n = os.getuid(), 0
    try:
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    st = os.stat(f"/proc/{pid}")
                    if st.st_uid == uid:
                        n += len(os.listdir(f"/proc/{pid}/task"))
                except OSError:
                    pass
    except OSError:
        return 512
    return n


@dataclass
class Limits:
    timeout: float = 10.0  # seconds of wall clock for each function of the learner's (all its cases)
    setup_timeout: float = 90.0  # seconds to start Python and import torch in the child
    memory: int = field(default_factory=default_memory)
    fsize: int = 1 << 20
    nofile: int = 256
    extra_processes: int = 64  # over the user's current count, for non-root users


@dataclass
class Outcome:
    """What happened in the child, as the parent saw it."""

    events: list[dict[str, Any]]
    returncode: int | None
    timed_out: str | None  # "setup" or "run" when a wall-clock limit fired
    output: str  # the child's raw stdout/stderr (C-level prints), truncated
    sandbox: dict[str, Any]
    protocol_error: str | None
    run_seconds: float  # learner time: from "started" to the end
    total_seconds: float
    killed_by_grader: bool = False  # still running when the grader stopped it (its signal says nothing)
    peak_memory: int | None = None  # bytes (Linux: VmHWM just before the end), to explain a timeout

    @property
    def signal_name(self) -> str | None:
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None


def _peak_memory(pid: int) -> int | None:
    """The process's peak resident memory in bytes (Linux), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


_subreaper = False


def _become_subreaper() -> None:
    """Linux: orphans of the child (a daemon's, a fork bomb's) are re-parented to us, so we
    can find and kill them; without this, fork + setsid would outlive the grading."""
    global _subreaper
    if _subreaper or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        _subreaper = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):  # pragma: no cover
        pass


def _proc_table() -> dict[int, tuple[int, int, bytes]]:
    """pid -> (parent pid, start time in clock ticks, state), from /proc (Linux)."""
    table = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return table
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            fields = stat[stat.rindex(b")") + 2:].split()
            table[pid] = (int(fields[1]), int(fields[19]), fields[0])
        except (OSError, ValueError, IndexError):
            pass
    return table


def _now_ticks() -> int:
    """Clock ticks since boot (the unit of a process's start time in /proc/PID/stat)."""
    try:
        with open("/proc/uptime") as f:
            return int(float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK")) - 1
    except (OSError, ValueError, IndexError):
        return 0


_live_children: set[int] = set()  # sandboxes and templates of this process, never killed as strays


def kill_descendants(root: int, since: int) -> int:
    """SIGKILL every process descending from ``root``, and every stray re-parented to us (we
    are a subreaper) that started after tick ``since``, until none is left; reaps ours.
    Returns how many were killed."""
    if not sys.platform.startswith("linux"):
        return 0
    me, killed, quiet = os.getpid(), 0, 0
    for _ in range(300):
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        doomed, todo = set(), [root]
        todo += [p for p in children.get(me, ()) if p not in _live_children and p != root and table[p][1] >= since]
        while todo:
            pid = todo.pop()
            if pid in doomed:
                continue
            if pid != root:
                doomed.add(pid)
            todo += children.get(pid, [])
        for pid in [p for p in doomed if table[p][2] == b"Z"]:
            doomed.discard(pid)
            if table[pid][0] == me:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
        if not doomed:
            quiet += 1
            if quiet >= 2:
                break
            time.sleep(0.005)
            continue
        quiet = 0
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.002)
    return killed


def sandbox_level() -> str:
    """'strong' on Linux (namespaces, seccomp, Landlock), 'basic' elsewhere or when forced."""
    forced = os.environ.get("CARDGEN_GRADE_SANDBOX", "").strip().lower()
    if forced in {"basic", "strong"}:
        return forced
    return "strong" if sys.platform.startswith("linux") else "basic"


def child_env(workdir: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "USER": "learner",  # getpass.getuser() (torch.compile's cache dir) without reading /etc/passwd
        "LOGNAME": "learner",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed by OpenBLAS on some CPUs
        if key in os.environ:
            env[key] = os.environ[key]
    return env


OWN_PACKAGES = ("cardgen", "exercises", "superpos_core")


def _package_dirs(name: str) -> list[Path]:
    """Where the import system finds top-level package ``name`` (real paths; nothing imported)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    locs = list(spec.submodule_search_locations or ()) or ([os.path.dirname(spec.origin)] if spec.origin else [])
    return [Path(p).resolve() for p in locs if p]


def _is_own_entry(name: str) -> bool:
    """This project's metadata and editable-install hooks in a site directory."""
    low = name.lower()
    return (low.startswith("__editable__") and "cardgen" in low) or (
        low.split("-")[0].split(".")[0] == "cardgen" and low.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")))


def _cache_dir() -> str:
    try:
        from exercises.cache import cache_dir

        return str(cache_dir().expanduser().resolve())
    except Exception:  # noqa: BLE001 - no cache dir is fine: nothing to hide
        return ""


def protected_paths(cache: str) -> list[Path]:
    """What graded code must neither read nor even see: this project's packages wherever they
    are installed (their real paths) and the cache (case answers and their key)."""
    out: list[Path] = []
    for name in OWN_PACKAGES:
        out += _package_dirs(name)
    if cache:
        out.append(Path(cache))
    return list(dict.fromkeys(out))


def _interpreter_paths() -> list[Path]:
    """The import path the child's ``python -I`` gets: the interpreter's library dirs and site
    directories (with their .pth additions), without the script dir and PYTHONPATH."""
    import site
    import sysconfig

    paths = [sysconfig.get_paths().get("stdlib")]
    paths += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    env = set() if sys.flags.ignore_environment else set(filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    first = 0 if (sys.flags.isolated or getattr(sys.flags, "safe_path", False)) else 1
    paths += [p for p in sys.path[first:] if p and p not in env]
    out = []
    for p in paths:
        if not p:
            continue
        try:
            rp = Path(p).resolve()
        except OSError:
            continue
        if rp.is_dir():
            out.append(rp)
    return list(dict.fromkeys(out))


def _library_homes() -> list[Path]:
    """The import-path entries that hold numpy, torch and einops (wherever they were installed)."""
    out = []
    for name in ("numpy", "torch", "einops"):
        for d in _package_dirs(name):
            out.append(d.parent)
    return out


def _under(p: Path, base: Path) -> bool:
    return p == base or base in p.parents


def allow_list() -> dict[str, list[str]]:
    return _allow_list(_cache_dir())


@lru_cache(maxsize=4)
def _allow_list(cache: str) -> dict[str, list[str]]:
    """What the strong child may read, derived from where modules really are: the interpreter's
    library dirs, its site directories, numpy's, torch's and einops' own homes, the system's
    shared libraries. A directory that holds something protected (this project's packages,
    however installed; the cache; a site directory this interpreter does not use, such as the
    base interpreter's behind a venv) is opened up entry by entry around it (Landlock only
    allows, so a whole directory would let it through)."""
    roots = _interpreter_paths() + _library_homes()
    if cache:  # a cache dir set to a folder that holds libraries or the temp dir (CARDGEN_CACHE=~):
        c = Path(cache)  # hide only the grader's own part of it, never what the child needs
        tmp = Path(tempfile.gettempdir()).resolve()
        if c == Path(c.anchor) or any(_under(r, c) for r in roots) or _under(tmp, c):
            cache = str(c / "grade-cases")
    protected = protected_paths(cache)
    site_dirs = set(roots)
    foreign = []
    for r in roots:
        for pattern in ("site-packages", "dist-packages", "python3*/site-packages", "python3*/dist-packages"):
            for cand in r.glob(pattern):
                try:
                    cand = cand.resolve()
                except OSError:
                    continue
                if cand not in site_dirs:
                    foreign.append(cand)
    own = []
    for r in site_dirs:
        try:
            own += [r / n for n in os.listdir(r) if _is_own_entry(n)]
        except OSError:
            pass
    excluded = protected + foreign + own
    # An editable install's source tree: its packages are excluded above, the rest (tests with
    # solutions, notes) is no library either, so a root that is the tree itself is skipped.
    sources = {d.parent for name in OWN_PACKAGES for d in _package_dirs(name) if (d.parent / "pyproject.toml").is_file()}
    read_dirs: list[str] = []
    list_dirs: list[str] = []
    read_files: list[str] = []
    seen: set[Path] = set()

    def add(p: Path, depth: int = 0) -> None:
        try:
            rp = p.resolve()
        except OSError:
            return
        if rp in seen or rp in sources or not rp.exists() or depth > 8:
            return
        seen.add(rp)
        if any(_under(rp, e) for e in excluded):
            return
        if rp.is_dir() and any(rp in e.parents for e in excluded):
            list_dirs.append(str(rp))  # names only; what is inside, one by one
            try:
                entries = sorted(os.listdir(rp))
            except OSError:
                return
            for name in entries:
                if not _is_own_entry(name):
                    add(rp / name, depth + 1)
            return
        (read_dirs if rp.is_dir() else read_files).append(str(rp))

    for r in roots:
        add(r)
    for d in ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/share/zoneinfo", "/sys/devices/system/cpu"):
        add(Path(d))
    for f in ("/dev/zero", "/dev/urandom", "/dev/random", "/etc/localtime", "/etc/ld.so.cache",
              "/proc/cpuinfo", "/proc/meminfo", "/sys/fs/cgroup/cpu.max"):
        if os.path.exists(f):
            read_files.append(f)
    masks = [str(p) for p in protected if p.is_dir()]
    return {"read_dirs": read_dirs, "list_dirs": list_dirs, "read_files": read_files, "mask_dirs": masks}


class _Forked:
    """A child forked by the template: the small part of ``Popen`` the sandbox uses."""

    def __init__(self, template: "Template", pid: int):
        self.template, self.pid = template, pid
        self.returncode: int | None = None
        self.stdout = None

    def poll(self) -> int | None:
        if self.returncode is None:
            status = self.template.status(timeout=0)
            if status is not None:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            status = self.template.status(timeout=30 if timeout is None else timeout)
            if status is None:
                raise subprocess.TimeoutExpired("forked child", timeout)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


class Template:
    """The ``--watch`` fork server: a child that has imported torch and forks one sandboxed
    child per grading (milliseconds instead of a fresh interpreter and ``import torch``).

    It is started before any case is computed and never receives one: each forked child
    gets its job over its own pipe. It lives only as long as its grader (``close``, the
    parent-death signal, or its control socket closing).
    """

    def __init__(self, setup_timeout: float = 90.0):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.workdir = tempfile.mkdtemp(prefix="cardgen-grade-template-")
        cfg = {"template": True, "control_fd": theirs.fileno(), "wire": str(WIRE), "parent": os.getpid()}
        _become_subreaper()
        try:
            self.proc = subprocess.Popen([sys.executable, "-I", str(CHILD), json.dumps(cfg)],
                                         cwd=self.workdir, env=child_env(self.workdir), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         pass_fds=(theirs.fileno(),), close_fds=True, start_new_session=True)
        finally:
            theirs.close()
        _live_children.add(self.proc.pid)
        self._buf = b""
        self._ready = False
        self._setup_timeout = setup_timeout

    def ready(self, timeout: float = 0.0) -> bool:
        """Whether the template has imported torch (waiting up to ``timeout`` seconds); until
        then gradings start their own child, so the first verdict never waits for it."""
        if not self._ready and self.alive():
            msg = self._line(timeout)
            self._ready = bool(msg and msg.get("ready"))
        return self._ready and self.alive()

    def _line(self, timeout: float) -> dict | None:
        end = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = max(end - time.monotonic(), 0.0)
            if not select.select([self.sock], [], [], left)[0]:
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            msg = json.loads(line)
        except ValueError:
            return None
        return msg if isinstance(msg, dict) else None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, cfg: dict, fds: tuple[int, int, int]) -> _Forked | None:
        if not self.ready():
            return None
        try:
            socket.send_fds(self.sock, [json.dumps(cfg).encode()], list(fds))
        except OSError:
            return None
        msg = self._line(10.0)
        if not msg or type(msg.get("pid")) is not int:
            return None
        return _Forked(self, msg["pid"])

    def status(self, timeout: float) -> int | None:
        msg = self._line(timeout)
        return msg["status"] if msg and type(msg.get("status")) is int else None

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()
        _live_children.discard(self.proc.pid)
        remove_tree(self.workdir)


class Sandbox:
    """One child process: ``start()``, ``send(job)``, ``wait()``, ``close()`` (or ``with``).

    With a ``template`` (``--watch``), the child is forked from it instead of started afresh.
    """

    def __init__(self, limits: Limits | None = None, level: str | None = None, template: Template | None = None):
        self.limits = limits or Limits()
        self.level = level or sandbox_level()
        self.template = template if self.level == "strong" else None
        self.token = secrets.token_hex(16)
        self.proc: Any = None
        self.workdir: str | None = None
        self._in_w: int | None = None
        self._out_r: int | None = None
        self._raw_r: int | None = None
        self._raw = bytearray()
        self._raw_dropped = 0
        self._reader: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self._spawned = 0.0
        self._since = 0
        self.peak_memory: int | None = None
        self.forked = False
        self._units = 1
        self._state: dict[str, Any] = {}  # the layers the child reported before any learner code ran

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        lim = self.limits
        self.workdir = tempfile.mkdtemp(prefix="cardgen-grade-")
        os.chmod(self.workdir, 0o700)
        _become_subreaper()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        cfg = {
            "out_fd": out_w,
            "in_fd": in_r,
            "parent": os.getpid(),
            "level": self.level,
            "wire": str(WIRE),
            "workdir": self.workdir,
            "cpu_s": int(lim.setup_timeout + lim.timeout * 4 + 30),
            "memory": int(lim.memory),
            "fsize": int(lim.fsize),
            "nofile": int(lim.nofile),
            "nproc": (_user_tasks() + lim.extra_processes) if os.geteuid() != 0 else 0,
        }
        if self.level == "strong" and sys.platform.startswith("linux"):
            cfg.update(allow_list())
        self._since = _now_ticks()
        try:
            if self.template is not None:
                raw_r, raw_w = os.pipe()
                try:
                    self.proc = self.template.spawn({**cfg, "env": child_env(self.workdir)}, (in_r, out_w, raw_w))
                finally:
                    os.close(raw_w)
                if self.proc is None:
                    os.close(raw_r)
                else:
                    self._raw_r, self.forked = raw_r, True
            if self.proc is None:
                self.proc = subprocess.Popen(
                    [sys.executable, "-I", str(CHILD), json.dumps(cfg)],
                    cwd=self.workdir,
                    env=child_env(self.workdir),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    pass_fds=(in_r, out_w),
                    close_fds=True,
                    start_new_session=True,
                )
                self._raw_r = self.proc.stdout.fileno()
        except BaseException:
            os.close(in_w)
            os.close(out_r)
            remove_tree(self.workdir)
            raise
        finally:
            os.close(in_r)
            os.close(out_w)
        _live_children.add(self.proc.pid)
        self._spawned = time.monotonic()
        self._in_w, self._out_r = in_w, out_r
        self._reader = threading.Thread(target=self._drain_stdout, daemon=True)
        self._reader.start()

    def _drain_stdout(self) -> None:
        """Keep the child's raw output (C-level prints, crashes) up to a cap; discard the rest."""
        fd = self._raw_r
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            room = RAW_OUTPUT_CAP - len(self._raw)
            self._raw += chunk[: max(room, 0)]
            self._raw_dropped += max(0, len(chunk) - max(room, 0))

    def send(self, job: dict[str, Any]) -> None:
        """Hand the job (source, inputs) to the child; the pipe then stays open as its lifeline."""
        self._units = len(job.get("functions", ())) + 1  # each function, and loading the module
        data = (json.dumps({**job, "token": self.token}) + "\n").encode()
        fd = self._in_w

        def write():
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(fd, view):]
            except OSError:  # the child is gone; wait() will say why
                pass

        self._writer = threading.Thread(target=write, daemon=True)
        self._writer.start()

    def wait(self) -> Outcome:
        """Read the child's records until it is done, dies or runs out of time.

        Time is the grader's alone: from the (one) ``started`` record, the whole run has
        ``timeout`` seconds per function plus one for loading the module, measured on this
        process's clock; within that, each function has ``timeout`` seconds from its first
        call. A record can move a function's clock on, never the run's, so nothing the
        solution writes on the channel (a forged ``started`` or ``call``) buys it time.
        """
        assert self.proc is not None and self._out_r is not None
        lim = self.limits
        events: list[dict[str, Any]] = []
        buf = bytearray()
        total = 0
        sandbox: dict[str, Any] = {}
        started_at: float | None = None
        run_start: float | None = None
        current_fn = -1
        timed_out = None
        protocol_error = None
        finished = False
        eof = False
        exited_at: float | None = None
        while not finished and not eof:
            now = time.monotonic()
            if started_at is None:
                deadline = self._spawned + lim.setup_timeout
            else:
                deadline = min(started_at + lim.timeout, run_start + lim.timeout * self._units)
            if now >= deadline:
                timed_out = "run" if started_at is not None else "setup"
                break
            if exited_at is not None and now - exited_at > 1.0:
                break  # exited, but something (a grandchild) still holds the pipe
            ready, _, _ = select.select([self._out_r], [], [], min(deadline - now, 0.2))
            if not ready:
                if exited_at is None and self.proc.poll() is not None:
                    exited_at = time.monotonic()
                continue
            chunk = os.read(self._out_r, 1 << 16)
            if not chunk:
                eof = True
                break
            total += len(chunk)
            if total > MAX_TOTAL:
                protocol_error = "the solution's process sent more data than the grader accepts"
                break
            buf += chunk
            while True:
                nl = buf.find(b"\n")
                if nl < 0:
                    if len(buf) > MAX_RECORD:
                        protocol_error = "a result was too large"
                    break
                line = bytes(buf[:nl])
                del buf[: nl + 1]
                try:
                    ev = self._parse(line, started_at is not None)
                except ProtocolError as e:
                    protocol_error = str(e)
                    break
                if ev["ev"] == "ready":
                    if started_at is not None:  # only the child's set-up says what is in force
                        protocol_error = "a set-up record arrived while the solution was running"
                        break
                    sandbox = self._state = ev.get("sandbox") if isinstance(ev.get("sandbox"), dict) else {}
                    continue
                if ev["ev"] == "started":
                    if run_start is not None:
                        protocol_error = "a second start record arrived while the solution was running"
                        break
                    started_at = run_start = time.monotonic()
                elif ev["ev"] == "call" and type(ev.get("fn")) is int and ev["fn"] > current_fn:
                    current_fn = ev["fn"]
                    started_at = time.monotonic()  # a new function: its own timeout
                events.append(ev)
                if ev["ev"] in ("done", "setup_error"):
                    finished = True
                    break
            if protocol_error:
                break
        end = time.monotonic()
        # After EOF the child is usually exiting on its own: give it a moment, so that its
        # own exit status (a crash, os._exit) is reported rather than our SIGKILL.
        killed = self._stop(grace=1.0 if (eof or exited_at is not None) else 0.0)
        out = bytes(self._raw).decode("utf-8", "replace")
        if self._raw_dropped:
            out += f"\n[... {self._raw_dropped} more bytes]"
        return Outcome(
            events=events,
            returncode=self.proc.returncode,
            timed_out=timed_out,
            output=out,
            sandbox=sandbox,
            protocol_error=protocol_error,
            run_seconds=(end - run_start) if run_start is not None else 0.0,
            total_seconds=end - self._spawned,
            killed_by_grader=killed and not finished,
            peak_memory=self.peak_memory,
        )

    def _parse(self, line: bytes, started: bool) -> dict[str, Any]:
        try:
            ev = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ProtocolError("the grading channel carried something that is not a result") from None
        if not isinstance(ev, dict) or not isinstance(ev.get("ev"), str):
            raise ProtocolError("the grading channel carried a malformed record")
        if started or ev["ev"] not in ("ready", "setup_error"):
            if ev.get("token") != self.token:
                raise ProtocolError("a record on the grading channel was forged (wrong token)")
        return ev

    def _stop(self, grace: float = 0.0) -> bool:
        """Kill the child, its process group and every process descending from it.

        Returns whether the child was still running (so its exit status is our SIGKILL).
        """
        proc = self.proc
        if proc is None:
            return False
        if grace > 0 and proc.poll() is None:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        running = proc.poll() is None
        if running:
            self.peak_memory = _peak_memory(proc.pid)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 3.0:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                break
            if self.forked:
                break  # the template reaps it; the group is gone with it (no forks at the strong level)
            proc.poll()
            try:  # our own orphans (we are a subreaper) in that group
                while os.waitpid(-proc.pid, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass
            time.sleep(0.005)
        sealed = self.level == "strong" and self._state.get("seccomp") is True  # it could not fork at all
        if not sealed:
            kill_descendants(proc.pid, self._since)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
        if not sealed:
            kill_descendants(proc.pid, self._since)
        _live_children.discard(proc.pid)
        # Only now close the input pipe: the writer thread may still be using its fd.
        if self._writer is not None:
            self._writer.join(timeout=2.0)
        if self._in_w is not None:
            try:
                os.close(self._in_w)
            except OSError:
                pass
            self._in_w = None
        if self._reader is not None:
            self._reader.join(timeout=1.0)
        return running

    def close(self) -> None:
        self._stop()
        if self._out_r is not None:
            try:
                os.close(self._out_r)
            except OSError:
                pass
            self._out_r = None
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        elif self._raw_r is not None:
            try:
                os.close(self._raw_r)
            except OSError:
                pass
        self._raw_r = None
        if self.workdir:
            remove_tree(self.workdir)
            self.workdir = None
