"""How fast the next exercise appears after an answer in ``cardgen drill``.

Runs a real drill on a pseudo-terminal (a fresh store in a temporary directory), answers
~20 exercises (alternately right and wrong, computed from each exercise's seed) after a
short think time (``--think``, default 2 s: the next variant is generated in the background
meanwhile, as it is while a learner reads and types; ``--think 0`` measures generation
itself), and times each answer from the moment its line is written to the moment the next ``answer>`` prompt
has been printed: checking, saving the review (one SQLite transaction, fsync'd), picking
the next card and showing its variant. The first prompt (which imports torch) is timed
separately. Target: median and p95 under 200 ms.

Usage: python benchmarks/drill.py [--answers 20] [--topic einsum] [--think 2]
"""
from __future__ import annotations

import argparse
import os
import pty
import re
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = re.compile(r"\[(\d+)/(\d+)\] (\S+) · (\w+) · seed (\d+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\r")


class Pty:
    def __init__(self, argv: list[str], env: dict[str, str]):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(argv[0], argv, env)
        self.buf = ""

    def wait_for(self, rx: re.Pattern, timeout: float = 120) -> re.Match:
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {rx.pattern!r}; got:\n{self.buf[-2000:]}")
            r, _, _ = select.select([self.fd], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise SystemExit(f"drill ended early; output:\n{self.buf[-2000:]}")
                self.buf += ANSI.sub("", chunk.decode("utf-8", "replace"))

    def next_exercise(self) -> tuple[str, str, int]:
        m = self.wait_for(HEADER)
        self.wait_for(re.compile(re.escape("answer> ")))
        return m.group(3), m.group(4), int(m.group(5))

    def send(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=20)
    ap.add_argument("--topic", default="einsum")
    ap.add_argument("--think", type=float, default=2.0,
                    help="seconds between seeing an exercise and answering it (a quick learner; 0 = instant)")
    args = ap.parse_args()
    from exercises import get_family  # the benchmark computes answers the way the tests do

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, CARDGEN_HOME=home, PYTHONPATH=str(ROOT), NO_COLOR="1", COLUMNS="100")
        from cardgen.drill.session import slots

        n = min(args.answers, len(slots(args.topic)) - 1)  # every exercise a new card: n + 1 of them
        t0 = time.monotonic()
        child = Pty([sys.executable, "-m", "cardgen", "drill", "--topic", args.topic, "--limit", str(n + 1),
                     "--new", str(n + 1), "--no-override"], env)
        current = child.next_exercise()
        shown = time.monotonic()
        first = shown - t0
        latencies = []
        for i in range(n):
            fam, form, seed = current
            v = get_family(fam).variant(seed=seed, form=form)
            answer = v.answer_text if i % 2 == 0 else v.distractors[0]
            time.sleep(max(0.0, args.think - (time.monotonic() - shown)))
            start = time.monotonic()
            child.send(answer)
            if i % 2:  # a miss: the Socratic question waits for one more try; "?" shows the answer
                child.wait_for(re.compile(re.escape("again> ")))
                start = time.monotonic()
                child.send("?")
            current = child.next_exercise()
            shown = time.monotonic()
            latencies.append((shown - start) * 1000)
            if latencies[-1] > 200:
                print(f"slow: {latencies[-1]:.0f} ms to show {current[0]} ({current[1]})")
        os.write(child.fd, b"\x04")  # Ctrl-D: end the session
        os.waitpid(child.pid, 0)
    print("per answer (ms):", " ".join(f"{x:.0f}" for x in latencies))
    lat = sorted(latencies)
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    print(f"first exercise shown after {first:.2f} s (process start, torch import, store creation)")
    print(f"topic {args.topic}, think time {args.think:g} s; "
          f"answer -> next exercise over {n} answers: median {statistics.median(lat):.0f} ms, "
          f"p95 {p95:.0f} ms, max {lat[-1]:.0f} ms (target < 200 ms)")


if __name__ == "__main__":
    main()
