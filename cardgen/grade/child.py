"""The code that runs inside the sandboxed child process (standalone: stdlib, numpy, torch).

The grader starts this file as ``python -I child.py CONFIG_JSON`` in a private temp
directory (its cwd, HOME and TMPDIR) with a scrubbed environment. In order:

1. It loads the wire format (``wire.py``, by path) and sets resource limits.
2. At the strong level on Linux, while still single-threaded: new mount and IPC namespaces
   (a user namespace too when not root), every mount made read-only except the temp dir, so
   no chmod, chown, utime or xattr change can reach a file outside it.
3. It imports numpy and torch (what the learner's code needs), *then* seals itself: no new
   privileges, every capability dropped, Landlock (read only the allow-listed library dirs,
   write only the temp dir, no execve, no TCP, signals and abstract sockets scoped) and
   seccomp (no new processes, no sockets of any family, no SysV IPC or message queues, no
   signals to other processes, no ptrace; and no metadata changes at all where the
   read-only mounts were not available).
4. It reads one job (the learner's source, handed over by the grader so that ``linecache``
   and ``torch.jit.script`` need no access to the learner's path, and the test inputs) and
   runs each function on each case, reporting on ``out_fd`` as JSON lines.

``--watch`` uses the same code from a template process (``template`` in the config): it has
imported torch and forks one child per grading, which then does steps 2-4. It never sees a
job: the cases go straight to the forked child over its own pipe.

The child only *runs* the learner's functions; the parent validates every record and makes
every verdict itself, so nothing the learner does in here can turn a wrong answer into a pass.
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


def _load_wire(path: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location("_cardgen_grade_wire", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


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
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 1 << 18
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 1
SYS_MOUNT_SETATTR = 442  # the same number on x86_64 and aarch64


def _namespaces(ctypes, libc, workdir: str, masks: list[str]) -> dict:
    """New mount and IPC namespaces; every mount read-only but the temp dir.

    Landlock cannot stop chmod/chown/utime/setxattr and seccomp cannot see paths, so a
    read-only view of the file system is what keeps metadata changes inside the temp dir.
    Must run while the process has a single thread. Returns what worked.
    """
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWIPC | (CLONE_NEWUSER if os.geteuid() != 0 else 0)
    if libc.unshare(flags) != 0:
        return {}
    state = {"namespaces": "mount+ipc" + ("+user" if flags & CLONE_NEWUSER else "")}
    if flags & CLONE_NEWUSER:  # keep our own ids inside (the new namespace gives us its capabilities)
        try:
            for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
        except OSError:
            return state
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:  # nothing propagates back out
        return state
    # What must not even be seen (the project's packages, the case cache and its key): an empty
    # read-only tmpfs over each, so that stat, listing and opening all find nothing.
    hidden = 0
    for path in masks:
        if libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      b"size=4k,mode=0555") == 0:
            hidden += 1
    state["hidden"] = f"{hidden}/{len(masks)}"
    wd = workdir.encode()
    if libc.mount(wd, wd, None, MS_BIND, None) != 0:
        return state

    class MountAttr(ctypes.Structure):
        _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                    ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

    ro, rw = MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0), MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
    if libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE, ctypes.byref(ro), ctypes.sizeof(ro)) != 0:
        return state
    if libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, wd, 0, ctypes.byref(rw), ctypes.sizeof(rw)) != 0:
        return state
    state["read_only_mounts"] = True
    os.chdir(workdir)  # the cwd still pointed into the read-only mount below the new one
    return state


def _drop_capabilities(ctypes, libc) -> bool:
    """Root (or the owner of a new user namespace) loses every capability."""
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


# Landlock (Linux >= 5.13): an unprivileged file-system sandbox that root cannot escape either.
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
LL_DIR_CHANGES = sum(1 << b for b in range(4, 13))  # remove_*, make_*
LL_REFER, LL_TRUNCATE, LL_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
LL_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP
LL_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets, signals


def _landlock(ctypes, libc, cfg: dict) -> str:
    """Read only the allow-list, write only the temp dir, no execve, no TCP; "" if unavailable."""
    abi = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION)
    if abi < 1:
        return ""
    extra = (LL_REFER if abi >= 2 else 0) | (LL_TRUNCATE if abi >= 3 else 0) | (LL_IOCTL_DEV if abi >= 5 else 0)
    fs = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_READ_DIR | LL_DIR_CHANGES | extra
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

    file_rights = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | (LL_TRUNCATE if abi >= 3 else 0) | (
        LL_IOCTL_DEV if abi >= 5 else 0)

    def allow(path: str, rights: int) -> None:
        try:
            pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                rights &= file_rights
            rule = PathBeneath(rights & fs, pfd)
            libc.syscall(445, fd, 1, ctypes.byref(rule), 0)  # LANDLOCK_RULE_PATH_BENEATH
        finally:
            os.close(pfd)

    for path in cfg.get("read_dirs", ()):
        allow(path, LL_READ_FILE | LL_READ_DIR)
    for path in cfg.get("list_dirs", ()):
        allow(path, LL_READ_DIR)
    for path in cfg.get("read_files", ()):
        allow(path, LL_READ_FILE)
    allow("/dev/null", LL_READ_FILE | LL_WRITE_FILE | (LL_TRUNCATE if abi >= 3 else 0))
    allow(cfg["workdir"], fs & ~LL_EXECUTE & ~LL_IOCTL_DEV)
    ok = libc.syscall(446, fd, 0) == 0  # landlock_restrict_self
    os.close(fd)
    return f"landlock-v{abi}" if ok else ""


# seccomp: an allow-list, per architecture (numbers from the kernel's unistd headers). What
# CPython, numpy and torch need to compute on CPU: memory, files (Landlock decides which),
# threads, time, futexes, signals to itself. Everything else is refused, among it: new
# processes, execve, sockets of every family (and io_uring, which would open them anyway),
# SysV IPC and message queues, the kernel keyring, ptrace and process_vm_*, namespaces and
# mounts, bpf and perf. ``self_only`` calls (kill, tgkill, prlimit64, sched_setaffinity) must
# name this process; ``metadata`` (chmod, chown, utime, xattr changes) is allowed only where
# the read-only mounts keep it inside the temp dir.
_SYSCALLS = {
    "x86_64": dict(
        allow=(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 32, 33, 34, 35, 36, 37, 38, 39, 40, 60, 63, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 95, 96, 97, 98, 99, 100, 102, 104, 107, 108, 110, 111, 115, 118, 120, 121, 124, 125, 127, 128, 130, 131, 137, 138, 140, 143, 145, 146, 147, 149, 150, 157, 158, 160, 186, 187, 191, 192, 193, 194, 195, 196, 201, 202, 204, 213, 217, 218, 219, 221, 222, 223, 224, 225, 226, 228, 229, 230, 231, 232, 233, 237, 238, 239, 257, 258, 262, 263, 264, 265, 266, 267, 269, 270, 271, 273, 274, 275, 276, 281, 282, 283, 284, 285, 286, 287, 289, 290, 291, 292, 293, 295, 296, 309, 315, 316, 318, 319, 324, 325, 326, 327, 328, 332, 334, 436, 437, 439, 441, 449),
        metadata=(90, 91, 92, 93, 94, 132, 188, 189, 190, 197, 198, 199, 235, 260, 261, 268, 280, 452, 463, 466),
        self_only=(62, 203, 234, 302), kill=62, clone=56, clone3=435, seccomp=317),
    "aarch64": dict(
        allow=(8, 9, 10, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 29, 32, 34, 35, 36, 37, 38, 43, 44, 45, 46, 47, 48, 49, 50, 56, 57, 59, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 76, 77, 78, 79, 80, 82, 83, 85, 86, 87, 90, 93, 94, 96, 98, 99, 100, 101, 102, 103, 107, 108, 109, 110, 111, 113, 114, 115, 120, 121, 123, 124, 125, 126, 128, 132, 133, 134, 135, 136, 137, 139, 141, 148, 150, 153, 155, 156, 158, 160, 163, 164, 165, 166, 167, 168, 169, 172, 173, 174, 175, 176, 177, 178, 179, 213, 214, 215, 216, 222, 223, 226, 227, 228, 229, 232, 233, 235, 236, 237, 275, 276, 278, 279, 283, 284, 285, 286, 287, 291, 293, 436, 437, 439, 441, 449),
        metadata=(5, 6, 7, 14, 15, 16, 52, 53, 54, 55, 88, 452, 463, 466),
        self_only=(122, 129, 131, 261), kill=129, clone=220, clone3=435, seccomp=277),
}


def _seccomp(ctypes, libc, metadata: bool) -> bool:
    """Install the allow-list above; ``metadata``: refuse chmod/chown/utime/xattr changes too."""
    sc = _SYSCALLS.get(os.uname().machine)
    if sc is None:
        return False
    import struct

    LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JSET|K, BPF_RET|K
    ALLOW, ERRNO = 0x7FFF0000, 0x00050000
    EPERM, ENOSYS = 1, 38
    AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}[os.uname().machine]
    me = os.getpid()
    prog: list[tuple[int, int, int, int]] = []

    def ins(code, k=0, jt=0, jf=0):
        prog.append((code, jt, jf, k & 0xFFFFFFFF))

    def when(nr: int, block: list[tuple]) -> None:
        """``if nr == NR: block`` (the block ends in returns), else fall through."""
        ins(JEQ, nr, 0, len(block))
        prog.extend(block)

    ret_allow, ret_eperm = (RET, 0, 0, ALLOW), (RET, 0, 0, ERRNO | EPERM)
    ins(LD, 4)                                        # arch
    ins(JEQ, AUDIT_ARCH, 1, 0)
    ins(RET, ERRNO | ENOSYS)
    ins(LD, 0)                                        # the syscall number
    ins(JEQ, sc["clone3"], 0, 1)                      # glibc falls back to clone on ENOSYS
    ins(RET, ERRNO | ENOSYS)
    for nr in sc["allow"] + (() if metadata else sc["metadata"]):
        ins(JEQ, nr, 0, 1)
        prog.append(ret_allow)
    # clone: threads (CLONE_THREAD) only
    when(sc["clone"], [(LD, 0, 0, 16), (JSET, 1, 0, 0x00010000), ret_eperm, ret_allow])
    for nr in sc["self_only"]:  # args[0] must be this process (or 0, "myself", except for kill)
        myself = 1 if nr != sc["kill"] else 0
        when(nr, [(LD, 0, 0, 20), (JEQ, 1, 0, 0), ret_eperm,       # high half of args[0] is 0
                  (LD, 0, 0, 16), (JEQ, 2, 0, me), (JEQ, myself, 0, 0),
                  ret_eperm, ret_allow])
    ins(RET, ERRNO | EPERM)                        # everything else

    raw = b"".join(struct.pack("=HBBI", c, jt, jf, k & 0xFFFFFFFF) for c, jt, jf, k in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
    # SECCOMP_SET_MODE_FILTER with TSYNC: every thread (torch's too) gets the filter.
    return libc.syscall(sc["seccomp"], 1, 1, ctypes.byref(fprog)) == 0


def prepare(cfg: dict) -> dict:
    """What must happen before torch is imported (limits; namespaces need a single thread)."""
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails instead of killing us
    state: dict = {"rlimits": _rlimits(cfg)}
    if not sys.platform.startswith("linux"):
        return state
    ctypes, libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != cfg["parent"]:  # the parent died before the line above
        _exit(70)
    if cfg.get("level") == "strong":
        state.update(_namespaces(ctypes, libc, cfg["workdir"], [str(m) for m in cfg.get("mask_dirs", ())]))
    return state


def seal(cfg: dict, state: dict) -> dict:
    """After the imports: no privileges, Landlock, seccomp (Linux, strong level)."""
    if not sys.platform.startswith("linux") or cfg.get("level") != "strong":
        return state
    ctypes, libc = _libc()
    state["no_new_privs"] = libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    if os.geteuid() == 0 or "user" in state.get("namespaces", ""):
        state["capabilities_dropped"] = _drop_capabilities(ctypes, libc)
    state["landlock"] = _landlock(ctypes, libc, cfg)
    state["seccomp"] = _seccomp(ctypes, libc, metadata=not state.get("read_only_mounts"))
    if state["seccomp"]:
        state["no_sockets"] = state["no_sysv_ipc"] = True
        state["no_metadata_changes"] = True  # by the read-only mounts, or by seccomp
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
    wire = _load_wire(cfg["wire"])
    if cfg.get("template"):
        template(cfg, wire)
    else:
        run(cfg, wire, imported=None)


def run(cfg: dict, wire, imported) -> None:
    """One grading: lock down, report ready, read the job, run it, exit."""
    chan = Channel(cfg["out_fd"])
    try:
        state = prepare(cfg)
    except Exception as e:  # the parent treats this as "the grader could not start"
        chan.send(ev="setup_error", message=f"sandbox set-up failed: {type(e).__name__}: {e}")
        _exit(71)
    try:
        if imported is not None:
            state["forked"] = True  # from the --watch template
        else:
            import numpy as np
            import torch

            torch.set_num_threads(1)
            imported = np, torch
        np, torch = imported
        codec = wire.Codec(np, torch)
    except BaseException as e:  # noqa: BLE001 - report anything, the parent decides
        chan.send(ev="setup_error", message=f"cannot import torch in the sandbox: {type(e).__name__}: {e}")
        _exit(72)
    try:
        state = seal(cfg, state)
    except Exception as e:  # noqa: BLE001
        chan.send(ev="setup_error", message=f"sandbox set-up failed: {type(e).__name__}: {e}")
        _exit(71)
    chan.send(ev="ready", sandbox=state)

    infile = os.fdopen(cfg["in_fd"], "rb", buffering=0)
    line = _readline(infile)
    if not line:
        _exit(0)  # the parent changed its mind (a usage error): nothing to do
    job = json.loads(line)
    chan.token = job.pop("token")
    _start_lifeline(cfg["in_fd"])
    Runner(np, torch, codec, chan, job).run()
    _exit(0)


def template(cfg: dict, wire) -> None:
    """``--watch``: import torch once, then fork one child per request on the control socket.

    A request is a JSON config with three file descriptors (job in, records out, raw
    output); the reply is the child's pid, then its wait status. The template holds no case
    and no answer, and it dies with the grader (parent-death signal, or the socket closing).
    """
    import signal
    import socket

    ctypes, libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != cfg["parent"]:
        _exit(70)
    import numpy as np
    import torch

    torch.set_num_threads(1)
    sock = socket.socket(fileno=cfg["control_fd"])
    _write(sock.fileno(), b'{"ready": true}\n')
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 16, 3)
        except OSError:
            _exit(0)
        if not msg or len(fds) != 3:
            _exit(0)
        req = json.loads(msg)
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.setsid()
                os.dup2(fds[2], 1)
                os.dup2(fds[2], 2)
                os.close(fds[2])
                os.chdir(req["workdir"])
                os.environ.clear()
                os.environ.update(req["env"])
                import tempfile

                tempfile.tempdir = None
                req.update(in_fd=fds[0], out_fd=fds[1], parent=os.getppid())
                run(req, wire, (np, torch))
            finally:
                _exit(73)
        for fd in fds:
            os.close(fd)
        sock.sendall(_dumps({"pid": pid}).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        sock.sendall(_dumps({"status": status}).encode() + b"\n")


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


class Runner:
    """Loads the learner's module and calls each function on each case."""

    def __init__(self, np, torch, codec, chan: Channel, job: dict):
        self.np, self.torch, self.codec, self.chan, self.job = np, torch, codec, chan, job
        self.filename = job["filename"]
        self.manual_seed = torch.manual_seed
        self.py_random_seed = __import__("random").seed
        self.np_seed = np.random.seed
        self.format_tb = __import__("traceback").extract_tb
        self.signature = __import__("inspect").signature
        self.capture = Capture()

    def takes_by_name(self, fn, names: list[str]) -> bool:
        """Whether ``fn`` has a parameter of each of the stub's names (then inputs go by name)."""
        try:
            params = self.signature(fn).parameters
            ok = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            return all(isinstance(n, str) and n in ok for n in names)
        except BaseException:  # noqa: BLE001 - a builtin, or a learner object that hides its signature
            return False

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
                    frames.append([fr.lineno, str(fr.name)])
        except BaseException:  # noqa: BLE001
            pass
        return {"type": type(e).__name__, "message": msg[:2000], "frames": frames[-20:]}

    def call_with_capture(self, fn, args=(), kwargs=None):
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.capture
        try:
            return fn(*args, **(kwargs or {}))
        finally:
            sys.stdout, sys.stderr = old

    def mutated(self, sent: list[tuple[str, dict, object]]) -> list[str]:
        """The inputs whose contents the call changed (compared with the bytes that were sent)."""
        out = []
        for name, wire, obj in sent:
            try:
                now = self.codec.encode(obj)
            except BaseException:  # noqa: BLE001 - e.g. resized to something unreadable
                out.append(name)
                continue
            if now.get("shape") != wire.get("shape") or now.get("data") != wire.get("data"):
                out.append(name)
        return out

    def run(self) -> None:
        job, chan = self.job, self.chan
        import linecache
        import types

        source = job["source"]
        # The learner's file, from memory: tracebacks, inspect and torch.jit.script read it here.
        linecache.cache[self.filename] = (len(source), None, source.splitlines(True), self.filename)
        chan.send(ev="started")
        module_name = job["module"]
        mod = types.ModuleType(module_name)
        mod.__file__ = self.filename
        sys.modules[module_name] = mod
        try:
            code = compile(source, self.filename, "exec", dont_inherit=True)
            self.call_with_capture(lambda: exec(code, mod.__dict__))
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
                chan.send(ev="missing", fn=i, defined=[str(d) for d in defined[:30]],
                          found=type(fn).__name__ if name in ns else None)
                continue
            positional = spec.get("positional") or []
            if positional and self.takes_by_name(fn, positional):
                positional = []  # named as in the stub: matched by name, whatever their order
            for j, case in enumerate(spec["cases"]):
                chan.send(ev="call", fn=i, case=j)
                try:
                    inputs = case["inputs"]
                    values = {k: self.codec.to_python(v) for k, v in inputs.items()}
                    args = [values[k] for k in positional]
                    kwargs = {k: v for k, v in values.items() if k not in positional}
                    sent = [(k, inputs[k], values[k]) for k in inputs if inputs[k]["t"] == "array"]
                    seed = case["seed"]
                    self.manual_seed(seed)
                    self.py_random_seed(seed)
                    self.np_seed(seed % 2**32)
                except BaseException as e:  # noqa: BLE001
                    chan.send(ev="setup_error", message=f"cannot decode the inputs: {e}")
                    return
                try:
                    value = self.call_with_capture(fn, args, kwargs)
                except BaseException as e:  # noqa: BLE001
                    chan.send(ev="raised", fn=i, case=j, error=self.describe(e), output=self.capture.take(),
                              mutated=self.mutated(sent))
                    continue
                try:
                    enc = self.codec.encode(value)
                except BaseException as e:  # noqa: BLE001
                    chan.send(ev="raised", fn=i, case=j, output=self.capture.take(), mutated=[],
                              error={**self.describe(e), "when": "converting the returned value"})
                    continue
                chan.send(ev="result", fn=i, case=j, value=enc, output=self.capture.take(),
                          mutated=self.mutated(sent))
        chan.send(ev="done")


if __name__ == "__main__":
    main()
