"""A small mutation check: does the suite notice one-line bugs?

Each mutation below replaces one line (or one expression) of the project in a scratch copy of
the repository, then runs the tests that should notice; a mutation is *killed* when they fail,
and *survives* when they pass. The tests are first run on the unmutated copy: a selection that
fails there says nothing, so the script stops. Not collected by pytest (its name does not start
with ``test_``); run it by hand, it takes some minutes on 2 cores::

    .venv/bin/python tests/mutation_check.py            # every mutation
    .venv/bin/python tests/mutation_check.py redraw     # those whose name contains "redraw"

The copy lives in a temporary directory and is put first on ``PYTHONPATH``, so the editable
install of the checkout is not touched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 900  # seconds per test run


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    old: str  # must occur exactly once in the file
    new: str
    tests: tuple[str, ...]  # pytest arguments


MUTATIONS = [
    # -- the mutations
    Mutation("review: a card that cannot be re-derived is 'not checkable'", "cardgen/llm/review.py",
             'return None, _crashed(f"re-deriving the card raised {_exc(e)}")',
             'return None, _not_checkable(f"re-deriving the card raised {_exc(e)}")',
             ("tests/test_llm_review.py::test_a_card_that_cannot_be_rederived_is_an_error_not_a_pass",)),
    Mutation("einsum: _shape_is_shown returns False", "exercises/einsum/_common.py",
             "    ins, out = split(expr)\n    return any(term == out for term in ins)",
             "    return False",
             ("tests/test_card_traps.py", "-k", "printed and einsum and shape")),
    Mutation("redraw: running out of draws returns None", "exercises/redraw.py",
             'raise DrawsExhausted(f"{family}/{form}/{seed}: none of {tries} draws {why}")', "return None",
             ("tests/test_redraw.py",)),
    # -- card review and the traps
    Mutation("review: a not-checkable trap counts as meeting", "cardgen/llm/review.py",
             "out[p][res.status] += 1", 'out[p]["meets" if res.meets is not False else "breaks"] += 1',
             ("tests/test_llm_review.py", "-k", "checkable or rederived")),
    # -- family guards (tests/test_family_guards.py)
    Mutation("interference: all-orthogonal rows allowed", "exercises/superposition/interference.py",
             "if values[i] <= 0:", "if False:", ("tests/test_family_guards.py",)),
    Mutation("w_convention: a zero entry allowed", "exercises/superposition/w_convention.py",
             "if value == 0:", "if False:", ("tests/test_family_guards.py",)),
    Mutation("sae_loss: perfect reconstruction allowed", "exercises/superposition/sae_loss.py",
             "if h == h_hat or not any(a < 0 for row in acts for a in row):", "if False:",
             ("tests/test_family_guards.py",)),
    Mutation("loss: a model copying its input allowed", "exercises/superposition/loss.py",
             "if torch.equal(t_out, t_batch):", "if False:", ("tests/test_family_guards.py",)),
    Mutation("number_mistakes: an accepted mistake is kept", "exercises/superposition/_common.py",
             "        if any(check.check(r).correct for r in (precision.format(v), spell(v))):\n            return None",
             "        if any(check.check(r).correct for r in (precision.format(v), spell(v))):\n            pass",
             ("tests/test_family_guards.py",)),
    # -- checkers
    Mutation("SetCheck: missing and extra swapped in the diagnosis", "exercises/checking/checks.py",
             '"missing" if not extra else "extra" if not missing else "missing_and_extra"',
             '"extra" if not extra else "missing" if not missing else "missing_and_extra"',
             ("tests/test_checking.py",)),
    Mutation("Precision: a whole unit of tolerance", "exercises/checking/precision.py",
             "return self.unit(expected) / 2 + eps", "return self.unit(expected) + eps",
             ("tests/test_checking.py",)),
    # -- superpos_core
    Mutation("linear_lr divides by steps - 1", "superpos_core/train.py",
             "return 1 - (step / steps)", "return 1 - (step / (steps - 1))",
             ("tests/test_core_train.py::test_lr_schedules",)),
    Mutation("loop: the last step is not reported", "superpos_core/loop.py",
             "report = step % print_freq == 0 or step + 1 == steps", "report = step % print_freq == 0",
             ("tests/test_core_train.py", "-k", "returns or same_seed or progress or hooks")),
    Mutation("loop: the thread count is not restored", "superpos_core/loop.py",
             "        if torch.get_num_threads() != threads:\n            torch.set_num_threads(threads)",
             "        if False:\n            torch.set_num_threads(threads)",
             ("tests/test_core_train.py::test_thread_setting_restored_and_bad_steps",)),
    Mutation("sae: resampling one step early", "superpos_core/sae.py",
             "if resampling and (step + 1) % self.resample_window == 0:",
             "if resampling and step % self.resample_window == 0:",
             ("tests/test_core_sae.py", "-k", "resampled")),
    Mutation("feature dimensionality: norm not squared", "superpos_core/analysis.py",
             "num = torch.linalg.vector_norm(W, dim=-1).square()", "num = torch.linalg.vector_norm(W, dim=-1)",
             ("tests/test_core_analysis.py",)),
    # -- drill and deck
    Mutation("drill: a hint no longer caps the rating", "cardgen/drill/scheduler.py",
             "return min(rating, HARD) if hints_used else rating", "return rating",
             ("tests/test_drill_scheduler.py",)),
    Mutation("drill: Easy and Good thresholds swapped", "cardgen/drill/scheduler.py",
             "rating = EASY if seconds < easy else GOOD if seconds < good else HARD",
             "rating = GOOD if seconds < easy else EASY if seconds < good else HARD",
             ("tests/test_drill_scheduler.py",)),
    Mutation("deck: the note GUID ignores the form", "cardgen/deck/model.py",
             'f"cardgen-note/{family_id}/{form}"', 'f"cardgen-note/{family_id}"',
             ("tests/test_deck_render.py",)),
]


def scratch_copy(dest: Path) -> None:
    """The checkout's tracked and untracked (not ignored) files, copied to ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def run_tests(copy: Path, args: tuple[str, ...]) -> tuple[bool, float]:
    """Whether the tests pass in ``copy``, and how long they took."""
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    t = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args],
                           cwd=copy, env=env, capture_output=True, timeout=TIMEOUT)
        ok = p.returncode == 0
    except subprocess.TimeoutExpired:
        ok = False  # a hang is noticed too
    return ok, time.perf_counter() - t


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTATIONS if not argv or any(a in m.name for a in argv)]
    with tempfile.TemporaryDirectory(prefix="cardgen-mutants-") as tmp:
        copy = Path(tmp)
        scratch_copy(copy)
        for m in chosen:  # every mutation must still apply: the code it targets may have moved
            n = (copy / m.path).read_text(encoding="utf-8").count(m.old)
            if n != 1:
                print(f"stale mutation ({n} matches of its line in {m.path}): {m.name}")
                return 2
        for args in dict.fromkeys(m.tests for m in chosen):
            ok, secs = run_tests(copy, args)
            if not ok:
                print(f"the unmutated copy fails {' '.join(args)}: fix that first")
                return 2
        killed = 0
        print(f"{'mutation':62} {'result':9} seconds")
        for m in chosen:
            path = copy / m.path
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace(m.old, m.new), encoding="utf-8")
            try:
                ok, secs = run_tests(copy, m.tests)
            finally:
                path.write_text(original, encoding="utf-8")
            killed += not ok
            print(f"{m.name[:62]:62} {'survived' if ok else 'killed':9} {secs:5.0f}", flush=True)
        print(f"killed {killed} of {len(chosen)} mutations")
    return 0 if killed == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
