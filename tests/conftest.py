"""Test-wide setup: every test run gets its own cache and data directories.

The cache is shared by the whole session so a trained run is trained once; nothing is
written to the user's real cache or data directories.
"""
import os
import re

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_dirs(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cardgen-cache")
    home = tmp_path_factory.mktemp("cardgen-home")
    old = {k: os.environ.get(k) for k in ("CARDGEN_CACHE", "CARDGEN_HOME")}
    os.environ["CARDGEN_CACHE"] = str(cache)
    os.environ["CARDGEN_HOME"] = str(home)
    for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CARDGEN_LLM_MODEL"):
        os.environ.pop(k, None)  # offline unless a test points the client at its own server
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def no_drawing():
    """Cards drawn without their pictures for one module (:func:`lazy_solvers.no_pictures`)."""
    from lazy_solvers import no_pictures

    with no_pictures():
        yield


#: Files whose tests read many cards of one family each, from the session's cache of drawn
#: variants (:func:`lazy_solvers.variants`, one per test worker).
_CARD_FILES = ("test_card_traps.py", "test_stranger_solvers.py", "test_task_solvers.py", "test_families_einsum.py",
               "test_families_einops.py", "test_task_form.py")
_FAMILY_ID = re.compile(r"(einsum|einops|superposition|tensors|mixed)\.\w+")


def _family_of(item) -> str | None:
    """The family a parametrized test is about (a family id, a (family, form) slot or a Family)."""
    for value in getattr(getattr(item, "callspec", None), "params", {}).values():
        value = value[0] if isinstance(value, tuple) and value else getattr(value, "id", value)
        if isinstance(value, str) and _FAMILY_ID.fullmatch(value):
            return value
    return None


def pytest_collection_modifyitems(config, items):
    """The card files' tests of one family run one after another, in one block.

    pytest-xdist's work stealing hands each worker a contiguous part of this order, so a family's
    100 drawn variants are drawn once, by the worker that runs its tests, rather than by both
    (each test's own order and outcome are unchanged; only the interleaving of files is)."""
    cards = [i for i in items if i.path.name in _CARD_FILES]
    if not cards:
        return
    index = {id(i): n for n, i in enumerate(items)}
    first = min(index[id(i)] for i in cards)
    by_family = sorted((i for i in cards if _family_of(i)), key=lambda i: (_family_of(i), index[id(i)]))
    others = [i for i in cards if not _family_of(i)]
    rest = [i for i in items if i.path.name not in _CARD_FILES]
    items[:] = rest[:first] + by_family + others + rest[first:]
