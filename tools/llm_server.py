"""llama-cpp-python's OpenAI-compatible server as a context manager: started on a free loopback
port, waited for until it answers, and stopped however the block ends (an exception, Ctrl-C, a
SIGTERM to this process). Used by ``make llm-check`` (benchmarks/llm_real.py); the server runs in
its own environment (``.venv-llm``) so cardgen's stays free of llama.cpp.

    with LlamaServer(".venv-llm/bin/python", "SmolLM2-135M-Instruct.Q4_1.gguf") as srv:
        os.environ["OPENAI_BASE_URL"] = srv.base_url
        ...
        srv.kill()   # as if it crashed: SIGKILL, no goodbye

Run by hand: ``python tools/llm_server.py PYTHON MODEL`` prints the base URL until Ctrl-C.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the server is killed when this process dies, even by SIGKILL (a `timeout -s KILL`
    around make once left a server spinning); stop() still handles every ordinary ending."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ServerError(RuntimeError):
    """The server did not start; the message ends with the last lines of its log."""


class LlamaServer:
    def __init__(self, python: str, model: str, *, threads: int = 1, n_ctx: int = 2048,
                 log: str | Path | None = None, start_timeout: float = 180.0, nice: int = 0):
        self.python, self.model = python, model
        self.threads, self.n_ctx, self.nice = threads, n_ctx, nice
        self.log = Path(log) if log else Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-server-{os.getpid()}.log"
        self.start_timeout = start_timeout
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.model_id = Path(model).name

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def start(self) -> "LlamaServer":
        if not Path(self.model).is_file():
            raise ServerError(f"no model file at {self.model}")
        self.port = free_port()
        cmd = [self.python, "-m", "llama_cpp.server", "--model", self.model, "--model_alias", self.model_id,
               "--host", "127.0.0.1", "--port", str(self.port), "--n_threads", str(self.threads),
               "--n_threads_batch", str(self.threads), "--n_ctx", str(self.n_ctx)]
        if self.nice and hasattr(os, "nice"):
            cmd = ["nice", "-n", str(self.nice), *cmd]
        out = self.log.open("wb")
        # A session of its own, so stop()/kill() reach the server and anything it started.
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True,
                                     preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        out.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"the server exited with status {self.proc.returncode}:\n{self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    ids = [m["id"] for m in json.load(r).get("data", [])]
                if ids:
                    self.model_id = ids[0]
                return self
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.3)
        self.stop()
        raise ServerError(f"the server did not answer within {self.start_timeout:g} s:\n{self._tail()}")

    def _signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL: the server dies as in a crash (open connections are cut)."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; safe to call twice or after kill()."""
        if self.proc is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "LlamaServer":
        # A SIGTERM to us (make killed, CI timeout) must still stop the server: turn it into an exit.
        self._old_term = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            return self.start()
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            signal.signal(signal.SIGTERM, self._old_term)


if __name__ == "__main__":  # pragma: no cover - manual use
    if len(sys.argv) != 3:
        sys.exit("usage: python tools/llm_server.py PYTHON_WITH_LLAMA_CPP MODEL.gguf")
    with LlamaServer(sys.argv[1], sys.argv[2]) as srv:
        print(f"OPENAI_BASE_URL={srv.base_url} CARDGEN_LLM_MODEL={srv.model_id}  (Ctrl-C stops)", flush=True)
        try:
            while srv.alive:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
