"""Every family against the five traps of ``shared/CARDS.md`` (issue 11), over many seeds.

A card is good when the only way to answer it is the skill it names, so these tests play the
laziest learner (:mod:`exercises.traps`) against every family and form in the registry:
copying names, matching sizes, writing the unshared axes, typing the format example or ``0``,
making a listed mistake. Variants are drawn once per (family, form) and shared by all tests.
"""
from __future__ import annotations

import lazy_solvers as L
import pytest

from exercises.traps import (
    MAX_ANSWER_SHARE,
    MAX_LAZY_SHARE,
    MAX_LAZY_SHARE_FAMILY,
    MAX_PRINTED_SHARE,
    MIN_TRAINED_QUESTIONS,
    WRITE_FORMS,
    printed_answer,
)

WRITE_SEEDS = 30  # >= 20 per write family
VALUE_SEEDS = 50
SHARE_SEEDS = 100
NOTE_SEEDS = 8  # the variants of one deck note

WRITE_FAMILIES = sorted({f for f, _ in L.slots(WRITE_FORMS)})
VALUE_SLOTS = [s for s in L.slots() if s[1] not in WRITE_FORMS]
ALL_SLOTS = L.slots()
TRAINED_SLOTS = [s for s in ALL_SLOTS if L.is_trained(s[0])]


def _id(slot):
    return "/".join(slot) if isinstance(slot, tuple) else slot


def _solved(fam: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(key, hits) for key, hits in L.write_solves(fam, WRITE_SEEDS) if hits]


def _examples(rows, n: int = 3) -> str:
    return "; ".join(f"{key} by {hits[0][0]}: {hits[0][1]!r}" for key, hits in rows[:n])


@pytest.mark.parametrize("fam", WRITE_FAMILIES)
def test_lazy_solvers_rarely_solve_a_write_family(fam):
    solved = _solved(fam)
    share = len(solved) / WRITE_SEEDS
    assert share <= MAX_LAZY_SHARE_FAMILY, (
        f"{fam}: lazy solvers answer {len(solved)}/{WRITE_SEEDS} write variants from the card's text "
        f"(limit {MAX_LAZY_SHARE_FAMILY:.0%}), e.g. {_examples(solved)}. State the operation, not the "
        f"result's layout or shape."
    )


def test_lazy_solvers_rarely_solve_write_variants_overall():
    per_family = {fam: len(_solved(fam)) for fam in WRITE_FAMILIES}
    total = WRITE_SEEDS * len(WRITE_FAMILIES)
    share = sum(per_family.values()) / total
    worst = sorted(per_family.items(), key=lambda kv: -kv[1])[:6]
    assert share <= MAX_LAZY_SHARE, (
        f"lazy solvers answer {share:.0%} of {total} write variants (limit {MAX_LAZY_SHARE:.0%}); "
        f"most solved: {', '.join(f'{f} {n}/{WRITE_SEEDS}' for f, n in worst)}"
    )


@pytest.mark.parametrize("slot", ALL_SLOTS, ids=_id)
def test_no_listed_mistake_distractor_or_format_example_scores(slot):
    fam, form = slot
    hits = L.collisions(fam, form, VALUE_SEEDS)
    assert not hits, f"{len(hits)} wrong responses accepted, e.g. " + "; ".join(hits[:4])


@pytest.mark.parametrize("slot", [s for s in VALUE_SLOTS if s[1] == "value"], ids=_id)
def test_value_forms_list_their_mistakes(slot):
    fam, form = slot
    missing = L.missing_mistakes(fam, form, VALUE_SEEDS)
    assert not missing, (
        f"{len(missing)}/{VALUE_SEEDS} value variants list no classic mistake (Variant.mistakes), "
        f"e.g. {', '.join(missing[:3])}"
    )


@pytest.mark.parametrize("slot", VALUE_SLOTS, ids=_id)
def test_non_integer_answers_state_their_precision(slot):
    fam, form = slot
    problems = L.precision_problems(fam, form, VALUE_SEEDS)
    assert not problems, f"{len(problems)}/{VALUE_SEEDS} variants: " + "; ".join(problems[:3])


@pytest.mark.parametrize("slot", [s for s in VALUE_SLOTS if s[1] in ("shape", "value")], ids=_id)
def test_the_answer_is_not_printed_in_the_prompt_or_code(slot):
    """A shape or value card whose answer is a literal it prints (``X = torch.randn(6, 9)``
    and the answer ``(6, 9)``) is answered by copying, not by the skill."""
    fam, form = slot
    hits = [(v.key, h[0][1]) for v in L.variants(fam, form, VALUE_SEEDS) if (h := printed_answer(v))]
    assert len(hits) / VALUE_SEEDS <= MAX_PRINTED_SHARE, (
        f"{len(hits)}/{VALUE_SEEDS} cards print their own answer, e.g. "
        + "; ".join(f"{key}: {lit!r}" for key, lit in hits[:3])
    )


def test_the_printed_answer_judge_reads_code_and_prompt():
    from exercises.traps import printed_literals

    text = ("`x` has shape (4,) after `f(x, (2, 3))`.\nX = torch.randn(6, 9)\n"
            "y = torch.tensor([[1, 2],\n [3, 4]], dtype=torch.float32)\nz = torch.tensor([0.5, 1e-3])")
    assert printed_literals(text) == ["(4,)", "(2, 3)", "(6, 9)", "[[1, 2],\n [3, 4]]", "([0.5, 1e-3])", "[0.5, 1e-3]"]
    assert "[1, 2]" not in printed_literals(text)  # a row inside a printed tensor is not copied


@pytest.mark.parametrize("slot", VALUE_SLOTS, ids=_id)
def test_typing_zero_rarely_scores(slot):
    fam, form = slot
    share = L.zero_share(fam, form, VALUE_SEEDS)
    assert share <= MAX_ANSWER_SHARE, f"typing 0 is right in {share:.0%} of {VALUE_SEEDS} variants"


@pytest.mark.parametrize("slot", ALL_SLOTS, ids=_id)
def test_no_near_constant_answer(slot):
    fam, form = slot
    top, share, limit = L.top_answer(fam, form, SHARE_SEEDS)
    assert share <= limit, (
        f"{fam} {form}: the answer {top!r} (axis names renamed, numbers at the stated precision) "
        f"comes up in {share:.0%} of {SHARE_SEEDS} seeds (limit {limit:.0%}); redesign or retire the form"
    )


@pytest.mark.parametrize("slot", TRAINED_SLOTS, ids=_id)
def test_trained_cards_ask_many_questions(slot):
    fam, form = slot
    n = L.distinct_questions(fam, form, SHARE_SEEDS)
    assert n >= MIN_TRAINED_QUESTIONS, f"only {n} distinct questions over {SHARE_SEEDS} seeds"
    note = L.distinct_variants(fam, form, NOTE_SEEDS)
    assert note == NOTE_SEEDS, f"seeds 0..{NOTE_SEEDS - 1} (one note) hold only {note} different variants"


_NAMED = ("`x` has shape (batch=4, i=3, k=5) and `y` has shape (batch=4, k=5, j=2). "
          "Write the einsum string for `x[n] @ y[n]`, of shape (batch=4, i=3, j=2).")
_SIZED = ("`x` has shape (4, 3, 5) and `y` has shape (4, 5, 2). Write the einsum string for "
          "`x[n] @ y[n]`; `out` should have shape (4, 3, 2).")
_GOOD = "`x` has shape (4, 3, 5) and `y` has shape (4, 5, 2). Write the einsum string for `x[n] @ y[n]`."


@pytest.mark.parametrize("prompt, solvers", [
    (_NAMED, {"copy names"}), (_SIZED, {"match sizes"}), (_GOOD, set()),
], ids=["names printed", "sizes printed", "operation stated"])
def test_the_judge_solves_a_card_that_prints_the_result(prompt, solvers):
    """The judge itself: printing the result's axes or shape gets a card solved; stating the
    operation (batch kept, inner axis summed) does not."""
    import random

    from exercises.base import Family, Variant
    from exercises.checking import EinsumCheck
    from exercises.traps import lazy_write_solves

    def make(rng: random.Random, form: str, seed: int) -> Variant:
        return Variant(
            family="einsum.leaky", form=form, seed=seed, params={}, prompt=prompt,
            answer="bik,bkj->bij", answer_text="bik,bkj->bij",
            checker=EinsumCheck("bik,bkj->bij", ((4, 3, 5), (4, 5, 2))),
        )

    v = Family(id="einsum.leaky", title="t", make=make, forms=("write",)).variant(0, "write")
    assert {name for name, _ in lazy_write_solves(v)} == solvers


def test_format_examples_are_read_off_the_card():
    from exercises.traps import format_examples

    text = "Which pairs are antipodal? Write pairs like (0, 3), (1, 2), or none."
    assert format_examples(text) == ["(0, 3), (1, 2), or none", "(0, 3), (1, 2)", "none"]
    assert "(3, 4)" in format_examples("cannot read 'x' as a shape; write it like (3, 4) or 3x4")
