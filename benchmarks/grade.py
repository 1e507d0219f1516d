"""How long `cardgen grade` takes on a file with the three contract exercises.

Runs the real CLI in a subprocess: once with an empty case cache (the grader computes the
inputs and references, importing torch alongside the sandboxed child), then a few times
with the cache warm (the usual case: `exercise new` or an earlier grade filled it).
Prints wall-clock and CPU seconds; the target is under 5 s on 2 idle cores.

    python benchmarks/grade.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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


def run_once(path: Path, env: dict) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the grader and its sandboxed child) and the exit status."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "cardgen", "grade", str(path)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=path.parent)
    out, err = p.stdout.read(), p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        print(out.decode(), err.decode(), file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, p.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "three.py"
        path.write_text(SOLUTION)
        env = dict(os.environ, CARDGEN_CACHE=str(Path(tmp) / "cache"))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"grading 3 functions ({os.cpu_count()} CPUs, load average {load:.2f})")
        cold, cpu, rc = run_once(path, env)
        print(f"  cold cache: {cold:5.2f} s wall, {cpu:5.2f} s CPU (exit {rc})")
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, cpu, rc = run_once(path, env)
            walls.append(wall)
            cpus.append(cpu)
        print(f"  warm cache: {statistics.median(walls):5.2f} s wall (median of {args.runs}; "
              f"min {min(walls):.2f}), {statistics.median(cpus):5.2f} s CPU (exit {rc})")
        slow = [name for name, t in (("cold", cold), ("warm", min(walls))) if t >= 5.0]
        status = "OK" if not slow else f"SLOW {' and '.join(slow)} (target: under 5 s on 2 idle cores)"
        print(f"  {status}")


if __name__ == "__main__":
    main()
