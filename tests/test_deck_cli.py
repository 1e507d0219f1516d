"""``cardgen build-deck`` run for real (subprocesses): help, usage errors, unwritable paths,
a small build with its summary, and a light start-up."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from exercises import all_families


def cardgen(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cardgen", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_help_teaches_with_examples():
    r = cardgen("build-deck", "--help")
    assert r.returncode == 0, r.stderr
    for text in ("Examples:", "cardgen build-deck --topics einsum,einops", "--variants", "--seed",
                 "--output", "File > Import", "review history"):
        assert text in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--topics", "einsum,matrices"], "unknown topic 'matrices'"),
    (["--variants", "0"], "0 is not in the range 1<=x<=100"),
    (["--seed", "-1"], "-1 is not in the range"),
])
def test_bad_options_are_usage_errors(args, message, tmp_path):
    r = cardgen("build-deck", "-o", str(tmp_path / "x.apkg"), *args)
    assert r.returncode == 2, r.stderr
    assert "Usage:" in r.stderr and message in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x.apkg").exists()


def test_output_that_is_a_directory_is_a_usage_error(tmp_path):
    r = cardgen("build-deck", "-o", str(tmp_path))
    assert r.returncode == 2 and "is a directory" in r.stderr


@pytest.mark.parametrize("target, message", [
    ("/proc/cardgen-test.apkg", "cannot write /proc/cardgen-test.apkg"),
    ("{tmp}/no/such/dir/deck.apkg", "does not exist"),
])
def test_unwritable_output_is_one_clear_line(target, message, tmp_path):
    path = target.format(tmp=tmp_path)
    r = cardgen("build-deck", "-o", path, "--topics", "einsum", "-k", "1")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], r.stderr


def test_small_build_writes_the_deck_and_a_summary(tmp_path):
    topic = next(t for t in ("einops", "einsum", "superposition") if all_families(t))
    r = cardgen("build-deck", "--topics", topic, "-k", "1", "--seed", "5", "-o", "small.apkg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "small.apkg"
    assert out.is_file() and zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.apkg"]  # no temp file left behind
    n_notes = sum(len([form for form in f.forms if form not in f.pooled]) for f in all_families(topic))  # pooled: in the mixed note
    assert f"cardgen::{topic}" in r.stdout and "total" in r.stdout
    assert f"{n_notes} notes computed, 0 from cache" in r.stdout  # seed 5 is this test's own
    assert "media files" in r.stdout
    # Again: nothing changed, so every note comes from the cache.
    r2 = cardgen("build-deck", "--topics", topic, "-k", "1", "--seed", "5", "-o", "small.apkg", cwd=tmp_path)
    assert r2.returncode == 0 and f"0 notes computed, {n_notes} from cache" in r2.stdout


def test_help_and_import_stay_light():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from cardgen.cli import cli\n"
        "r = CliRunner().invoke(cli, ['build-deck', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "import cardgen.deck.cli, cardgen.deck.build, cardgen.deck.render, cardgen.deck.model\n"
        "heavy = [m for m in ('torch', 'genanki', 'anki', 'pygments', 'numpy', 'einops') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
