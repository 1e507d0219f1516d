"""The input-lookup stranger of tests/task_lookup.py: it answers a card from the other seeds whose
inputs look alike, and only from those (its figures per family: ``python tests/task_lookup.py``)."""
from __future__ import annotations

from task_lookup import look, lookup_answer, lookup_rate

from exercises import get_family


def test_a_card_whose_layout_fixes_its_answer_is_caught():
    v = get_family("einops.transpose").variant(seed=0, form="task")
    assert lookup_rate([v] * 4) == 1.0


def test_only_cards_that_look_alike_are_used():
    fam = get_family("einops.transpose")
    a = fam.variant(seed=0, form="task")
    others = [fam.variant(seed=s, form="task") for s in range(1, 12)]
    alike = [o for o in others if look(o) == look(a)]
    got = lookup_answer(a, others)
    assert (got is None) == (not alike)
    assert lookup_answer(a, [o for o in others if look(o) != look(a)]) is None
