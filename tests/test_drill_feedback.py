"""The drill's offline question after a wrong answer follows the checker's diagnosis, filled with the
variant's names, and falls back to a matching listed mistake, then to the family's hint."""
import string

import pytest

from cardgen.drill.feedback import QUESTIONS, context, matching_mistake, question
from exercises import Variant, get_family
from exercises.checking import EinsumCheck, NumberCheck, PairsCheck, Precision, SetCheck, ShapeCheck

BMM = EinsumCheck("nrc,ncj->nrj", ((5, 4, 8), (5, 8, 6)), seed=3, operands=("a", "b"),
                  axis_names=((5, "batch"), (4, "row"), (8, "inner"), (6, "col")))


def variant(checker, answer="", mistakes=(), hints=("Which axes are shared?",)):
    return Variant(family="einsum.zz_test", form="write", seed=0, params={}, prompt="p", answer=answer,
                   answer_text=answer, checker=checker, hints=hints, mistakes=mistakes)


def ask(checker, response, **kw):
    v = variant(checker, **kw)
    verdict = checker.check(response)
    assert not verdict.correct and not verdict.unreadable, verdict
    return verdict.diagnosis, question(v, response, verdict)


def test_the_right_axes_in_the_wrong_order_ask_where_an_operands_axis_goes():
    key, q = ask(BMM, "nrc,ncj->njr", answer="nrc,ncj->nrj")
    assert key == "axis_order"
    assert q == ("Your result puts `col` (an axis of `b`) at position 1 (counting from 0). In the operation, "
                 "which axis of the result comes from `b`, and where does it sit?")


def test_summed_and_kept_axes_are_named():
    assert ask(BMM, "nrc,ncj->nr") == ("sums_kept_axis", "Your answer sums over `col`. Does the operation add "
                                       "along `col`, or keep one entry per `col` index?")
    key, q = ask(BMM, "nrc,ncj->nrjc")
    assert key == "keeps_summed_axis" and "`inner`" in q
    key, q = ask(BMM, "nrc,ncj->nrc")
    assert key == "summed_wrong_axis" and "`col`" in q and "`inner`" in q


def test_transposed_asks_which_operand_gives_the_first_axis():
    sq = EinsumCheck("ij,jk->ik", ((3, 3), (3, 3)), seed=2, operands=("P", "Q"))
    assert ask(sq, "ij,jk->ki") == ("transposed", "Does the first axis of the result come from `P` or from `Q`?")
    bare = EinsumCheck("ij,jk->ik", ((3, 3), (3, 3)), seed=2)  # no operand names: the generic question
    assert ask(bare, "ij,jk->ki")[1] == "Which axis indexes the rows of the result, and which the columns?"


def test_numbers_sets_and_shapes():
    key, q = ask(NumberCheck(0.59049, precision=Precision.decimals(2)), "0.60")
    assert key == "rounding" and q.startswith("Round to 2 decimal places:")
    assert ask(NumberCheck(-0.25, precision=Precision.decimals(2)), "0.25")[0] == "sign"
    key, q = ask(SetCheck(frozenset({0, 2}), noun="feature"), "0")
    assert key == "missing" and "every feature" in q
    key, q = ask(PairsCheck(frozenset({(0, 1)})), "(0, 1), (2, 3)")
    assert key == "extra" and "pair" in q
    key, q = ask(ShapeCheck((3, 4)), "(3, 5)")
    assert key == "wrong_size" and "dimension 1 of the result (counting from 0)" in q


def test_a_listed_mistake_is_recognised_however_it_is_written():
    v = variant(NumberCheck(0.75, precision=Precision.decimals(2)), answer="0.75",
                mistakes=(("forgetting the ReLU, so the negative part stays", "-0.50"),))
    verdict = v.check("-1/2")
    assert verdict.diagnosis == ""
    assert matching_mistake(v, "-1/2") == "forgetting the ReLU, so the negative part stays"
    q = question(v, "-1/2", verdict)
    assert "forgetting the ReLU" in q and "0.75" not in q
    assert question(v, "0.1", v.check("0.1")) is None  # nothing specific: the drill asks the family's hint


def test_every_template_uses_only_names_the_context_provides():
    provided = {"operands", "first", "second", "precision", "noun", "pos", "axis", "axis_from", "summed", "kept"}
    for key, templates in QUESTIONS.items():
        assert templates, key
        for t in templates:
            assert t.endswith("?"), t  # a question, always
            fields = {f for _, f, _, _ in string.Formatter().parse(t) if f}
            assert fields <= provided, (key, t)
        last = templates[-1]
        if key not in {"rounding", "missing", "extra", "missing_and_extra", "wrong_size"}:
            assert not {f for _, f, _, _ in string.Formatter().parse(last) if f}, key  # always fillable


@pytest.mark.parametrize("seed", range(6))
def test_questions_on_real_write_variants_never_give_the_answer(seed):
    for fam in ("einsum.batched_matmul", "einsum.matmul"):
        v = get_family(fam).variant(seed=seed, form="write")
        ins, out = v.answer.split("->")
        if len(out) < 2:
            continue
        wrong = f"{ins}->{out[::-1]}"
        verdict = v.check(wrong)
        q = question(v, wrong, verdict)
        assert verdict.diagnosis in QUESTIONS and q, (v.key, verdict)
        assert v.answer not in q and f"`{out}`" not in q, (v.key, q)
        assert context(v, wrong).get("axis"), (v.key, q)


def test_a_listed_pattern_mistake_is_recognised_by_running_it():
    v = variant(BMM, answer="nrc,ncj->nrj", mistakes=(("summing the batch axis too", "nrc,ncj->rj"),))
    renamed = "bik,bkj->ij"  # the same mistake in other letters
    assert matching_mistake(v, renamed) == "summing the batch axis too"
    assert matching_mistake(v, "nrc,ncj->nj") is None
