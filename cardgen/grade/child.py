"""The code that runs inside the sandboxed child process (standalone: stdlib, numpy, torch).

The grader starts this file as ``python -I child.py CONFIG_JSON`` in a temp directory with a
scrubbed environment. It first locks itself down (resource limits, then on Linux: no new
privileges, all capabilities dropped, a Landlock ruleset that denies every file write and TCP
connection, and a seccomp filter that forbids new processes and signals to other processes),
then imports torch *before* the learner's code arrives, so the import overlaps with the
parent's own. The parent then sends one JSON line on ``in_fd`` (the learner's source and the
test inputs) and keeps that pipe open as a lifeline: when it closes, the child exits.

The child only *runs* the learner's functions. It reports each result on ``out_fd`` as JSON
lines (raw little-endian bytes in base64 with shape and dtype, never pickle); the parent
validates every line and computes references and verdicts itself, so nothing the learner does
in here (monkeypatching torch, numpy or the grader's modules) can turn a wrong answer into a pass.
"""
from __future__ import annotations

import json
import os
import sys

# Captured before any learner code runs, so that patching the modules later does not reach us.
_write = os.write
_dumps = json.dumps
_exit = os._exit

OUTPUT_CAP = 2000  # characters of printed output kept per function (the parent shows 500)
MAX_SEND = 1 << 22  # elements of a returned array sent back in full


# ----------------------------------------------------------------------------- lock-down


def _rlimits(cfg: dict) -> list[str]:
    import resource

    done = []

    def cap(name: str, value: int) -> None:
        res = getattr(resource, name, None)
        if res is None:
            return
        soft, hard = resource.getrlimit(res)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)  # never above the hard limit we were given
        try:
            resource.setrlimit(res, (value, value))
            done.append(f"{name[7:].lower()}={value}")
        except (ValueError, OSError):
            pass

    cap("RLIMIT_CORE", 0)
    cap("RLIMIT_CPU", int(cfg["cpu_s"]))
    cap("RLIMIT_AS", int(cfg["memory"]))
    cap("RLIMIT_FSIZE", int(cfg["fsize"]))
    cap("RLIMIT_NOFILE", int(cfg["nofile"]))
    if os.geteuid() != 0:  # root ignores RLIMIT_NPROC; seccomp forbids forking anyway
        cap("RLIMIT_NPROC", int(cfg["nproc"]))
    return done


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.prctl.restype = ctypes.c_int
    return ctypes, libc


PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def _drop_capabilities(ctypes, libc) -> bool:
    """Root keeps its uid but loses every capability (no mount, reboot, module load...)."""
    try:
        last = int(open("/proc/sys/kernel/cap_last_cap").read())
    except OSError:
        last = 63
    for cap in range(last + 1):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    data = (Data * 2)()
    hdr = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    nr = {"x86_64": 126, "aarch64": 91}.get(os.uname().machine)
    if nr is None:
        return False
    return libc.syscall(nr, ctypes.byref(hdr), data) == 0


# Landlock (Linux >= 5.13): an unprivileged filesystem sandbox that root cannot escape either.
LL_FS_EXECUTE, LL_FS_WRITE_FILE = 1 << 0, 1 << 1
LL_FS_WRITES_V1 = sum(1 << b for b in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make_*
LL_FS_REFER, LL_FS_TRUNCATE = 1 << 13, 1 << 14
LL_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP
LL_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets, signals


def _landlock(ctypes, libc) -> str:
    """Deny every file write, execve and TCP connection; returns what was enabled ("" if none)."""
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
    if abi < 1:
        return ""
    fs = LL_FS_EXECUTE | LL_FS_WRITES_V1
    if abi >= 2:
        fs |= LL_FS_REFER
    if abi >= 3:
        fs |= LL_FS_TRUNCATE
    fields = [("fs", ctypes.c_uint64)]
    if abi >= 4:
        fields.append(("net", ctypes.c_uint64))
    if abi >= 6:
        fields.append(("scoped", ctypes.c_uint64))

    class Attr(ctypes.Structure):
        _fields_ = fields

    attr = Attr()
    attr.fs = fs
    if abi >= 4:
        attr.net = LL_NET_ALL
    if abi >= 6:
        attr.scoped = LL_SCOPE_ALL
    fd = libc.syscall(444, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if fd < 0:
        return ""

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    try:  # /dev/null stays writable: harmless, and some code prints to it
        null = os.open("/dev/null", os.O_PATH)
        rule = PathBeneath(LL_FS_WRITE_FILE | (LL_FS_TRUNCATE if abi >= 3 else 0), null)
        libc.syscall(445, fd, 1, ctypes.byref(rule), 0)
        os.close(null)
    except OSError:
        pass
    ok = libc.syscall(446, fd, 0) == 0  # landlock_restrict_self
    os.close(fd)
    return f"landlock-v{abi}" if ok else ""


# seccomp: syscall numbers per architecture.
_SYSCALLS = {
    "x86_64": dict(arch=0xC000003E, clone=56, clone3=435, kill=62, tkill=200, tgkill=234,
                   deny=(57, 58, 101, 311, 424, 434, 272, 308)),
    # fork, vfork, ptrace, process_vm_writev, pidfd_send_signal, pidfd_open, unshare, setns
    "aarch64": dict(arch=0xC00000B7, clone=220, clone3=435, kill=129, tkill=130, tgkill=131,
                    deny=(117, 271, 424, 434, 97, 268)),
}


def _seccomp(ctypes, libc) -> bool:
    """No new processes (threads are fine) and no signals to any process but this one."""
    sc = _SYSCALLS.get(os.uname().machine)
    if sc is None:
        return False
    import struct

    LD, JEQ, JSET, JGE, RET = 0x20, 0x15, 0x45, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|K..., BPF_RET|K
    ALLOW, ERRNO = 0x7FFF0000, 0x00050000
    EPERM, ENOSYS = 1, 38
    me = os.getpid()
    deny = list(sc["deny"]) + [sc["tkill"]]
    prog: list[tuple[int, int, int, int]] = []

    # Written with labels, converted to BPF's relative jumps below.
    code: list[tuple] = []  # (opcode, k, label_true, label_false) with labels or None

    def emit(opcode, k=0, t=None, f=None):
        code.append((opcode, k, t, f))

    emit(LD, 4)
    emit(JEQ, sc["arch"], None, "enosys")
    emit(LD, 0)
    emit(JGE, 0x40000000, "enosys", None)
    emit(JEQ, sc["clone3"], "enosys", None)
    for nr in deny:
        emit(JEQ, nr, "eperm", None)
    emit(JEQ, sc["clone"], "clone", None)
    emit(JEQ, sc["kill"], "pid_arg", None)
    emit(JEQ, sc["tgkill"], "pid_arg", None)
    emit(RET, ALLOW)
    labels = {"clone": len(code)}
    emit(LD, 16)                                # args[0] (flags), low 32 bits
    emit(JSET, 0x00010000, "allow", "eperm")    # CLONE_THREAD: a thread, not a process
    labels["pid_arg"] = len(code)
    emit(LD, 20)                                # args[0], high 32 bits
    emit(JEQ, 0, None, "eperm")
    emit(LD, 16)
    emit(JEQ, me, "allow", "eperm")             # only this process may be signalled
    labels["allow"] = len(code)
    emit(RET, ALLOW)
    labels["eperm"] = len(code)
    emit(RET, ERRNO | EPERM)
    labels["enosys"] = len(code)
    emit(RET, ERRNO | ENOSYS)

    for i, (opcode, k, t, f) in enumerate(code):
        jt = labels[t] - i - 1 if t else 0
        jf = labels[f] - i - 1 if f else 0
        assert 0 <= jt < 256 and 0 <= jf < 256
        prog.append((opcode, jt, jf, k & 0xFFFFFFFF))
    raw = b"".join(struct.pack("=HBBI", c, jt, jf, k) for c, jt, jf, k in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


def lock_down(cfg: dict) -> dict:
    """Apply every limit this platform allows; returns what is in force (the parent reports gaps)."""
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails instead of killing us
    state: dict = {"rlimits": _rlimits(cfg)}
    if not sys.platform.startswith("linux") or cfg.get("level") == "basic":
        return state
    ctypes, libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != cfg["parent"]:  # the parent died before the line above
        _exit(70)
    state["no_new_privs"] = libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    if os.geteuid() == 0:
        state["capabilities_dropped"] = _drop_capabilities(ctypes, libc)
    state["landlock"] = _landlock(ctypes, libc)
    state["seccomp"] = _seccomp(ctypes, libc)
    return state


# ----------------------------------------------------------------------------- the channel


class Channel:
    """JSON lines to the parent on a pipe it opened; every record carries the run's token."""

    def __init__(self, fd: int):
        self.fd = fd
        self.token = ""

    def send(self, **record) -> None:
        record["token"] = self.token
        data = (_dumps(record, allow_nan=True) + "\n").encode()
        view = memoryview(data)
        while view:
            n = _write(self.fd, view)
            view = view[n:]


class Capture:
    """Stands in for sys.stdout/sys.stderr during learner code: keeps the first characters."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def write(self, s) -> int:
        s = str(s) if not isinstance(s, str) else s
        room = OUTPUT_CAP - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def take(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[... {self.dropped} more characters]"
        self.parts, self.size, self.dropped = [], 0, 0
        return out


# ----------------------------------------------------------------------------- the run


def main() -> None:
    cfg = json.loads(sys.argv[1])
    chan = Channel(cfg["out_fd"])
    try:
        state = lock_down(cfg)
    except Exception as e:  # the parent treats this as "the grader could not start"
        chan.send(ev="setup_error", message=f"sandbox set-up failed: {type(e).__name__}: {e}")
        _exit(71)
    try:
        import numpy as np
        import torch

        torch.set_num_threads(1)
    except BaseException as e:  # noqa: BLE001 - report anything, the parent decides
        chan.send(ev="setup_error", message=f"cannot import torch in the sandbox: {type(e).__name__}: {e}")
        _exit(72)
    chan.send(ev="ready", sandbox=state)

    infile = os.fdopen(cfg["in_fd"], "rb", buffering=0)
    line = _readline(infile)
    if not line:
        _exit(0)  # the parent changed its mind (a usage error): nothing to do
    job = json.loads(line)
    chan.token = job["token"]
    _start_lifeline(cfg["in_fd"])
    Runner(np, torch, chan, job).run()
    _exit(0)


def _readline(f) -> bytes:
    """The job: one JSON line (the parent sends nothing else until it closes the pipe)."""
    chunks = []
    while True:
        b = f.read(1 << 16)
        if not b:
            break
        chunks.append(b)
        if b.endswith(b"\n"):
            break
    return b"".join(chunks)


def _start_lifeline(fd: int) -> None:
    """Exit as soon as the parent closes the input pipe (it finished, was killed or gave up)."""
    import threading

    def watch():
        try:
            while os.read(fd, 4096):
                pass
        finally:
            _exit(0)

    threading.Thread(target=watch, daemon=True, name="cardgen-lifeline").start()


# ----------------------------------------------------------------------------- values


class Runner:
    """Loads the learner's module and calls each function on each case."""

    def __init__(self, np, torch, chan: Channel, job: dict):
        self.np, self.torch, self.chan, self.job = np, torch, chan, job
        self.filename = job["filename"]
        TB = getattr(torch._C, "TensorBase", None) or torch._C._TensorBase
        # C-level methods and types: the learner cannot replace these from Python.
        self.TB = TB
        self.Tensor = torch.Tensor
        self.ndarray = np.ndarray
        self.np_generic = np.generic
        self.no_torch_function = torch._C.DisableTorchFunction
        self.from_numpy = torch.from_numpy
        self.frombuffer = np.frombuffer
        self.dtypes = {
            "float64": torch.float64, "float32": torch.float32, "float16": torch.float16,
            "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8,
            "uint8": torch.uint8, "bool": torch.bool,
        }
        self.b64decode = __import__("base64").b64decode
        self.b64encode = __import__("base64").b64encode
        self.manual_seed = torch.manual_seed
        self.py_random_seed = __import__("random").seed
        self.np_seed = np.random.seed
        self.format_tb = __import__("traceback").extract_tb
        self.capture = Capture()

    # -- inputs (parent -> child): trusted, but still decoded without pickle
    def decode(self, v):
        t = v["t"]
        if t == "tensor":
            arr = self.frombuffer(self.b64decode(v["data"]), dtype=v["np"]).reshape(v["shape"]).copy()
            out = self.from_numpy(arr)
            if v.get("torch") == "bfloat16":
                out = out.to(self.torch.bfloat16)
            if v.get("requires_grad"):
                out.requires_grad_(True)
            return out
        if t == "num":
            return v["v"]
        if t == "none":
            return None
        if t == "str":
            return v["v"]
        if t in ("tuple", "list"):
            items = [self.decode(x) for x in v["items"]]
            return tuple(items) if t == "tuple" else items
        raise ValueError(f"unknown input kind {t!r}")

    # -- results (child -> parent): extracted with C-level calls, so a subclass cannot lie
    def encode(self, obj, depth: int = 0):
        tp = type(obj)  # type() cannot be faked, unlike isinstance() via __class__
        if obj is None:
            return {"t": "none"}
        if tp is bool:
            return {"t": "num", "v": bool(obj), "kind": "bool"}
        if issubclass(tp, int) and not issubclass(tp, bool):
            v = int.__index__(obj)
            if abs(v) < 2**63:
                return {"t": "num", "v": v, "kind": "int", "type": tp.__name__}
            return {"t": "num", "v": float(v), "kind": "float", "type": tp.__name__}
        if issubclass(tp, float):
            return {"t": "num", "v": float.__float__(obj), "kind": "float", "type": tp.__name__}
        if issubclass(tp, self.Tensor) or issubclass(tp, self.TB):
            return self.encode_tensor(obj, "tensor")
        if issubclass(tp, self.ndarray) or issubclass(tp, self.np_generic):
            arr = self.np.asarray(obj)
            return self.encode_array(arr, "ndarray" if issubclass(tp, self.ndarray) else "npscalar",
                                     arr.dtype.name)
        if tp in (tuple, list) and depth < 3 and len(obj) <= 64:
            return {"t": tp.__name__, "items": [self.encode(x, depth + 1) for x in obj]}
        return {"t": "other", "type": f"{tp.__module__}.{tp.__qualname__}"}

    def encode_tensor(self, obj, kind: str):
        TB, torch = self.TB, self.torch
        with self.no_torch_function():
            t = TB.detach(obj)
            if t.is_complex():
                raise TypeError("returned a complex tensor; the exercise expects real numbers")
            name = str(t.dtype).replace("torch.", "")
            if t.dtype not in (torch.float64, torch.float32, torch.float16, torch.int64, torch.int32,
                               torch.int16, torch.int8, torch.uint8, torch.bool):
                t = TB.to(t, torch.float64)
            arr = TB.numpy(t, force=True)
        return self.encode_array(arr, kind, name)

    def encode_array(self, arr, kind: str, dtype_name: str):
        nd = self.ndarray
        if arr.dtype.kind not in "fiub":
            return {"t": "other", "type": f"{kind} of {arr.dtype}"}
        if arr.size > MAX_SEND:  # the references are small: its shape alone will tell
            return {"t": "big", "kind": kind, "dtype": dtype_name, "shape": list(arr.shape)}
        data = nd.tobytes(arr.astype(arr.dtype.newbyteorder("<"), copy=False), order="C")
        return {"t": "array", "kind": kind, "dtype": dtype_name, "np": arr.dtype.newbyteorder("<").str,
                "shape": list(arr.shape), "data": self.b64encode(data).decode()}

    # -- errors
    def describe(self, e: BaseException) -> dict:
        try:
            msg = str(e)
        except BaseException:  # noqa: BLE001 - a learner exception whose __str__ fails
            msg = "<unprintable>"
        frames = []
        try:
            for fr in self.format_tb(e.__traceback__):
                if fr.filename == self.filename:
                    frames.append([fr.lineno, fr.name])
        except BaseException:  # noqa: BLE001
            pass
        return {"type": type(e).__name__, "message": msg[:2000], "frames": frames[-20:]}

    def call_with_capture(self, fn, kwargs):
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.capture
        try:
            return fn(**kwargs)
        finally:
            sys.stdout, sys.stderr = old

    def run(self) -> None:
        job, chan = self.job, self.chan
        chan.send(ev="started")
        module_name = job["module"]
        import types

        mod = types.ModuleType(module_name)
        mod.__file__ = self.filename
        sys.modules[module_name] = mod
        try:
            code = compile(job["source"], self.filename, "exec", dont_inherit=True)
            self.call_with_capture(lambda: exec(code, mod.__dict__), {})
        except BaseException as e:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            chan.send(ev="load_error", error=self.describe(e), output=self.capture.take())
            return
        chan.send(ev="loaded", output=self.capture.take())
        ns = mod.__dict__
        for i, spec in enumerate(job["functions"]):
            name = spec["name"]
            fn = ns.get(name)
            if not callable(fn):
                try:
                    defined = sorted(k for k, v in list(ns.items())
                                     if callable(v) and not k.startswith("_")
                                     and getattr(v, "__module__", None) == module_name)
                except BaseException:  # noqa: BLE001 - a learner object with a hostile __getattr__
                    defined = []
                chan.send(ev="missing", fn=i, defined=defined[:30],
                          found=type(fn).__name__ if name in ns else None)
                continue
            for j, case in enumerate(spec["cases"]):
                chan.send(ev="call", fn=i, case=j)
                try:
                    kwargs = {k: self.decode(v) for k, v in case["kwargs"].items()}
                    seed = case["seed"]
                    self.manual_seed(seed)
                    self.py_random_seed(seed)
                    self.np_seed(seed % 2**32)
                except BaseException as e:  # noqa: BLE001
                    chan.send(ev="setup_error", message=f"cannot decode the inputs: {e}")
                    return
                try:
                    value = self.call_with_capture(fn, kwargs)
                except BaseException as e:  # noqa: BLE001
                    chan.send(ev="raised", fn=i, case=j, error=self.describe(e), output=self.capture.take())
                    continue
                try:
                    enc = self.encode(value)
                except BaseException as e:  # noqa: BLE001
                    chan.send(ev="raised", fn=i, case=j, output=self.capture.take(),
                              error={**self.describe(e), "when": "converting the returned value"})
                    continue
                chan.send(ev="result", fn=i, case=j, value=enc, output=self.capture.take())
        chan.send(ev="done")


if __name__ == "__main__":
    main()
