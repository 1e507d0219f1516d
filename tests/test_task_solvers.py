"""Issue 18, item 3 for task forms: no stranger's solver (:mod:`exercises.task_solvers`) answers
more than 30% of a family's task form.

Every task family (the mixed families excepted: they draw these), 50 seeds, each solver
remembering the family's other seeds: the most frequent other answer renamed by position, the
top three, the template filled with the card's names and numbers, and the inputs' names joined
by the family's commonest operator. ``python tests/lazy_solvers.py --stranger`` prints the table.
Families still above the limit are strict xfails naming their figure (open in issue 18): the
test fails once they are fixed, so the mark must then go. A task form asked only inside the mixed
notes (``Family.pooled``) is judged there: its seeds answered from the memory of the mixed note.
"""
from __future__ import annotations

import dataclasses

import lazy_solvers as L
import pytest

from exercises import get_family
from exercises.solvers import MAX_SOLVED
from exercises.task_solvers import Seen, attempts, inputs, measure_in_mix, measure_tasks

#: Families above the limit (figure from the run that found it): open, see issue 18. None today.
OPEN: dict[str, str] = {}


def _case(fid: str):
    if fid in OPEN:
        return pytest.param(fid, id=f"{fid}/task",
                            marks=pytest.mark.xfail(strict=True, reason=f"{OPEN[fid]}: open, see issue 18"))
    return pytest.param(fid, id=f"{fid}/task")


TASK_FAMILIES = [f for f, _ in L.task_slots()]


def test_every_task_family_is_judged():
    assert len(TASK_FAMILIES) >= 20 and not any(f.endswith(".mixed") for f in TASK_FAMILIES)


@pytest.mark.parametrize("fid", [_case(f) for f in TASK_FAMILIES])
def test_no_stranger_answers_a_task_form(fid):
    m = L.task_stranger(fid)
    assert m.seeds >= 50
    why = m.failures()
    assert not why, f"{fid}/task: " + "; ".join(why) + " (python tests/lazy_solvers.py --stranger)"


def test_pooled_task_forms_are_judged_in_the_mixed_notes():
    """A task form asked only in the mixed notes: its seeds, answered by a stranger who remembers the
    mixed note's 100 variants, within the limit; the mixed note's top structure at most 10%."""
    for fid, mix in L.pooled_task_slots():
        m = L.task_stranger_in_mix(fid, mix)
        assert m.seeds >= 50 and not m.failures(), f"{fid}/task in {mix}: " + "; ".join(m.failures())
        assert m.top_share <= 0.10, (mix, m.top, m.top_share)


# ----------------------------------------------------------------------------- the solvers themselves


def test_a_pooled_form_is_judged_against_the_mix_never_the_card_itself():
    """A mix holding the same task on other seeds answers it; the card itself is never remembered."""
    v = get_family("einsum.matmul").variant(seed=0, form="task")
    other = [dataclasses.replace(v, params={**v.params, "source": f"einsum.matmul/task/{s}"}) for s in (1, 2)]
    assert measure_in_mix([v], other).rates["top answer"] == 1.0
    itself = dataclasses.replace(v, params={**v.params, "source": "einsum.matmul/task/0"})
    assert measure_in_mix([v], [itself]).rates["top answer"] == 0.0


def test_a_one_template_family_is_caught():
    """Seeds that all share one answer: remembering the others answers every one."""
    v = get_family("einsum.matmul").variant(seed=0, form="task")
    m = measure_tasks([v] * 5)
    assert m.rates["top answer"] == 1.0 and m.rates["template"] == 1.0 and m.structures == 1
    assert m.rates["top answer"] > MAX_SOLVED and m.failures()


def test_other_answers_are_renamed_onto_the_card():
    a, b = (get_family("einsum.matmul").variant(seed=s, form="task") for s in (0, 1))
    got = attempts(a, [Seen.of(b)])
    names = [n for n, _ in inputs(a)]
    assert got["top answer"] and all(n in got["top answer"][0] for n in names)
    assert got["names + op"] == [" @ ".join(names)]
