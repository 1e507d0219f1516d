"""Every install layout grades the same: the sandbox's read allow-list comes from where modules
really are, and the project's own code stays out of reach however it was installed.

One wheel is built from this checkout (``pip wheel --no-deps``) and installed, non-editable:

* **venv, called the pipx way**: a fresh ``python -m venv`` with the wheel in its
  site-packages, run through a symlink to its ``cardgen`` script in another ``bin`` folder
  (what pipx sets up);
* **non-venv prefix**: a Python prefix of its own (a copy of the base interpreter's binary,
  its standard library linked in, a real ``lib/python3.X/site-packages`` inside the standard
  library folder, as in system and conda Pythons), so ``sys.prefix == sys.base_prefix`` and
  the site directory sits inside the stdlib directory;
* **editable**: this checkout's own ``.venv`` (the other grader tests use it too).

What is simulated, honestly: torch, numpy and einops are not installed again (that would
take minutes); a ``.pth`` file in each new site-packages names the test venv's site-packages,
so they are imported from there, as from any extra site directory. The project's own
packages come only from the wheel (the test checks where ``exercises`` is imported from).

In each layout one file is graded in a real subprocess: a right ``batched_matmul``, a wrong
``cosine_decay_lr`` and a ``forward`` that calls the reference implementation.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from _grade_helpers import REPO, by_function, landlock_abi, validate_exercism

pytestmark = [pytest.mark.skipif(landlock_abi() < 1, reason="the strong level's file walls need Landlock"),
              pytest.mark.slow]

SOLUTION = '''# cardgen: einsum.batched_matmul seed=0
# cardgen: superposition.cosine_decay_lr seed=0
# cardgen: superposition.forward seed=0
import os
import torch


def batched_matmul(a, b):
    return torch.einsum("bik,bkj->bij", a, b)


def cosine_decay_lr(step, steps):
    return 0.0


def forward(W, b_final, features):
    for path in REFERENCE_FILES:
        try:
            os.stat(path)
            print("SAW", path)
        except OSError:
            pass
    import exercises
    ref = exercises.get_family("superposition.forward").code_spec.reference
    return ref(W=W, b_final=b_final, features=features)
'''


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CARDGEN_GRADE", "VIRTUAL_ENV"))}
    return env


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for pkg in ("cardgen", "exercises", "superpos_core"):
        shutil.copytree(REPO / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp / "dist"
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
              str(src)], tmp, _env())
    assert r.returncode == 0, r.stdout + r.stderr
    (whl,) = out.glob("cardgen-*.whl")
    return whl


def _pth(site_packages: Path) -> None:
    """torch, numpy and einops from the test venv (see the module docstring)."""
    (site_packages / "zz_test_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def _pip_install(python: Path, wheel: Path, tmp: Path) -> None:
    r = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
              str(wheel)], tmp, _env())
    assert r.returncode == 0, r.stdout + r.stderr


def _venv_layout(tmp: Path, wheel: Path) -> tuple[Path, Path]:
    venv = tmp / "venv"
    r = _run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], tmp, _env())
    assert r.returncode == 0, r.stderr
    python = venv / "bin" / "python"
    _pip_install(python, wheel, tmp)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp, _env()).stdout.strip())
    _pth(site)
    apps = tmp / "local-bin"  # pipx: the app's venv, its script linked into ~/.local/bin
    apps.mkdir()
    (apps / "cardgen").symlink_to(venv / "bin" / "cardgen")
    return python, apps / "cardgen"


def _prefix_layout(tmp: Path, wheel: Path) -> tuple[Path, Path]:
    base = Path(sys.base_prefix)
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = tmp / "prefix"
    (prefix / "bin").mkdir(parents=True)
    stdlib = prefix / "lib" / ver
    stdlib.mkdir(parents=True)
    real = Path(os.path.realpath(sys._base_executable))
    shutil.copy2(real, prefix / "bin" / ver)
    for entry in (base / "lib" / ver).iterdir():
        if entry.name != "site-packages":
            (stdlib / entry.name).symlink_to(entry)
    (stdlib / "site-packages").mkdir()
    python = prefix / "bin" / ver
    probe = _run([str(python), "-I", "-c", "import sys, site; print(sys.prefix == sys.base_prefix, site.getsitepackages())"],
                 tmp, _env())
    assert probe.stdout.startswith("True") and str(stdlib / "site-packages") in probe.stdout, probe
    _pip_install(python, wheel, tmp)
    _pth(stdlib / "site-packages")
    return python, prefix / "bin" / "cardgen"


def _grade(python: Path, script: Path | None, work: Path) -> dict:
    where = _run([str(python), "-c", "import cardgen, exercises; print(exercises.__file__)"], work, _env())
    ref_dir = Path(where.stdout.strip()).parent.resolve()
    if script is not None:  # an installed layout: its exercises come from the wheel, not the checkout
        assert REPO not in ref_dir.parents, where.stdout
    sol = work / "solution.py"
    refs = [str(ref_dir / "superposition" / "forward.py"), str(ref_dir / "__init__.py")]
    sol.write_text(SOLUTION.replace("REFERENCE_FILES", repr(refs)))
    env = {**_env(), "CARDGEN_CACHE": str(work / "cache"), "HOME": str(work)}
    cmd = [str(script), "grade"] if script is not None else [str(python), "-m", "cardgen", "grade"]
    r = _run(cmd + [str(sol), "--json"], work, env)
    assert "Traceback" not in r.stderr, r.stderr
    doc = __import__("json").loads(r.stdout)
    validate_exercism(doc)
    return doc


def _verdicts(doc: dict) -> dict:
    return {name: t["status"] for name, t in by_function(doc).items()}


def test_every_install_layout_grades_the_same(tmp_path, wheel):
    layouts = {"editable": (REPO / ".venv" / "bin" / "python", None)}
    if not layouts["editable"][0].exists():
        layouts["editable"] = (Path(sys.executable), None)
    for name, build, folder in (("venv (pipx-style)", _venv_layout, "v"), ("non-venv prefix", _prefix_layout, "p")):
        (tmp_path / folder).mkdir()
        layouts[name] = build(tmp_path / folder, wheel)
    seen = {}
    for name, (python, script) in layouts.items():
        work = tmp_path / f"work-{name.split()[0]}"
        work.mkdir()
        doc = _grade(python, script, work)
        tests = by_function(doc)
        assert _verdicts(doc) == {"batched_matmul": "pass", "cosine_decay_lr": "fail", "forward": "error"}, (name, doc)
        assert "sandbox exited" not in (doc.get("message") or ""), (name, doc)
        fwd = tests["forward"]
        # The reference is out of reach: not on the path (editable), or an empty folder (installed).
        assert any(m in fwd["message"] for m in ("No module named 'exercises'", "has no attribute 'get_family'")), fwd
        assert "SAW" not in (fwd["output"] or ""), (name, fwd)  # not even its path can be seen
        seen[name] = doc
    assert len({str(_verdicts(d)) for d in seen.values()}) == 1
