"""What every registered family promises, whatever its topic: checked over many seeds."""
import json

import pytest

from exercises import FORMS, TOPICS, all_families, get_family

FAMILIES = all_families()
SEEDS = range(6)


def test_enough_families_per_topic():
    assert len(FAMILIES) >= 30
    for t in TOPICS:
        assert len(all_families(t)) >= 10, t


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_family_contract(fam):
    assert fam.title and 1 <= fam.difficulty <= 3
    assert fam.forms and set(fam.forms) <= set(FORMS)
    prompts = set()
    for form in fam.forms:
        for seed in SEEDS:
            v = fam.variant(seed=seed, form=form)
            again = fam.variant(seed=seed, form=form)
            assert v.to_dict() == again.to_dict()
            json.dumps(v.to_dict())  # machine-readable as promised by --json
            assert v.prompt.strip() and v.answer_text.strip()
            assert v.explanation.strip(), f"{v.key} has no explanation"
            assert len(v.hints) >= 2, f"{v.key} needs tiered hints"
            verdict = v.check(v.answer_text)
            assert verdict.correct, f"{v.key}: its own answer {v.answer_text!r} is rejected: {verdict.reason}"
            for alt in v.alternatives:
                assert v.check(alt).correct, f"{v.key}: alternative {alt!r} rejected"
            assert v.distractors, f"{v.key} has no distractor"
            for wrong in v.distractors:
                w = v.check(wrong)
                assert not w.correct and w.reason, f"{v.key}: distractor {wrong!r} accepted"
            if v.image is not None:
                assert v.image.data[:8] == b"\x89PNG\r\n\x1a\n"
                assert "/" not in v.image.name and v.image.name.endswith(".png")
            prompts.add((form, v.prompt, v.code))
    assert len(prompts) > len(fam.forms) * len(SEEDS) // 2, f"{fam.id}: variants barely differ"


def test_unknown_family_suggests():
    with pytest.raises(KeyError, match="Did you mean"):
        get_family("einsum.matmull")


def test_bad_form_and_seed_are_refused():
    fam = FAMILIES[0]
    with pytest.raises(ValueError, match="forms are"):
        fam.variant(seed=0, form="nope")
    for seed in (-1, 2**63, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            fam.variant(seed=seed)
