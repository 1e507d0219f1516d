"""How long `cardgen grade` takes on a file with the three contract exercises, one-shot and
under `--watch`, for this code and (optionally) another checkout of cardgen in the same run.

* one-shot: the real CLI in a subprocess, once with an empty case cache, then ``--runs``
  times warm (the usual case); wall-clock and CPU seconds.
* watch: ``cardgen grade --watch`` in a subprocess; the file is saved ``--saves`` times and
  each time the seconds from the save to the new verdict's score line are measured (the
  target: a median under 0.5 s).

``--base DIR`` runs the same measurements with the cardgen in DIR (e.g. a worktree of the
last commit: ``git worktree add /tmp/grade-base HEAD``), interleaved run by run so that both
see the same machine load.

    python benchmarks/grade.py [--runs 5] [--saves 8] [--base /tmp/grade-base]
"""
from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SOLUTION = '''\
import math

import torch


def batched_matmul(a, b):
    return torch.einsum("bik,bkj->bij", a, b)


def forward(W, b_final, features):
    hidden = torch.einsum("bif,ifh->bih", features, W)
    return torch.relu(torch.einsum("bih,ifh->bif", hidden, W) + b_final)


def cosine_decay_lr(step, steps):
    return math.cos(0.5 * math.pi * step / (steps - 1))
'''


def _env(cache: Path, code: Path | None) -> dict:
    env = dict(os.environ, CARDGEN_CACHE=str(cache))
    env.pop("CARDGEN_GRADE_SANDBOX", None)
    if code is not None:
        env["PYTHONPATH"] = str(code)  # ahead of the editable install's finder
    else:
        env.pop("PYTHONPATH", None)
    return env


def run_once(path: Path, env: dict) -> tuple[float, int]:
    """Wall seconds and the exit status."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "cardgen", "grade", str(path)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=path.parent)
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        print(out.decode()[-2000:], err.decode()[-2000:], file=sys.stderr)
    return wall, p.returncode


def watch_latencies(path: Path, env: dict, saves: int) -> list[float]:
    """Seconds from each save to the next score line of `grade --watch`."""
    path.write_text(SOLUTION)
    p = subprocess.Popen([sys.executable, "-m", "cardgen", "grade", str(path), "--watch"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=path.parent)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.perf_counter(), ln)) for ln in p.stdout], daemon=True).start()

    def next_score(timeout: float = 120.0) -> float:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                t, ln = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if ln.startswith("score:") or "score:" in ln:
                return t
        raise RuntimeError("no verdict from --watch")

    out = []
    try:
        next_score()
        time.sleep(5.0)  # let a fork server finish importing torch, as it has between saves in real use
        for k in range(saves):
            time.sleep(0.4)
            t0 = time.perf_counter()
            path.write_text(SOLUTION + f"\n# save {k}\n")
            out.append(next_score() - t0)
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--saves", type=int, default=6)
    ap.add_argument("--base", type=Path, default=None, help="another cardgen checkout to compare with")
    args = ap.parse_args()
    versions = {"this": Path(__file__).resolve().parents[1]}  # the checkout this file is in
    if args.base is not None:
        versions["base"] = args.base.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"grading 3 functions ({os.cpu_count()} CPUs, load average {load:.2f} at the start)")
        files = {}
        for name, code in versions.items():
            d = tmp / name
            d.mkdir()
            files[name] = (d / "three.py", _env(d / "cache", code))
            files[name][0].write_text(SOLUTION)
        for name, (path, env) in files.items():
            wall, rc = run_once(path, env)
            print(f"  {name:5s} one-shot, cold cache: {wall:5.2f} s wall (exit {rc})")
        walls: dict[str, list[float]] = {n: [] for n in files}
        for _ in range(args.runs):  # interleaved: both see the same load
            for name, (path, env) in files.items():
                walls[name].append(run_once(path, env)[0])
        for name, w in walls.items():
            print(f"  {name:5s} one-shot, warm cache: median {statistics.median(w):5.2f} s, min {min(w):.2f} s "
                  f"(of {len(w)})")
        for name, (path, env) in files.items():
            lat = watch_latencies(path.with_name("watched.py"), env, args.saves)
            print(f"  {name:5s} --watch, save to verdict: median {statistics.median(lat):5.2f} s, "
                  f"max {max(lat):.2f} s (of {len(lat)})")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"  (load average {load:.2f} at the end)")


if __name__ == "__main__":
    main()
