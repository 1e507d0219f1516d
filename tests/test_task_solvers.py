"""Issue 18, item 3 for task forms: no stranger's solver (:mod:`exercises.task_solvers`) answers
more than 30% of a family's task form.

Every task family (the mixed families excepted: they draw these), 50 seeds, each solver
remembering the family's other seeds: the most frequent other answer renamed by position, the
top three, the template filled with the card's names and numbers, the inputs' names joined by the
family's commonest operator, and the most frequent answer of the seeds whose inputs look alike. Each
scores its expected success: it ranks by the family's distribution and picks among ties at random
(:class:`exercises.task_solvers.Guess`), so balanced blocks are no blind spot. ``python tests/lazy_solvers.py --stranger`` prints the table.
Families still above the limit are strict xfails naming their figure (open in issue 18): the
test fails once they are fixed, so the mark must then go. A task form asked only inside the mixed
notes (``Family.pooled``) is judged there: its seeds answered from the memory of the mixed note.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

import lazy_solvers as L
import pytest

from exercises import get_family
from exercises.solvers import MAX_SOLVED
from exercises.task_solvers import Guess, Seen, attempts, credits, inputs, look, measure_in_mix, measure_tasks, top_k

#: Families above the limit (% of 50 seeds, measured with the honest solvers of i18f: ties split, the
#: input lookup enforced), as strict xfails naming their figure: open, see issue 18. None at present
#: (the last einsum, einops and superposition ones were fixed in t18a and t18b); a family that
#: cannot get below the limit in time goes here with its figure.
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
    a, b = (get_family("einsum.matmul").variant(seed=s, form="task") for s in (0, 2))  # two inputs each
    got = attempts(a, [Seen.of(b)])
    names = [n for n, _ in inputs(a)]
    assert got["top answer"].responses() and all(n in got["top answer"].responses()[0] for n in names)
    assert got["names + op"].sure == [" @ ".join(names)]


def test_a_tie_is_credited_as_a_random_pick():
    """Equally frequent answers: the learner picks one at random, so it scores 1/k, not 0 or 1."""
    ok = {"a", "c"}.__contains__
    assert top_k(Counter(a=2, b=2, c=2, d=2), 1, str).chance(ok) == pytest.approx(0.5)
    assert top_k(Counter(x=3, a=1, b=1, c=1), 1, str).chance(ok) == 0.0
    g = top_k(Counter(x=5, b=3, a=1, d=1, e=1, f=1), 3, str)  # x and b surely, one of four at random
    assert g.sure == ["x", "b"] and g.pick == 1 and g.chance(ok) == pytest.approx(0.25)
    assert Guess(["c"]).chance(ok) == 1.0 and Guess().chance(ok) == 0.0


def test_balanced_blocks_are_not_a_blind_spot():
    """Left out, a card's answer is one short of its equals in balanced blocks: counts one apart are a
    tie (a random pick), so the card's own layout still scores 1/2 here, as for a real learner."""
    v = get_family("einsum.matmul").variant(seed=0, form="task")
    same = Seen.of(v)
    other = dataclasses.replace(same, structure="other", reference=f"{same.names[0]} * 2")
    assert credits(v, [same, other, other])["top answer"] == pytest.approx(0.5)
    assert credits(v, [same, other, other, other])["top answer"] == 0.0


def test_the_input_lookup_catches_a_card_whose_layout_fixes_its_answer():
    v = get_family("einops.transpose").variant(seed=0, form="task")
    assert measure_tasks([v] * 4).rates["input lookup"] == 1.0


def test_the_input_lookup_uses_only_cards_that_look_alike():
    fam = get_family("einops.transpose")
    a = fam.variant(seed=0, form="task")
    others = [Seen.of(fam.variant(seed=s, form="task")) for s in range(1, 12)]
    unlike = [o for o in others if o.look != look(a)]
    assert not attempts(a, unlike)["input lookup"].responses()
    assert bool(attempts(a, others)["input lookup"].responses()) == (len(unlike) < len(others))
