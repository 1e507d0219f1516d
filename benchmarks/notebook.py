"""The notebook magics against their terminal baselines, in a real ipykernel.

1. Grading: ``%%cardgen grade`` on a 3-function cell (wall time from the execute request to
   the kernel going idle; the cell's own run included) against ``cardgen grade FILE`` on the
   same code (a fresh process, as a learner runs it), both warm (case cache filled, one
   run each first). Target: the magic ≤ 1.2× ``cardgen grade``. The in-kernel call the magic
   wraps (``grade_file`` without the fork server) is timed too, for reference.
2. Drill: ``%cardgen drill --no-override`` on einsum cards, answered alternately right and
   wrong after ``--think`` seconds (the next variant is generated meanwhile, as while a
   learner reads); each answer is timed from the moment the reply is sent to the moment the
   next card's input box is requested (check, save, verdict HTML, next card HTML). Target:
   median and p95 ≤ 200 ms.

Usage: python benchmarks/notebook.py [--runs 5] [--answers 12] [--think 1]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests._notebook_helpers import execute, kernel_env, last_card, start_kernel  # noqa: E402

def _solution() -> str:
    """The 3-function solution of benchmarks/grade.py (same code as the grader's benchmark)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("grade_bench", ROOT / "benchmarks" / "grade.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.SOLUTION


CELL = _solution()


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def bench_grade(kc, where: Path, runs: int) -> None:
    path = where / "solution.py"
    path.write_text(CELL)
    cli = [sys.executable, "-m", "cardgen", "grade", str(path)]
    env = kernel_env(where / "home")
    magic, plain, terminal = [], [], []
    execute(kc, "%%cardgen grade\n" + CELL)  # warm: cases cached, fork server started
    subprocess.run(cli, capture_output=True, cwd=ROOT, env=env)
    execute(kc, "from cardgen.grade.grader import grade_file\nimport pathlib, time")
    for _ in range(runs):
        t = time.perf_counter()
        run = execute(kc, "%%cardgen grade\n" + CELL)
        magic.append(time.perf_counter() - t)
        assert any('data-status="pass"' in h for h in run.html()), run.text()[-2000:]
        t = time.perf_counter()
        r = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=env)
        terminal.append(time.perf_counter() - t)
        assert r.returncode == 0, r.stdout + r.stderr
        run = execute(kc, f"t = time.perf_counter(); rep = grade_file(pathlib.Path({str(path)!r})); "
                          "print(rep.status, time.perf_counter() - t)")
        status, secs = run.text().split()
        assert status == "pass"
        plain.append(float(secs))
    m, c, p = _median(magic), _median(terminal), _median(plain)
    print(f"grade a 3-function cell ({runs} runs, medians): %%cardgen grade {m:.2f} s · "
          f"cardgen grade {c:.2f} s · grade_file in the kernel {p:.2f} s")
    print(f"  ratio magic / cardgen grade = {m / c:.2f} (target ≤ 1.2) -> {'OK' if m <= 1.2 * c else 'OVER'}")


def bench_drill(kc, where: Path, answers: int, think: float) -> None:
    from exercises import get_family

    db = where / "bench.sqlite3"
    k = {"n": 0}

    def learner(prompt, run):
        fam, form, seed = last_card(run)
        v = get_family(fam).variant(seed=seed, form=form)
        time.sleep(think)
        k["n"] += 1
        return v.answer_text if k["n"] % 2 else v.distractors[0]

    run = execute(kc, f"%cardgen drill --topic einsum --limit {answers + 1} --new {answers + 1} --no-override "
                      f"--no-llm --db {db}", answer=learner, timeout=600)
    # each reply -> the next card's display, and -> the next input box (the card is shown just before it)
    to_card, to_box = [], []
    times = run.times
    for i, (t, what) in enumerate(times):
        if what != "reply":
            continue
        later = times[i + 1:]
        card = next((u for u, w in later if w == "card"), None)
        box = next((u for u, w in later if w == "input_request"), None)
        if card is not None and box is not None and card < box:  # this reply ended a card
            to_card.append(1000 * (card - t))
            to_box.append(1000 * (box - t))
    for name, xs in (("next card shown", to_card), ("next input box", to_box)):
        xs = sorted(xs)
        p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
        print(f"drill: answer -> {name}: {len(xs)} answers, median {_median(xs):.0f} ms, p95 {p95:.0f} ms, "
              f"max {xs[-1]:.0f} ms (target ≤ 200 ms) -> {'OK' if p95 <= 200 else 'OVER'}")
    print("  each (right/wrong alternately): " + " ".join(f"{x:.0f}" for x in to_card))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--answers", type=int, default=12)
    ap.add_argument("--think", type=float, default=1.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        (where / "home").mkdir()
        t = time.perf_counter()
        km, kc = start_kernel(where, kernel_env(where / "home"))
        try:
            execute(kc, "%load_ext cardgen")
            print(f"kernel start + %load_ext: {time.perf_counter() - t:.1f} s")
            bench_grade(kc, where, args.runs)
            bench_drill(kc, where, args.answers, args.think)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
