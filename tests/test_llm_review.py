"""Card-quality review: each rule on crafted cards, cards read back from real .apkg files,
and the LLM's judgement merged beside the rules."""
import json
import re
import zipfile

import pytest

from _llm_helpers import fake_server, llm_env  # noqa: F401 - pytest fixtures and helpers
from cardgen.llm import get_assistant
from cardgen.llm.principles import PRINCIPLES
from cardgen.llm.review import (LLM_PRINCIPLES, Card, SourceError, answer_kind, asks, cards_from_apkg,
                                load_cards, parse_question_html, review_cards)


def card(prompt="`x` has shape (3, 4). What is `x.sum(0).shape`?", answer="(4,)", key="t.fam/shape/0",
         code=None, form=None, image=None) -> Card:
    family, form_, seed = key.split("/")
    return Card(key=key, family=family, form=form or form_, prompt=prompt, answer_text=answer, code=code,
                image=image, seed=int(seed))


def results(c: Card, *others: Card):
    (r, *_) = review_cards([c, *others])
    return r.results


def test_a_good_card_meets_every_principle():
    from cardgen.llm.review import TRAP_PRINCIPLES

    r = results(card())
    assert set(r) == set(PRINCIPLES)
    ruled = {p: x for p, x in r.items() if p not in TRAP_PRINCIPLES}
    assert all(res.meets for res in ruled.values()), {p: x.why for p, x in ruled.items() if not x.meets}
    # the traps need the card's family ('t.fam' is none): not checked, and so never counted as met
    assert all(r[p].meets is None and r[p].status == "not_checkable" for p in TRAP_PRINCIPLES)


def test_focused_counts_questions_and_instructions_not_format_notes():
    assert len(asks("`x` has shape (3, 4). Write the einsum string. Pass the operands as `x`. "
                    "Use `...` for the batch axes.")) == 1
    assert len(asks("What is `y`? Write it as a nested list (round to 2 decimals).")) == 1
    assert len(asks("Which features are represented? List their indices.")) == 1
    assert len(asks("Write the einsum string. Write the einops pattern.")) == 2
    assert not results(card("What is `y.shape`? And what is its dtype?"))["focused"].meets
    assert "asks nothing" in results(card("`x` has shape (3, 4)."))["focused"].why


def test_precise():
    assert "vague wording: etc" in results(card("`x` has shape (3, 4, etc). What is `x.sum(0).shape`?"))["precise"].why
    assert "states no size" in results(card("What is the shape of `x.sum()`?"))["precise"].why
    r = results(card("What is `out.shape`?", code="y = torch.randn(3, 4)\nz = y.T"))
    assert "asks about out, which the code does not define" in r["precise"].why
    assert results(card("What is `out.shape`?", code="out = torch.randn(3, 4)"))["precise"].meets


def test_effortful_and_yes_no_flag_a_bad_card():
    leaked = card("`x` has shape (3, 4); `y = x.T` has shape (4, 3). What is `y.shape`?", answer="(4, 3)")
    assert "is written in the prompt" in results(leaked)["effortful"].why
    yes = card("Is `x.sum(0).shape` equal to (4,) for `x` of shape (3, 4)?", answer="yes")
    r = results(yes)
    assert not r["no_yes_no"].meets and "the answer is 'yes'" in r["no_yes_no"].why
    question_only = card("Does `x` of shape (3, 4) keep 2 axes after `x.sum(0)`? Answer 1 or 0.", answer="0")
    assert "a yes/no question" in results(question_only)["no_yes_no"].why
    # numbers in code data are no leak; a number stated in the prose is
    assert results(card("What is `out`?", answer="7", code="out = torch.tensor(3) + 4"))["effortful"].meets
    assert not results(card("Add 30 and 42; the sum is 72. What is it?", answer="72"))["effortful"].meets
    assert results(card("There are 7 features. How many are represented?", answer="7"))["effortful"].meets
    # an allowed spelling listed in a format note is no leak
    pairs = card("Which pairs of features in (3, 4) are antipodal? Write pairs like (0, 3), or none.", answer="none")
    r = results(pairs)
    assert r["effortful"].meets and r["focused"].meets, (r["effortful"].why, r["focused"].why)


def test_tractable_and_one_answer():
    long = card("`x` has shape (3, 4). " + "Consider it carefully. " * 40 + "What is `x.sum(0).shape`?")
    assert "prompt has" in results(long)["tractable"].why
    big = card("What is `out`?", answer=str([[i] * 5 for i in range(4)]), code="out = torch.ones(4, 5)", form="value")
    assert "20 numbers" in results(big)["tractable"].why
    assert "lists alternatives" in results(card(answer="(4,) or (1, 4)"))["one_answer"].why
    assert results(card(answer="b c h w -> b (c h w)")).get("one_answer").meets
    assert "characters" in results(card(answer="x" * 61))["one_answer"].why


def test_consistent_within_family_and_form():
    sibs = [card(f"`x` has shape ({a}, {b}). What is `x.sum(0).shape`?", f"({b},)", key=f"t.f/shape/{i}")
            for i, (a, b) in enumerate([(3, 4), (5, 6), (2, 7)])]
    odd = card("Name the tensor library that cardgen uses to run every answer of this deck, please.",
               "torch", key="t.f/shape/9")
    reviews = {r.card.key: r.results["consistent"] for r in review_cards([*sibs, odd])}
    assert all(reviews[c.key].meets for c in sibs)
    assert not reviews[odd.key].meets and "answer is a text" in reviews[odd.key].why
    assert "only card" in results(card())["consistent"].why


def test_no_duplicate_means_a_repeat_not_other_numbers():
    a = card(key="t.f/shape/0")
    same = card(key="t.f/shape/1")
    other_numbers = card("`x` has shape (5, 6). What is `x.sum(0).shape`?", "(6,)", key="t.f/shape/2")
    near = card("`x` has shape (3, 4).  What is `x.sum(0).shape` ?", key="t.f/shape/3")
    r = {x.card.key: x.results["no_duplicate"] for x in review_cards([a, same, other_numbers, near])}
    assert not r["t.f/shape/0"].meets and not r["t.f/shape/1"].meets and not r["t.f/shape/3"].meets
    assert r["t.f/shape/2"].meets
    # different figures are different cards even with the same words
    imgs = review_cards([card("What is shown?", "3", key="t.f/read/0", image="a.png"),
                         card("What is shown?", "3", key="t.f/read/1", image="b.png")])
    assert all(x.results["no_duplicate"].meets for x in imgs)


def test_answer_kinds():
    assert [answer_kind(a) for a in ["(3, 4)", "()", "0.25", "1/4", "[1, 2]", "ij->i", "B) rows", "0, 2", "yes", "torch"]] \
        == ["shape", "shape", "number", "number", "list", "expression", "choice", "set", "yes/no", "text"]


def test_review_of_a_topic_uses_the_registered_families():
    from exercises import all_families

    fam = all_families("einsum")[0]
    errors: list[str] = []
    cards, source = load_cards(fam.id, seed=0, variants=2, errors=errors)
    assert errors == [] and "seeds 0..1" in source
    assert {c.group for c in cards} == {f"{fam.id}/{form}" for form in fam.forms}
    assert len(cards) == 2 * len(fam.forms)
    (first, *_) = review_cards(cards)
    assert set(first.results) == set(PRINCIPLES)
    with pytest.raises(SourceError, match="not a topic"):
        load_cards("nonsense.family")


# ----------------------------------------------------------------------------- .apkg files


def write_apkg(path, notes: list[list[dict]], field_name="Variants"):
    """A minimal .apkg in the deck's layout: a note type with an Id and a Variants field."""
    import genanki

    model = genanki.Model(1607392319, "test model", fields=[{"name": "Id"}, {"name": field_name}],
                          templates=[{"name": "c", "qfmt": "{{Id}}", "afmt": "{{Id}}"}])
    deck = genanki.Deck(2059400110, "test")
    for i, entries in enumerate(notes):
        deck.add_note(genanki.Note(model=model, fields=[f"note{i}", json.dumps(entries)]))
    genanki.Package(deck).write_to_file(str(path))


def entry(key, prompt_html, answer, code_html=""):
    return {"k": 0, "key": key, "seed": int(key.rsplit("/", 1)[1]), "answer_text": answer, "image": None,
            "q": f'<div class="cg-meta">t<span class="cg-form">shape</span></div>'
                 f'<div class="cg-prompt">{prompt_html}</div>{code_html}', "a": "<div>a</div>"}


BAD_NOTES = [[
    entry("t.bad/shape/0", "Is <code>x.sum(0).shape</code> equal to (4,)?", "yes"),
    entry("t.bad/shape/1", "<code>y = x.T</code> has shape (4, 3) for <code>x</code> of shape (3, 4). "
                           "What is <code>y.shape</code>?", "(4, 3)"),
], [
    entry("t.good/shape/0", "<code>x</code> has shape (3, 4). What is <code>x.sum(0).shape</code>?", "(4,)",
          '<div class="cg-code"><pre><span class="n">x</span> <span class="o">=</span> 1\n&lt;2</pre></div>'),
]]


def test_cards_are_read_back_from_an_apkg(tmp_path):
    path = tmp_path / "bad.apkg"
    write_apkg(path, BAD_NOTES)
    cards = cards_from_apkg(path)
    assert [c.key for c in cards] == ["t.bad/shape/0", "t.bad/shape/1", "t.good/shape/0"]
    assert cards[0].prompt == "Is `x.sum(0).shape` equal to (4,)?" and cards[0].answer_text == "yes"
    assert cards[2].code == "x = 1\n<2" and cards[2].form == "shape" and cards[2].seed == 0
    by_key = {r.card.key: r for r in review_cards(cards)}
    assert not by_key["t.bad/shape/0"].results["no_yes_no"].meets
    assert not by_key["t.bad/shape/1"].results["effortful"].meets
    assert not by_key["t.good/shape/0"].broken and not by_key["t.good/shape/0"].errors


def test_apkg_errors_are_clear(tmp_path):
    not_zip = tmp_path / "x.apkg"
    not_zip.write_text("hello")
    with pytest.raises(SourceError, match="cannot open"):
        cards_from_apkg(not_zip)
    other = tmp_path / "other.apkg"
    write_apkg(other, [[{"key": "a/b/0"}]], field_name="Back")
    with pytest.raises(SourceError, match="no cardgen notes"):
        cards_from_apkg(other)
    with pytest.raises(SourceError, match="no such deck file"):
        load_cards(str(tmp_path / "missing.apkg"))


def test_a_deck_built_by_build_deck_is_reviewed_as_stored(tmp_path):
    """The real deck format: built by cardgen.deck for one family, read back, reviewed."""
    from cardgen.deck.build import build
    from exercises import all_families, get_family

    fam = all_families("einops")[0]
    out = tmp_path / "one.apkg"
    build(out, variants=2, seed=0, families=[fam.id])
    with zipfile.ZipFile(out) as zf:  # the deck really stores a Variants field
        assert {"collection.anki2", "collection.anki21"} & set(zf.namelist())
    cards = cards_from_apkg(out)
    assert len(cards) == 2 * len(fam.forms)
    for c in cards:  # the stored prompt is the variant's prompt, code included
        v = get_family(c.family).variant(seed=c.seed, form=c.form)
        assert c.prompt == v.prompt and (c.code or None) == (v.code.strip("\n") if v.code else None)
        assert c.answer_text == v.answer_text
    assert all(set(r.results) == set(PRINCIPLES) for r in review_cards(cards))


def test_question_html_parsing():
    prompt, code = parse_question_html('<div class="cg-prompt">a &lt; b<br>`x` <code>y[0]</code> \\( x \\)</div>'
                                       '<img src="f.png"><details><summary>Hint</summary>no</details>')
    assert prompt == "a < b\n`x` `y[0]` \\( x \\)" and code is None


# ----------------------------------------------------------------------------- the LLM's judgement


def judgement(body: dict) -> str:
    user = json.loads(body["messages"][-1]["content"])
    yes_no = user["answer"].strip().lower() == "yes"
    principles = {p: {"meets": True, "why": "it asks one thing only"} for p in LLM_PRINCIPLES}
    if yes_no:
        principles["no_yes_no"] = {"meets": False, "why": "it is answered by yes"}
    return json.dumps({"principles": principles})


def test_llm_judgement_is_merged_beside_the_rules(llm_env):
    llm_env.responder = judgement
    cards = [card(), card("Is `x.sum(0).shape` equal to (4,) for `x` of shape (3, 4)?", "yes", key="t.g/shape/0")]
    a = get_assistant()
    reviews = review_cards(cards, a)
    assert len(llm_env.chat_requests) == 2
    good, bad = reviews
    assert good.results["focused"].llm == {"meets": True, "why": "it asks one thing only"}
    assert bad.results["no_yes_no"].llm == {"meets": False, "why": "it is answered by yes"}
    assert bad.results["no_yes_no"].meets is False  # the rule's own verdict
    assert good.results["consistent"].llm is None  # cross-card rules are not asked of the LLM
    assert good.to_dict()["results"]["focused"]["llm"]["meets"] is True
    # an LLM opinion never flips a rule: its "no" on a card the rules pass stays an opinion
    llm_env.responder = lambda body: json.dumps({"principles": {p: {"meets": False, "why": "the answer is not clear"} for p in LLM_PRINCIPLES}})
    (again,) = review_cards([card("`x` has shape (5, 6). What is `x.sum(1).shape`?", "(5,)", key="t.h/shape/0")],
                            get_assistant())
    assert not again.broken and again.results["focused"].llm["meets"] is False


def test_llm_verdicts_with_invalid_reasons_are_dropped(llm_env):
    """SmolLM2-135M gave "2018-04-30 2:19.57" as the reason of every verdict: such a verdict is
    not shown; one with a real reason beside it still is."""
    junk = {p: {"meets": p != "focused", "why": "2018-04-30 2:19.57"} for p in LLM_PRINCIPLES}
    llm_env.responder = lambda body: json.dumps({"principles": {**junk, "precise": {
        "meets": True, "why": "states the shape (3, 4) it needs"}}})
    a = get_assistant()
    (r,) = review_cards([card()], a)
    assert r.results["precise"].llm == {"meets": True, "why": "states the shape (3, 4) it needs"}
    assert all(r.results[p].llm is None for p in LLM_PRINCIPLES if p != "precise")
    assert a.stats["review_accepted"] == 1 and a.stats["review_why_rejected"] == len(LLM_PRINCIPLES) - 1
    assert any("does not show: " in x for x in a.rejections[-1][2])
    llm_env.responder = lambda body: json.dumps({"principles": junk})
    a = get_assistant()
    (r,) = review_cards([card("`y` has shape (5, 6). What is `y.sum(1).shape`?", "(5,)")], a)  # not cached
    assert all(res.llm is None for res in r.results.values()) and a.stats["review_rejected"] == 1


def test_llm_judgement_with_a_broken_schema_is_dropped(llm_env):
    llm_env.mode = "malformed"
    a = get_assistant()
    (r,) = review_cards([card()], a)
    assert all(res.llm is None for res in r.results.values()) and not r.broken
    assert len(a.warnings) == 1


# ----------------------------------------------------------------------------- the card traps

TRAP_ID = "einsum.zz_review_trap"


@pytest.fixture
def trap_family():
    """A registered family with every trap: write cards printing the result's axes, a value
    card whose listed mistake scores, whose precision is unsaid, whose format example is the
    answer and whose answer never changes."""
    from exercises import Family, Variant, registry
    from exercises.checking import EinsumCheck, NumberCheck, Precision

    def make(rng, form, seed):
        n = rng.randint(3, 9)
        if form == "write":  # even seeds print the result's axes: a lazy solver copies them
            leak = f", of shape (batch=2, i={n}, j=5)" if seed % 2 == 0 else ""
            return Variant(
                family=TRAP_ID, form=form, seed=seed, params={"n": n},
                prompt=f"`x` has shape (batch=2, i={n}, k=4) and `y` has shape (batch=2, k=4, j=5). Write the "
                       f"einsum string for `x[b] @ y[b]`{leak}.",
                answer="bik,bkj->bij", answer_text="bik,bkj->bij",
                checker=EinsumCheck("bik,bkj->bij", ((2, n, 4), (2, 4, 5))),
            )
        return Variant(
            family=TRAP_ID, form=form, seed=seed, params={"n": n},
            prompt=f"A fair coin is tossed {n} times. What is the chance that the first two are heads? "
                   "Write it like 0.25.",
            answer=0.25, answer_text="0.25", checker=NumberCheck(0.25, precision=Precision.decimals(2)),
            mistakes=(("multiplied instead of squaring", "0.25"),),
        )

    fam = Family(id=TRAP_ID, title="Trap", make=make, forms=("write", "value"), summary="every trap")
    registry.register(fam)
    try:
        yield fam
    finally:
        registry._FAMILIES.pop(TRAP_ID, None)


def _build(tmp_path, families, variants=2):
    from cardgen.deck.build import build

    out = tmp_path / "deck.apkg"
    build(out, variants=variants, seed=0, families=families)
    return out


def test_a_built_deck_is_reviewed_for_the_card_traps(tmp_path, trap_family, monkeypatch):
    """The traps are judged from the deck's stored text with the checker re-derived from the
    family, form and seed stored in each note."""
    from cardgen.llm import review

    monkeypatch.setattr(review, "SHARE_SEEDS", 20)
    deck = _build(tmp_path, [TRAP_ID])
    reviews = {(r.card.form, r.card.seed): r for r in review_cards(cards_from_apkg(deck))}
    assert len(reviews) == 4
    for (form, _), r in reviews.items():
        res = r.results
        assert all(res[p].checkable for p in review.TRAP_PRINCIPLES), {p: res[p].why for p in res}
        if form == "write":
            assert not res["not_transcribable"].meets
            assert "lazy solvers answer 50% of 30 seeds" in res["not_transcribable"].why
        else:
            assert "multiplied instead of squaring" in res["no_mistake_scores"].why
            assert "to 2 decimal places" in res["states_precision"].why
            assert "'0.25' is a right answer" in res["no_answer_example"].why
        assert not res["varied_answer"].meets and "100% of 20 seeds" in res["varied_answer"].why
    summary = review.summarize(reviews.values())
    assert summary["not_transcribable"]["breaks"] == 2 and summary["no_mistake_scores"]["breaks"] == 2


def test_a_rewording_that_prints_the_result_is_a_trap(trap_family):
    v = trap_family.variant(seed=1, form="write")  # this seed's own text does not leak
    leaky = Card.from_variant(v, prompt=v.prompt + f" The result has shape (batch=2, i={v.params['n']}, j=5).")
    (r,) = review_cards([leaky])
    assert not r.results["not_transcribable"].meets
    assert "stored text gives the answer away: copy names" in r.results["not_transcribable"].why


def test_traps_are_not_checkable_without_the_family(tmp_path, trap_family):
    from cardgen.llm import review
    from exercises import registry

    deck = _build(tmp_path, [TRAP_ID], variants=1)
    registry._FAMILIES.pop(TRAP_ID)  # a deck from another cardgen: the family is unknown here
    (r, *_) = review_cards(cards_from_apkg(deck))
    for p in review.TRAP_PRINCIPLES:
        assert r.results[p].meets is None and not r.results[p].checkable and not r.results[p].error
        assert "not an exercise family" in r.results[p].why
        assert r.to_dict()["results"][p]["checkable"] is False
    counts = summary_counts(r)
    assert counts["not_checkable"] == len(review.TRAP_PRINCIPLES)  # counted once: never as meeting
    assert counts["meets"] + counts["breaks"] == len(PRINCIPLES) - len(review.TRAP_PRINCIPLES)
    assert counts["errors"] == 0 and not r.meets_all


def test_a_card_that_cannot_be_rederived_is_an_error_not_a_pass(tmp_path, trap_family, monkeypatch):
    """A family that raises when the card is re-derived: every trap is an error, counted apart,
    and the card does not meet every principle."""
    from cardgen.llm import review

    deck = _build(tmp_path, [TRAP_ID], variants=1)

    def crash(rng, form, seed):
        raise RuntimeError("injected")

    import dataclasses

    from exercises import registry

    monkeypatch.setitem(registry._FAMILIES, TRAP_ID, dataclasses.replace(trap_family, make=crash))
    reviews = review_cards(cards_from_apkg(deck))
    assert reviews
    for r in reviews:
        assert r.errors == list(review.TRAP_PRINCIPLES) and not r.meets_all
        for p in review.TRAP_PRINCIPLES:
            assert r.results[p].status == "errors" and "RuntimeError: injected" in r.results[p].why
            assert r.to_dict()["results"][p]["error"] is True
    counts = {k: sum(v[k] for v in review.summarize(reviews).values()) for k in ("meets", "errors")}
    assert counts["errors"] == len(reviews) * len(review.TRAP_PRINCIPLES)
    assert counts["meets"] <= len(reviews) * (len(PRINCIPLES) - len(review.TRAP_PRINCIPLES))
    # the command says so: its own line, exit 1 under --strict, "error" in the JSON
    from click.testing import CliRunner

    from cardgen.cli import cli

    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CARDGEN_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CARDGEN_HOME", str(tmp_path / "home"))
    text = CliRunner().invoke(cli, ["review-cards", str(deck), "--strict"])
    assert text.exit_code == 1, text.output
    said = " ".join(text.output.split())
    assert f"{len(reviews)} cards from deck" in said and ": 0 meet every principle." in said
    assert "Errors (the check raised): not_transcribable (2)," in said
    data = json.loads(CliRunner().invoke(cli, ["review-cards", str(deck), "--json"]).output)
    assert all(s["errors"] == len(reviews) for p, s in data["summary"].items() if p in review.TRAP_PRINCIPLES)
    assert all(c["errors"] == list(review.TRAP_PRINCIPLES) and not c["meets_all"] for c in data["cards"])


def summary_counts(r):
    from cardgen.llm.review import summarize

    s = summarize([r])
    return {k: sum(v[k] for v in s.values()) for k in ("meets", "breaks", "not_checkable", "errors")}


# ----------------------------------------------------------------------------- a stranger's solvers (issue 18)


@pytest.fixture
def planted_families():
    """Two einops write families a stranger answers: one prints the result's axes in its prose,
    the other always asks the same reversal (one template, the names renamed)."""
    from exercises import Family, Variant, registry
    from exercises.checking import EinopsCheck

    names = ["p q r", "u v w", "s t k", "a b c", "m n o", "x1 x2 x3"]

    def card(fid, seed, prompt, answer):
        return Variant(family=fid, form="write", seed=seed, params={}, prompt=prompt, answer=answer,
                       answer_text=answer, checker=EinopsCheck("rearrange", answer, ((2, 3, 4),), seed=seed),
                       code="y = einops.rearrange(x, ____)")

    def leaky(rng, form, seed):
        a, b, c = rng.choice(names).split()
        out = [(c, a, b), (b, c, a), (c, b, a), (a, c, b), (b, a, c)][seed % 5]
        return card("einops.zz_leaky", seed, f"Move the axes of `x` to `{' '.join(out)}`. `x` has shape (2, 3, 4), "
                    f"axes ({a}, {b}, {c}).", f"{a} {b} {c} -> {' '.join(out)}")

    def template(rng, form, seed):
        a, b, c = rng.choice(names).split()
        return card("einops.zz_template", seed, f"Reverse the order of the axes of `x`. `x` has shape (2, 3, 4), "
                    f"axes ({a}, {b}, {c}).", f"{a} {b} {c} -> {c} {b} {a}")

    fams = [Family(id="einops.zz_leaky", title="Leaky", make=leaky, forms=("write",)),
            Family(id="einops.zz_template", title="One template", make=template, forms=("write",))]
    for f in fams:
        registry.register(f)
    try:
        yield fams
    finally:
        for f in fams:
            registry._FAMILIES.pop(f.id, None)


def test_review_flags_what_a_stranger_answers(planted_families, monkeypatch):
    from cardgen.llm import review

    monkeypatch.setattr(review, "SHARE_SEEDS", 20)
    monkeypatch.setattr(review, "STRANGER_SEEDS", 20)
    leaky, template = planted_families
    (r_leaky,) = review_cards([Card.from_variant(leaky.variant(seed=0, form="write"))])
    (r_tpl,) = review_cards([Card.from_variant(template.variant(seed=0, form="write"))])
    assert not r_leaky.results["not_transcribable"].meets
    assert "a stranger's solvers: copy names answers 100% of 20 seeds" in r_leaky.results["not_transcribable"].why
    assert r_leaky.results["varied_answer"].meets, r_leaky.results["varied_answer"].why  # 5 layouts in turn
    assert "answer structures" in r_leaky.results["varied_answer"].why
    # issue 11's solvers miss the reversal; the stranger's reverse the names and remember the template
    assert not r_tpl.results["not_transcribable"].meets
    assert "lazy solvers answer 0% of 30 seeds" in r_tpl.results["not_transcribable"].why
    why = r_tpl.results["varied_answer"].why
    assert not r_tpl.results["varied_answer"].meets and "1 answer structures" in why, why


def test_a_pooled_write_form_is_judged_in_the_pool(monkeypatch):
    """Issue 18, item 4: a write form asked only inside the mixed notes gets a verdict from the
    stranger's solvers remembering the mix, as tests/test_stranger_solvers.py judges it (not a skip)."""
    from cardgen.llm import review
    from exercises import get_family, solvers

    monkeypatch.setattr(review, "SHARE_SEEDS", 10)
    monkeypatch.setattr(review, "STRANGER_SEEDS", 10)
    fam = get_family("einsum.elementwise")
    assert "write" in fam.pooled
    (r,) = review_cards([Card.from_variant(fam.variant(seed=0, form="write"))])
    res, var = r.results["not_transcribable"], r.results["varied_answer"]
    assert res.checkable and res.meets is not None and "mixed pool" in res.why
    worst = re.search(r"a stranger's solvers inside the mixed note \S+: .* answers (\d+)% of 10 seeds", res.why)
    assert worst, res.why
    if int(worst.group(1)) > 100 * solvers.MAX_SOLVED:
        assert res.meets is False, res.why
    assert var.checkable and var.meets is not None and "variants (limit 10%)" in var.why, var.why


def test_a_pooled_form_that_prints_its_answer_is_flagged(monkeypatch):
    """Pooling varies what a learner remembers, not what the card prints: a planted pooled form whose
    prose names the result's axes is flagged inside the mix."""
    from cardgen.llm import review
    from exercises import Family, Variant, registry
    from exercises.checking import EinopsCheck

    def leaky(rng, form, seed):
        a, b, c = rng.choice(["p q r", "u v w", "s t k", "m n o"]).split()
        out = " ".join([(c, a, b), (b, c, a), (c, b, a), (a, c, b), (b, a, c)][seed % 5])
        answer = f"{a} {b} {c} -> {out}"
        return Variant(family="einops.zz_pooled", form="write", seed=seed, params={}, answer=answer,
                       answer_text=answer, checker=EinopsCheck("rearrange", answer, ((2, 3, 4),), seed=seed),
                       prompt=f"Move the axes of `x` to `{out}`. `x` has shape (2, 3, 4), axes ({a}, {b}, {c}).",
                       code="y = einops.rearrange(x, ____)")

    monkeypatch.setattr(review, "SHARE_SEEDS", 20)
    monkeypatch.setattr(review, "STRANGER_SEEDS", 20)
    fam = Family(id="einops.zz_pooled", title="Pooled and leaky", make=leaky, forms=("write",), pooled=("write",))
    registry.register(fam)
    try:
        (r,) = review_cards([Card.from_variant(fam.variant(seed=0, form="write"))])
    finally:
        registry._FAMILIES.pop(fam.id, None)
    res = r.results["not_transcribable"]
    assert res.meets is False and "inside the mixed note einops.mixed" in res.why, res.why
    assert "answers 100% of 20 seeds" in res.why, res.why
