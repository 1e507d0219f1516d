"""What every registered family promises, whatever its topic: checked over many seeds.

The card traps of issue 11 (lazy solvers, listed mistakes, precision, near-constant answers,
trained questions) are checked for every family in ``test_card_traps.py``.
"""
import ast
import json
from pathlib import Path

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
    assert fam.summary.strip(), f"{fam.id} has no summary (shown by `cardgen list`)"
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


EXERCISES = Path(__file__).resolve().parent.parent / "exercises"


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_one_dialect_family_module_ends_with_a_family_literal(fam):
    """One way to write a family: the module's FAMILY is a ``Family(...)`` literal naming its id,
    its code spec (if any) is ``CODE``, and nothing registers itself as a side effect."""
    topic, name = fam.id.split(".", 1)
    tree = ast.parse((EXERCISES / topic / f"{name}.py").read_text())
    decls = [n for n in tree.body if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "FAMILY" for t in n.targets)]
    assert len(decls) == 1, f"{fam.id}: declare FAMILY exactly once"
    call = decls[0].value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Family", (
        f"{fam.id}: FAMILY must be a Family(...) literal, not {ast.unparse(call)[:40]}"
    )
    kw = {k.arg: k.value for k in call.keywords}
    assert {"id", "title", "forms", "make", "summary"} <= set(kw), f"{fam.id}: Family(...) lacks {set(kw)}"
    if "code_spec" in kw:
        assert ast.unparse(kw["code_spec"]) == "CODE", f"{fam.id}: name the code spec CODE"
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not calls & {"register", "registry.register"}, f"{fam.id}: no register() in a family module"


def test_list_shows_each_family_summary():
    from click.testing import CliRunner

    from cardgen.cli import cli

    r = CliRunner().invoke(cli, ["list", "--json"], catch_exceptions=False)
    rows = {row["family"]: row for row in json.loads(r.output)}
    assert all(rows[f.id]["summary"] == f.summary for f in FAMILIES)
