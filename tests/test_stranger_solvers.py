"""Issue 18, item 3: no write form is answered by a stranger's solvers (:mod:`exercises.solvers`).

Every write form of the registry, 50 seeds, each solver remembering the family's other seeds:
copying the printed names (in order, reversed, the prose's), matching sizes, the order of first
appearance (and reversed), the unshared axes, the family's most frequent answer structure and its
template filled with the card's names. None may answer more than 30%; each form has at least 4
answer structures over 100 seeds, the most frequent at most 35%. A form the family asks only in
the mixed pool (``Family.pooled``) is judged there. ``python tests/lazy_solvers.py --stranger``
prints the table. Variants are drawn once per session (shared with tests/test_card_traps.py).
"""
from __future__ import annotations

import lazy_solvers as L
import pytest

from exercises import Variant
from exercises.checking import EinopsCheck, EinsumCheck
from exercises.solvers import REPORTED, measure, solves

SLOTS = [s for s in L.slots(L.STRANGER_FORMS)]
JUDGED = [s for s in SLOTS if not L.is_pooled(*s)]


def _id(slot):
    return "/".join(slot)


@pytest.mark.parametrize("slot", JUDGED, ids=_id)
def test_no_stranger_answers_a_write_form(slot):
    m = L.stranger(*slot)
    assert m.seeds >= 50
    why = m.failures()
    assert not why, f"{_id(slot)}: " + "; ".join(why) + " (python tests/lazy_solvers.py --stranger)"


#: Write forms the reported solvers (``last*``, ``lookup*``) are held to the limit on: the einsum
#: forms whose leftovers were fixed (issue 18: dot's ``last*`` 60% and outer's copy-reversed 30%
#: before). The others are listed in the README's table and ``python tests/lazy_solvers.py --stranger``.
REPORTED_HELD = ("einsum.dot", "einsum.outer")


@pytest.mark.parametrize("fid", REPORTED_HELD)
def test_the_reported_solvers_are_held_where_fixed(fid):
    why = L.stranger(fid, "write").failures(REPORTED)
    assert not why, f"{fid}/write: " + "; ".join(why) + " (python tests/lazy_solvers.py --stranger)"


def test_most_write_forms_are_judged_alone():
    """Pooling is for a form that cannot vary, not a way out: most write forms stay on their own."""
    assert len(JUDGED) >= 0.75 * len(SLOTS), [s for s in SLOTS if s not in JUDGED]


# ----------------------------------------------------------------------------- the solvers themselves


def _einops_card(seed: int, prompt: str, answer: str) -> Variant:
    return Variant(family="planted.x", form="write", seed=seed, params={}, prompt=prompt, answer=answer,
                   answer_text=answer, checker=EinopsCheck("rearrange", answer, ((2, 3, 4),)),
                   code="y = einops.rearrange(x, ____)")


def test_copying_the_prose_and_the_template_are_caught():
    """A card whose prose names the result's axes is copied; a family with one answer is remembered."""
    leaky = _einops_card(0, "Move the axes to `c a b`. `x` has shape (2, 3, 4), axes (a, b, c).", "a b c -> c a b")
    assert solves(leaky)["copy prose"] == "a b c -> c a b"
    same = [_einops_card(s, f"Reverse `x`. `x` has shape (2, 3, 4), axes (p{s}, q{s}, r{s}).",
                         f"p{s} q{s} r{s} -> r{s} q{s} p{s}") for s in range(10)]
    m = measure(same, 10)
    assert m.rates["template"] == 1.0 and m.structures == 1
    assert any("template" in w for w in m.failures()) and any("structures" in w for w in m.failures())


def test_matching_sizes_reads_a_flattened_axis():
    v = Variant(family="planted.y", form="write", seed=0, params={},
                prompt="`x` has shape (2, 30), and `batch`=2, rows=6, width=5. Split the second axis.",
                answer="batch (rows width) -> batch rows width", answer_text="batch (rows width) -> batch rows width",
                checker=EinopsCheck("rearrange", "batch (rows width) -> batch rows width", ((2, 30),),
                                    axes_lengths=(("width", 5),)),
                code="y = einops.rearrange(x, ____, width=5)")
    assert "match sizes" in solves(v)


def test_einsum_letters_are_judged_by_execution():
    v = Variant(family="planted.z", form="write", seed=0, params={},
                prompt="`A` has shape (i=3, k=4) and `B` has shape (k=4, j=5). Complete "
                       "`torch.einsum(\"…\", A, B)` so that it computes `A @ B`.",
                answer="ik,kj->ij", answer_text="ik,kj->ij",
                checker=EinsumCheck("ik,kj->ij", ((3, 4), (4, 5))))
    assert solves(v).keys() >= {"unshared", "first appearance, last shared summed"}
