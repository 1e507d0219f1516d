"""Test-wide setup: every test run gets its own cache and data directories.

The cache is shared by the whole session so a trained run is trained once; nothing is
written to the user's real cache or data directories.
"""
import os

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
