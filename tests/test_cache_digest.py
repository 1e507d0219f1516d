"""The trained runs' cache key follows the code they run, not every file of superpos_core: a
module added beside the trainer keeps the shipped runs, a changed trainer retrains."""
import sys

import pytest

from exercises.cache import modules_digest


@pytest.fixture
def pkg(tmp_path, monkeypatch):
    root = tmp_path / "digestpkg"
    root.mkdir()
    (root / "__init__.py").write_text('"""A package."""\nfrom .model import run\n')
    (root / "model.py").write_text("from . import helper\n\ndef run():\n    return helper.k()\n")
    (root / "helper.py").write_text("def k():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    sys.modules.pop("digestpkg", None)


def test_an_added_module_or_re_export_keeps_the_digest(pkg):
    before = modules_digest(["digestpkg.model"])
    (pkg / "extra.py").write_text("def other():\n    return 2\n")
    (pkg / "__init__.py").write_text('"""A package."""\nfrom .model import run\nfrom .extra import other\n')
    assert modules_digest(["digestpkg.model"]) == before


@pytest.mark.parametrize("path, text", [
    ("helper.py", "def k():\n    return 2\n"),  # a module the root imports
    ("model.py", "from . import helper\n\ndef run():\n    return -helper.k()\n"),  # the root itself
    ("__init__.py", '"""A package."""\nfrom .model import run\nSCALE = 2\n'),  # code in the package's __init__
])
def test_a_change_to_code_the_roots_run_changes_the_digest(pkg, path, text):
    before = modules_digest(["digestpkg.model"])
    (pkg / path).write_text(text)
    assert modules_digest(["digestpkg.model"]) != before


def test_the_trained_runs_key_does_not_import_torch():
    import subprocess

    code = ("import sys; from exercises.superposition._trained import _training_code; _training_code(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
