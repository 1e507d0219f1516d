"""Time `cardgen build-deck` from a cold cache and again with nothing changed, and `cardgen --help`.

Cold: an empty CARDGEN_CACHE, so the superposition training run, every variant and every
picture is computed. Warm: the same command again, which reads every rendered note from the
cache. Targets (2-core machine): cold < 60 s, warm < 5 s, --help < 1 s. The CPU time of each
build is printed too: on a busy machine the wall time says more about the neighbours.

    python benchmarks/build_deck.py [--topics einsum,einops] [--variants 8]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"cold build": 60.0, "warm build": 5.0, "cardgen --help": 1.0}


CPU: dict[str, float] = {}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(args: list[str], env: dict[str, str], label: str = "") -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one cardgen run; its CPU time goes to CPU[label] (a check on a busy machine)."""
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cardgen", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if label:
        CPU[label] = _children_cpu() - cpu0
    if proc.returncode != 0:
        sys.exit(f"cardgen {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", default="all")
    parser.add_argument("--variants", type=int, default=8)
    args = parser.parse_args()

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cardgen-bench-") as tmp:
        env = {**os.environ, "CARDGEN_CACHE": str(Path(tmp) / "cache"), "CARDGEN_HOME": str(Path(tmp) / "home")}
        deck = str(Path(tmp) / "cardgen.apkg")
        cmd = ["build-deck", "-o", deck, "--topics", args.topics, "--variants", str(args.variants)]
        results["cold build"], cold = timed(cmd, env, "cold build")
        results["warm build"], warm = timed(cmd, env, "warm build")
        results["cardgen --help"] = min(timed(["--help"], env)[0] for _ in range(3))
        size = os.path.getsize(deck)
    summary = [line for line in cold.stdout.splitlines() if "media files" in line]
    load = os.getloadavg()[0]
    print(f"deck: topics {args.topics}, {args.variants} variants per card, {size / 1e6:.1f} MB; "
          f"{os.cpu_count()} CPUs, load average {load:.1f}")
    if summary:
        print("cold: " + summary[0].strip())
    worst = 0
    for name, seconds in results.items():
        target = TARGETS[name]
        ok = seconds < target
        worst |= not ok
        cpu = f"(cpu {CPU[name]:.1f} s)" if name in CPU else ""
        print(f"{name:<16} {seconds:7.2f} s {cpu:<14} target < {target:g} s   {'ok' if ok else 'TOO SLOW'}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
