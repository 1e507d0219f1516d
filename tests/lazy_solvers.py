"""The lazy solvers of issue 11 and a stranger's solvers of issue 18 run over many seeds: the
numbers the card-trap tests judge.

The solvers themselves live in :mod:`exercises.traps` (one place, shared with
``cardgen review-cards``); this module runs them over the registry. Run it directly for a
report of every family: ``python tests/lazy_solvers.py [seeds]`` (``--stranger``: only the table
of :mod:`exercises.solvers`).
"""
from __future__ import annotations

import sys
from collections import defaultdict
from contextlib import contextmanager
from functools import cache

from exercises import all_families, get_family
from exercises.solvers import ENFORCED, REPORTED, Measure, measure
from exercises.solvers import measure_in_mix as write_measure_in_mix
from exercises.task_solvers import TASK_REPORTED, TASK_SOLVERS, TaskMeasure, measure_in_mix, measure_tasks
from exercises.traps import (
    WRITE_FORMS,
    answer_share,
    canonical_answer,
    lazy_write_solves,
    missing_precision,
    question_key,
    solved_by,
    value_attempts,
)

SEEDS = 100  # the most any measure uses; variants are drawn once and cached


_DRAWN: dict[tuple[str, str], list] = {}


def variants(family_id: str, form: str, n: int = SEEDS) -> tuple:
    """Seeds 0..n-1 of one family and form (n <= 100), each drawn once per session and only when
    asked for (a picture card costs a tenth of a second to draw)."""
    if n > SEEDS:
        raise ValueError(f"at most {SEEDS} seeds are drawn")
    drawn = _DRAWN.setdefault((family_id, form), [])
    if len(drawn) < n:
        fam = get_family(family_id)
        with no_pictures():  # every measure here reads the card's text and answer, never its picture
            drawn += [fam.variant(seed=s, form=form) for s in range(len(drawn), n)]
    return tuple(drawn[:n])


@contextmanager
def no_pictures():
    """matplotlib's renderers replaced by a stub while cards are drawn: the tests of what a picture
    card asks and explains draw hundreds of cards, and the pictures have their own tests."""
    import pytest

    import superpos_core.plots as plots
    import superpos_core.sae_plots as sae_plots

    with pytest.MonkeyPatch.context() as mp:
        for name in ("feature_geometry_png", "neuron_weights_png", "phase_diagram_png", "gram_heatmap_png"):
            mp.setattr(plots, name, lambda *a, **k: b"\x89PNG\r\n\x1a\n stub")
        mp.setattr(sae_plots, "sae_directions_png", lambda *a, **k: b"\x89PNG\r\n\x1a\n stub")
        yield


def slots(forms: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Every (family id, form) of the registry, optionally only the given forms."""
    return [(f.id, form) for f in all_families() for form in f.forms if forms is None or form in forms]


#: Families that ask about trained runs without the ``trained_`` prefix (issue 13).
TRAINED_READERS = ("superposition.linear_vs_relu", "superposition.phase_diagram", "superposition.correlated",
                   "superposition.privileged_basis")


def is_trained(family_id: str) -> bool:
    """Families that ask about a trained model: named ``trained_*``, or in :data:`TRAINED_READERS`."""
    return family_id.rsplit(".", 1)[-1].startswith("trained") or family_id in TRAINED_READERS


#: Forms a stranger's write solvers (:mod:`exercises.solvers`) are run over; the task forms have
#: their own solvers (:mod:`exercises.task_solvers`, :func:`task_stranger`, :func:`task_table`).
STRANGER_FORMS = ("write",)
STRANGER_SEEDS = 50  # seeds the solvers answer; the structures are counted over SEEDS


@cache
def stranger(family_id: str, form: str) -> Measure:
    """The issue-18 figures of one family and form: each solver's solve rate over
    :data:`STRANGER_SEEDS` seeds (each remembering the other seeds), the answer structures and
    the top structure's share over :data:`SEEDS` seeds. Drawn once per session."""
    return measure(variants(family_id, form), STRANGER_SEEDS)


def pooled_write_slots() -> list[tuple[str, str]]:
    """(family, mixed note) for every write form asked only inside the mixed notes: its topic's mix
    and the mix across all topics."""
    from exercises.mixed import MIXED_IDS

    return [(f, mix) for f, form in slots(STRANGER_FORMS) if is_pooled(f, form)
            for mix in (MIXED_IDS[get_family(f).topic], MIXED_IDS[None])]


@cache
def stranger_in_mix(family_id: str, mix_id: str) -> Measure:
    """A pooled write form's figures inside the mixed note ``mix_id``: its :data:`STRANGER_SEEDS`
    seeds answered by the write solvers remembering the mix's :data:`SEEDS` variants (never the same card)."""
    return write_measure_in_mix(variants(family_id, "write", STRANGER_SEEDS), variants(mix_id, "task"))


def task_slots() -> list[tuple[str, str]]:
    """Every family's task form, the mixed families excepted (judged through their sources) and the
    task forms asked only in the mixed notes (``Family.pooled``: judged there, :func:`pooled_task_slots`)."""
    return [(f, form) for f, form in slots(("task",)) if not f.endswith(".mixed") and not is_pooled(f, form)]


def pooled_task_slots() -> list[tuple[str, str]]:
    """(family, mixed note) for every task form asked only inside the mixed notes: its topic's mix
    and the mix across all topics."""
    from exercises.mixed import MIXED_IDS

    return [(f, mix) for f, form in slots(("task",)) if not f.endswith(".mixed") and is_pooled(f, form)
            for mix in (MIXED_IDS[get_family(f).topic], MIXED_IDS[None])]


@cache
def task_stranger_in_mix(family_id: str, mix_id: str) -> TaskMeasure:
    """A pooled task form's figures inside the mixed note ``mix_id``: its :data:`STRANGER_SEEDS`
    seeds answered by a stranger who remembers the mix's :data:`SEEDS` variants (never the same card)."""
    return measure_in_mix(variants(family_id, "task", STRANGER_SEEDS), variants(mix_id, "task"))


@cache
def task_stranger(family_id: str) -> TaskMeasure:
    """The issue-18 figures of one family's task form: each task solver's solve rate and the
    answer structures over :data:`STRANGER_SEEDS` seeds, each solver remembering the other seeds."""
    return measure_tasks(variants(family_id, "task", STRANGER_SEEDS))


def is_pooled(family_id: str, form: str) -> bool:
    """A form the family asks only inside the mixed pool (judged there, see ``Family.pooled``)."""
    return form in get_family(family_id).pooled


_SHORT = {"copy names": "copy", "copy names reversed": "copy-r", "copy prose": "prose", "copy prose reversed": "prose-r",
          "match sizes": "sizes", "first appearance": "first", "first appearance reversed": "first-r",
          "unshared": "unsh", "unshared reversed": "unsh-r", "top structure": "top", "template": "tmpl",
          "top 3 structures": "top3", "input lookup": "lookup", "first appearance, last shared summed": "last*"}


def stranger_table(forms: tuple[str, ...] = (*STRANGER_FORMS, "task")) -> list[str]:
    """The table of issue 18: per family/form, each solver's solve rate (%), the number of
    answer structures and the top structure's share; ``*`` solvers are reported, not enforced;
    ``pooled`` forms are judged in the mixed pool; ``FAIL`` marks a form above the limits."""
    cols = [*ENFORCED, *REPORTED]
    lines = [f"{'family/form':34s} " + " ".join(f"{_SHORT[c]:>7s}" for c in cols) + "  struct  top"]
    for fam, form in slots(tuple(f for f in forms if f != "task")):
        m = stranger(fam, form)
        mark = "pooled" if is_pooled(fam, form) else ("FAIL" if m.failures() else "")
        lines.append(f"{fam + '/' + form:34s} " + " ".join(f"{100 * m.rates[c]:7.0f}" for c in cols)
                     + f"  {m.structures:6d} {100 * m.top_share:4.0f}%  {mark}")
    if "write" in forms:  # the pooled write forms judged where they are asked; structures: the mix's
        for fam, mix in pooled_write_slots():
            m = stranger_in_mix(fam, mix)
            lines.append(f"{fam + '/write in ' + mix:34s} " + " ".join(f"{100 * m.rates[c]:7.0f}" for c in cols)
                         + f"  {m.structures:6d} {100 * m.top_share:4.0f}%  pooled{' FAIL' if m.failures() else ''}")
    if "task" in forms:
        lines += task_table()
    return lines


def task_table() -> list[str]:
    """The task forms' table: each task solver's solve rate (%) over :data:`STRANGER_SEEDS` seeds,
    the answer structures and the top structure's share over the same seeds; ``FAIL`` marks a form
    a solver answers above the limit."""
    cols = (*TASK_SOLVERS, *TASK_REPORTED)
    lines = [f"{'family/form':34s} " + " ".join(f"{c + ('*' if c in TASK_REPORTED else ''):>13s}" for c in cols)
             + "  struct  top"]
    for fam, _ in task_slots():
        m = task_stranger(fam)
        lines.append(f"{fam + '/task':34s} " + " ".join(f"{100 * m.rates[c]:13.0f}" for c in cols)
                     + f"  {m.structures:6d} {100 * m.top_share:4.0f}%  {'FAIL' if m.failures() else ''}")
    for fam, mix in pooled_task_slots():  # structures and top share: the mixed note's
        m = task_stranger_in_mix(fam, mix)
        lines.append(f"{fam + '/task in ' + mix:34s} " + " ".join(f"{100 * m.rates[c]:13.0f}" for c in cols)
                     + f"  {m.structures:6d} {100 * m.top_share:4.0f}%  pooled{' FAIL' if m.failures() else ''}")
    return lines


def write_solves(family_id: str, n: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """(variant key, the lazy attempts it accepts) for each of ``n`` write variants."""
    return [(v.key, lazy_write_solves(v)) for v in variants(family_id, "write", n)]


def collisions(family_id: str, form: str, n: int) -> list[str]:
    """Listed mistakes, distractors, ``0`` where it is not the answer's share, and format
    examples that the card's own checker accepts, as readable lines."""
    out = []
    for v in variants(family_id, form, n):
        attempts = [(w, r) for w, r in value_attempts(v) if w != "type 0"]
        out += [f"{v.key}: {what} {resp!r} is accepted" for what, resp in solved_by(v, attempts)]
    return out


def zero_share(family_id: str, form: str, n: int) -> float:
    vs = variants(family_id, form, n)
    return sum(bool(solved_by(v, [("type 0", "0")])) for v in vs) / len(vs)


def missing_mistakes(family_id: str, form: str, n: int) -> list[str]:
    return [v.key for v in variants(family_id, form, n) if not v.mistakes]


def precision_problems(family_id: str, form: str, n: int) -> list[str]:
    out = []
    vs = variants(family_id, form, n)
    for v in vs:
        why = missing_precision(v)
        if why:
            out.append(f"{v.key}: {why}")
    return out


def top_answer(family_id: str, form: str, n: int) -> tuple[str, float, float]:
    return answer_share([canonical_answer(v) for v in variants(family_id, form, n)])


def distinct_questions(family_id: str, form: str, n: int) -> int:
    """Different questions (the card's text: setting and quantity asked) among ``n`` seeds."""
    return len({question_key(v)[:2] for v in variants(family_id, form, n)})


def distinct_variants(family_id: str, form: str, n: int) -> int:
    """Different variants (text and picture) among ``n`` seeds: drawn here with their pictures, which
    :func:`variants` leaves out."""
    fam = get_family(family_id)
    return len({question_key(fam.variant(seed=s, form=form)) for s in range(n)})


def report(write_seeds: int = 30, value_seeds: int = 50, share_seeds: int = SEEDS) -> None:
    """Print every measure of issue 11, per family and form."""
    fams = sorted({f for f, _ in slots(WRITE_FORMS)}, key=lambda f: slots().index((f, "write")))
    solved = total = 0
    print(f"== write variants solved by the lazy solvers ({write_seeds} seeds)")
    for fam in fams:
        rows = write_solves(fam, write_seeds)
        s = sum(1 for _, hits in rows if hits)
        by: dict[str, int] = defaultdict(int)
        for _, hits in rows:
            for name in {h for h, _ in hits}:
                by[name] += 1
        solved, total = solved + s, total + len(rows)
        print(f"  {fam:34s} {s:3d}/{len(rows):<3d} {100 * s / len(rows):4.0f}%  {dict(by)}")
    print(f"  {'overall':34s} {solved:3d}/{total:<3d} {100 * solved / total:4.0f}%")
    print(f"== value/shape/read forms ({value_seeds} seeds): collisions, '0' share, "
          f"variants without listed mistakes, missing precision; top answer share ({share_seeds} seeds)")
    for fam, form in slots():
        if form in WRITE_FORMS:
            top, share, limit = top_answer(fam, form, share_seeds)
            print(f"  {fam + '/' + form:42s} top answer {100 * share:3.0f}% (limit {100 * limit:3.0f}%) {top[:30]!r}")
            continue
        col = collisions(fam, form, value_seeds)
        top, share, limit = top_answer(fam, form, share_seeds)
        print(
            f"  {fam + '/' + form:42s} collisions {len(col):3d}  '0' {100 * zero_share(fam, form, value_seeds):3.0f}%"
            f"  no mistakes {len(missing_mistakes(fam, form, value_seeds)):3d}"
            f"  no precision {len(precision_problems(fam, form, value_seeds)):3d}"
            f"  top answer {100 * share:3.0f}% (limit {100 * limit:3.0f}%) {top[:24]!r}"
        )
    print(f"== trained families: distinct questions over {share_seeds} seeds, distinct among seeds 0..7")
    for fam, form in slots():
        if is_trained(fam):
            print(f"  {fam + '/' + form:42s} {distinct_questions(fam, form, share_seeds):3d}  "
                  f"{distinct_variants(fam, form, 8)}/8")


if __name__ == "__main__":
    if "--stranger" in sys.argv:  # only the table of issue 18
        print("\n".join(stranger_table()))
    else:
        report(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
        print(f"== a stranger's solvers (issue 18): % of {STRANGER_SEEDS} seeds solved, structures over {SEEDS}")
        print("\n".join(stranger_table()))
