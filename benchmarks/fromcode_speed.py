"""`cardgen from-code DIR -o x.apkg` (default options, fresh process, empty cache) against the
same command run by another checkout of cardgen — the baseline — in the same run.

The issue's bound is "no slower than 1.2x the code before the one pattern engine". Runs
alternate (baseline, current, baseline, ...) so a busy neighbour hurts both alike; CPU time
is printed too, as the steadier figure on a shared machine.

    python benchmarks/fromcode_speed.py DIR --baseline /path/to/old/checkout [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def once(checkout: Path, tree: Path) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(checkout), "CARDGEN_CACHE": str(Path(tmp) / "cache")}
        out = Path(tmp) / "x.apkg"
        c0, t0 = _cpu(), time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cardgen", "from-code", str(tree), "-o", str(out)],
                              env=env, capture_output=True, text=True, cwd=tmp)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        if proc.returncode != 0:
            sys.exit(f"{checkout}: from-code failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        summary = next((line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("Found")), "")
        return wall, cpu, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", type=Path)
    ap.add_argument("--baseline", type=Path, required=True, help="a checkout of the code to compare with")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "current": []}
    for _ in range(a.repeat):
        for label, checkout in (("baseline", a.baseline), ("current", ROOT)):
            wall, cpu, summary = once(checkout, a.tree)
            runs[label].append((wall, cpu))
            print(f"{label:8s} {wall:6.2f} s wall {cpu:6.2f} s CPU  {summary}")
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
    print(f"median wall: baseline {med['baseline'][0]:.2f} s, current {med['current'][0]:.2f} s, "
          f"ratio {med['current'][0] / med['baseline'][0]:.2f}x (bound 1.2x)")
    print(f"median CPU:  baseline {med['baseline'][1]:.2f} s, current {med['current'][1]:.2f} s, "
          f"ratio {med['current'][1] / med['baseline'][1]:.2f}x")


if __name__ == "__main__":
    main()
