"""A real IPython kernel for the notebook tests: started through jupyter_client with this
interpreter, driven like a frontend (execute requests, input replies), its messages kept."""
from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
KERNEL_NAME = "cardgen-test"


def kernel_env(home: Path, **extra: str) -> dict[str, str]:
    """The kernel's environment: a private CARDGEN_HOME, a fixed clock, no LLM, UTC."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CARDGEN_"))}
    env.update({"CARDGEN_HOME": str(home), "CARDGEN_NOW": "2030-01-06T09:00:00Z", "TZ": "UTC",
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
                "MPLBACKEND": "Agg"})
    env.update(extra)
    return env


def kernel_spec_manager(where: Path):
    """A kernel spec that runs ipykernel with this very interpreter (the worktree's venv)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = where / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cardgen test", "language": "python"}))
    return KernelSpecManager(kernel_dirs=[str(where / "kernels")])


def start_kernel(where: Path, env: dict[str, str]):
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_spec_manager(where))
    km.start_kernel(env=env, cwd=str(where))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc


class Run:
    """What one execute request produced."""

    def __init__(self):
        self.outputs: list[dict] = []  # iopub content of display_data / execute_result / stream / error
        self.reply: dict = {}
        self.prompts: list[str] = []
        self.times: list[tuple[float, str]] = []  # (monotonic time, what): for benchmarks

    def html(self) -> list[str]:
        return [o["data"]["text/html"] for o in self.outputs if "text/html" in o.get("data", {})]

    def pngs(self) -> list[str]:
        return [o["data"]["image/png"] for o in self.outputs if "image/png" in o.get("data", {})]

    def text(self) -> str:
        parts = []
        for o in self.outputs:
            if "text" in o:
                parts.append(o["text"])
            elif "text/plain" in o.get("data", {}):
                parts.append(o["data"]["text/plain"])
            elif "traceback" in o:
                parts.append("\n".join(o["traceback"]))
        return "\n".join(parts)

    def errors(self) -> list[dict]:
        return [o for o in self.outputs if "traceback" in o]


def execute(kc, code: str, answer: Callable[[str, Run], str] | None = None, timeout: float = 300) -> Run:
    """Run ``code``; each input request is answered by ``answer(prompt, run_so_far)``."""
    run = Run()
    msg_id = kc.execute(code, allow_stdin=answer is not None)
    end = time.monotonic() + timeout
    idle = False
    while not (idle and run.reply):
        if time.monotonic() > end:
            raise TimeoutError(f"no end of execution within {timeout} s; so far:\n{run.text()[-3000:]}")
        if answer is not None:
            try:
                msg = kc.get_stdin_msg(timeout=0.005)
            except Exception:  # queue.Empty
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                prompt = msg["content"]["prompt"]
                _drain(kc, msg_id, run, quiet=0.1)  # everything shown before the prompt
                run.prompts.append(prompt)
                run.times.append((time.monotonic(), "input_request"))
                reply = answer(prompt, run)
                run.times.append((time.monotonic(), "reply"))
                kc.input(reply)
                continue
        if not run.reply:
            try:
                rep = kc.get_shell_msg(timeout=0.005)
                if rep["parent_header"].get("msg_id") == msg_id:
                    run.reply = rep["content"]
            except Exception:
                pass
        idle = _drain(kc, msg_id, run) or idle
    return run


def _drain(kc, msg_id: str, run: Run, quiet: float = 0.005) -> bool:
    """Move the iopub messages waiting now (until ``quiet`` seconds pass without one) into
    ``run``; True once the kernel went idle."""
    idle = False
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=quiet)
        except Exception:
            return idle
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("display_data", "execute_result", "stream", "error"):
            run.outputs.append(msg["content"])
            card = 'class="cardgen-card"' in msg["content"].get("data", {}).get("text/html", "")
            run.times.append((time.monotonic(), "card" if card else kind))
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True


CARD = re.compile(r'class="cardgen-card" data-family="([^"]+)" data-form="([^"]+)" data-seed="(\d+)"')


def last_card(run: Run) -> tuple[str, str, int]:
    for h in reversed(run.html()):
        m = CARD.search(h)
        if m:
            return m.group(1), m.group(2), int(m.group(3))
    raise AssertionError("no card was displayed")
