"""Run untrusted learner code in a locked-down child process and collect what it returned.

Why each layer (tests/test_grade_sandbox.py runs a fork bomb, a memory hog, file writes,
forged results... against it):

* A child process in its own session (``start_new_session``), started as ``python -I`` (no user
  site, no ``PYTHON*`` variables) with a scrubbed environment, a temp working directory that is
  also its ``HOME`` and ``TMPDIR``, and single-threaded BLAS.
* Wall-clock limits enforced by the parent: a set-up allowance for importing torch, then
  ``timeout`` seconds for the learner's code; afterwards the whole process group is killed
  with ``os.killpg`` (repeated until it is empty): the backstop that works everywhere.
* Resource limits (set by the child before torch is imported, never above the hard limits):
  CPU time, address space (generous: ``import torch`` needs ~0.65 GB of it), file size, open
  files, core dumps off, and the number of processes for non-root users.
* On Linux the child also drops every capability (when root), sets no-new-privileges, applies a
  Landlock ruleset (no file writes, no execve, no TCP; signals scoped) and a seccomp filter (no
  fork/vfork/clone of processes, no signals to other processes, no ptrace). Root ignores
  RLIMIT_NPROC, so seccomp is what makes fork bombs a non-event; without it (``level="basic"``)
  the group kill still contains them (see tests/test_grade_sandbox.py).

The child reports on a pipe the parent opened (JSON lines with a per-run token) and the parent
validates every record: claimed shapes are checked against the decoded bytes, and nothing the
child sends is ever unpickled or executed.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("child.py")

MAX_RECORD = 32 << 20  # bytes in one line from the child
MAX_TOTAL = 128 << 20  # bytes from the child in all
RAW_OUTPUT_CAP = 64 << 10  # bytes of the child's stdout/stderr kept
DTYPES = {  # numpy dtype strings the parent accepts from the child
    "<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1",
}
MAX_ELEMENTS = 1 << 26
MAX_NDIM = 16


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
    timeout: float = 10.0  # seconds of wall clock for the learner's code
    setup_timeout: float = 90.0  # seconds to start Python and import torch in the child
    memory: int = field(default_factory=default_memory)
    fsize: int = 1 << 20
    nofile: int = 256
    extra_processes: int = 64  # over the user's current count, for non-root users


class ProtocolError(Exception):
    """The child sent something the grader cannot trust (malformed, forged or too large)."""


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


def _become_subreaper() -> None:
    """Linux: orphans of the child (a fork bomb's) are re-parented to us, so we can reap them."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):  # pragma: no cover
        pass


def sandbox_level() -> str:
    """'strong' on Linux (seccomp/Landlock layers), 'basic' elsewhere or when forced for tests."""
    forced = os.environ.get("CARDGEN_GRADE_SANDBOX", "").strip().lower()
    if forced in {"basic", "strong"}:
        return forced
    return "strong" if sys.platform.startswith("linux") else "basic"


def child_env(workdir: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed by OpenBLAS on some CPUs
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Sandbox:
    """One child process: ``start()``, ``send(job)``, ``wait()``, ``close()`` (or ``with``)."""

    def __init__(self, limits: Limits | None = None, level: str | None = None):
        self.limits = limits or Limits()
        self.level = level or sandbox_level()
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None
        self.workdir: str | None = None
        self._in_w: int | None = None
        self._out_r: int | None = None
        self._raw = bytearray()
        self._raw_dropped = 0
        self._reader: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self._spawned = 0.0
        self.peak_memory: int | None = None

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
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        cfg = {
            "in_fd": in_r,
            "out_fd": out_w,
            "parent": os.getpid(),
            "level": self.level,
            "cpu_s": int(lim.setup_timeout + lim.timeout + 30),
            "memory": int(lim.memory),
            "fsize": int(lim.fsize),
            "nofile": int(lim.nofile),
            "nproc": (_user_tasks() + lim.extra_processes) if os.geteuid() != 0 else 0,
        }
        try:
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
        except BaseException:
            os.close(in_w)
            os.close(out_r)
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        finally:
            os.close(in_r)
            os.close(out_w)
        self._spawned = time.monotonic()
        self._in_w, self._out_r = in_w, out_r
        if self.level == "basic":
            _become_subreaper()
        self._reader = threading.Thread(target=self._drain_stdout, daemon=True)
        self._reader.start()

    def _drain_stdout(self) -> None:
        """Keep the child's raw output (C-level prints, crashes) up to a cap; discard the rest."""
        assert self.proc and self.proc.stdout
        fd = self.proc.stdout.fileno()
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
        """Read the child's records until it is done, dies or runs out of time."""
        assert self.proc is not None and self._out_r is not None
        lim = self.limits
        events: list[dict[str, Any]] = []
        buf = bytearray()
        total = 0
        sandbox: dict[str, Any] = {}
        started_at: float | None = None
        timed_out = None
        protocol_error = None
        finished = False
        eof = False
        exited_at: float | None = None
        while not finished and not eof:
            now = time.monotonic()
            deadline = (started_at + lim.timeout) if started_at is not None else (self._spawned + lim.setup_timeout)
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
                    sandbox = ev.get("sandbox") if isinstance(ev.get("sandbox"), dict) else {}
                    continue
                if ev["ev"] == "started":
                    started_at = time.monotonic()
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
            run_seconds=(end - started_at) if started_at is not None else 0.0,
            total_seconds=end - self._spawned,
            killed_by_grader=killed and not finished,
            peak_memory=self.peak_memory,
        )

    def _parse(self, line: bytes, started: bool) -> dict[str, Any]:
        try:
            ev = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise ProtocolError("the grading channel carried something that is not a result") from None
        if not isinstance(ev, dict) or not isinstance(ev.get("ev"), str):
            raise ProtocolError("the grading channel carried a malformed record")
        if started or ev["ev"] not in ("ready", "setup_error"):
            if ev.get("token") != self.token:
                raise ProtocolError("a record on the grading channel was forged (wrong token)")
        return ev

    def _stop(self, grace: float = 0.0) -> bool:
        """Kill the whole process group until it is empty and reap the child.

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
            except ProcessLookupError:
                break
            except PermissionError:  # pragma: no cover - a member changed uid (cannot happen here)
                break
            proc.poll()
            try:  # our own orphans (when we are a subreaper) in that group
                while os.waitpid(-proc.pid, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass
            time.sleep(0.005)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
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
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


# ---------------------------------------------------------------------- value codec


def encode_input(value: Any, depth: int = 0) -> dict[str, Any]:
    """A test input (tensor, number, string, None, tuple/list of those) as JSON; no pickle."""
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        torch_name = str(t.dtype).replace("torch.", "")
        if t.dtype == torch.bfloat16:
            t = t.to(torch.float32)
        arr = np.ascontiguousarray(t.numpy())
        le = arr.dtype.newbyteorder("<")
        return {"t": "tensor", "np": le.str, "shape": list(arr.shape), "torch": torch_name,
                "requires_grad": bool(value.requires_grad),
                "data": base64.b64encode(arr.astype(le, copy=False).tobytes()).decode()}
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return {"t": "num", "v": value}
    if value is None:
        return {"t": "none"}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, (tuple, list)) and depth < 4:
        return {"t": type(value).__name__ if type(value) in (tuple, list) else "list",
                "items": [encode_input(v, depth + 1) for v in value]}
    raise TypeError(f"the grader cannot send a {type(value).__name__} to the sandbox")


@dataclass
class Returned:
    """A learner's return value, decoded and validated by the parent."""

    kind: str  # "tensor", "ndarray", "npscalar", "number", "none", "tuple", "list", "other"
    array: Any = None  # numpy array for tensors/arrays/numbers
    dtype: str = ""  # the dtype the learner's object had (torch or numpy name)
    type_name: str = ""  # for "other" and numbers: the Python type
    items: list["Returned"] = field(default_factory=list)
    big_shape: tuple[int, ...] | None = None  # a result too large to send back: only its shape

    def describe(self) -> str:
        if self.kind == "big":
            return f"a {self.type_name or 'tensor'} of shape {self.big_shape} (too large to compare)"
        if self.kind == "tensor":
            return f"a tensor of shape {tuple(self.array.shape)} ({self.dtype})"
        if self.kind == "ndarray":
            return f"a numpy array of shape {tuple(self.array.shape)}"
        if self.kind in ("number", "npscalar"):
            return f"the number {self.array.item()!r}"
        if self.kind == "none":
            return "None"
        if self.kind in ("tuple", "list"):
            return f"a {self.kind} of {len(self.items)} item{'s' if len(self.items) != 1 else ''}"
        return f"an object of type {self.type_name}"


def decode_result(v: Any, depth: int = 0) -> Returned:
    """Validate and decode one value from the child; ProtocolError if anything is off."""
    import numpy as np

    if not isinstance(v, dict) or not isinstance(v.get("t"), str) or depth > 4:
        raise ProtocolError("malformed value")
    t = v["t"]
    if t == "none":
        return Returned("none")
    if t == "num":
        x = v.get("v")
        if type(x) not in (int, float, bool):
            raise ProtocolError("malformed number")
        if type(x) is int and abs(x) >= 2**63:
            raise ProtocolError("malformed number")
        tn = v.get("type") if isinstance(v.get("type"), str) else type(x).__name__
        return Returned("number", np.asarray(x, dtype=np.float64 if type(x) is float else None),
                        dtype=type(x).__name__, type_name=tn[:100])
    if t == "array":
        kind, np_str, shape, data = v.get("kind"), v.get("np"), v.get("shape"), v.get("data")
        if kind not in ("tensor", "ndarray", "npscalar") or np_str not in DTYPES:
            raise ProtocolError("malformed array (kind or dtype)")
        if (not isinstance(shape, list) or len(shape) > MAX_NDIM
                or not all(type(d) is int and 0 <= d <= MAX_ELEMENTS for d in shape)):
            raise ProtocolError("malformed array (shape)")
        n = 1
        for d in shape:
            n *= d
        if n > MAX_ELEMENTS or not isinstance(data, str):
            raise ProtocolError("malformed array (size)")
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise ProtocolError("malformed array (data)") from None
        dt = np.dtype(np_str)
        if len(raw) != n * dt.itemsize:  # a lying shape cannot survive this
            raise ProtocolError(f"the data of a result does not match its claimed shape {tuple(shape)}")
        arr = np.frombuffer(raw, dtype=dt).reshape(shape)
        dtype = v.get("dtype") if isinstance(v.get("dtype"), str) else dt.name
        return Returned(kind, arr, dtype=dtype[:40])
    if t in ("tuple", "list"):
        items = v.get("items")
        if not isinstance(items, list) or len(items) > 64:
            raise ProtocolError("malformed sequence")
        return Returned(t, items=[decode_result(x, depth + 1) for x in items])
    if t == "big":
        shape = v.get("shape")
        if not isinstance(shape, list) or len(shape) > MAX_NDIM or not all(type(d) is int and d >= 0 for d in shape):
            raise ProtocolError("malformed array (shape)")
        kind = v.get("kind") if v.get("kind") in ("tensor", "ndarray", "npscalar") else "tensor"
        return Returned("big", type_name="numpy array" if kind == "ndarray" else "tensor", big_shape=tuple(shape))
    if t == "other":
        tn = v.get("type")
        return Returned("other", type_name=tn[:200] if isinstance(tn, str) else "?")
    raise ProtocolError(f"unknown value kind {t[:20]!r}")
