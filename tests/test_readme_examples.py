"""The answers the README and the example notebook show as right are right.

Cards change when a family is redesigned (issue 18 restated every einsum write card), and an
example that a reader copies and sees rejected teaches distrust. Every ``cardgen check`` line of
the README and every ``cardgen.check(...)`` of the notebook is judged here by the family's checker.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exercises import get_family
from exercises.registry import all_families

ROOT = Path(__file__).resolve().parents[1]
_CLI = re.compile(r'cardgen check (\S+) --form (\S+) --seed (\d+) "([^"]+)"')
_API = re.compile(r'cardgen\.check\("([^"]+)", "([^"]+)", form="([^"]+)", seed=(\d+)\)')
_KNOWN = {f.id for f in all_families()}


def _examples() -> list[tuple[str, str, int, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    out = [(f, form, int(seed), resp) for f, form, seed, resp in _CLI.findall(readme) if f in _KNOWN]
    nb = json.loads((ROOT / "examples" / "cardgen_in_a_notebook.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for f, resp, form, seed in _API.findall("".join(cell["source"])):
            out.append((f, form, int(seed), resp))
    return out


def test_the_examples_are_found():
    assert len(_examples()) >= 4, _examples()


@pytest.mark.parametrize("family, form, seed, response", _examples())
def test_a_shown_right_answer_is_right(family, form, seed, response):
    verdict = get_family(family).variant(seed, form).check(response)
    assert verdict.correct, f"cardgen check {family} --form {form} --seed {seed} {response!r}: {verdict.reason}"
