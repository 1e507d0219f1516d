"""`cardgen from-code`: einsum/einops calls in real code become checked exercises and cards.

Inputs are real files: the project's own superpos_core, tests/fromcode_cases/all_forms.py
(every supported call form and alias, annotated with ``# expect:`` / ``# skip:`` comments)
and tests/fromcode_cases/project (a broken file, a small notebook, a non-JSON notebook).
Answers are re-computed independently with numpy / einops on numpy arrays; decks are
imported into a real Anki collection.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.fromcode.exercises import FORMS, collect, make_variant
from cardgen.fromcode.scan import scan_paths

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "fromcode_cases"
ALL_FORMS = CASES / "all_forms.py"
PROJECT = CASES / "project"
SEEDS = range(4)


def _lines_with(path: Path, needle: str) -> list[int]:
    return [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]


def _annotations(path: Path, tag: str) -> dict[int, str]:
    """line -> the text after ``# <tag>:`` on that line."""
    out = {}
    for i, line in enumerate(path.read_text().splitlines(), 1):
        m = re.search(rf"# {tag}: (.*)$", line)
        if m:
            out[i] = m.group(1).strip()
    return out


# ----------------------------------------------------------------------------- independent answers


def _np_inputs(v):
    shapes = [tuple(o["shape"]) for o in v.params["operands"]]
    same = v.params["same_as"]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    return [arrays[j] for j in same]


def _independent_shape(v, piece: int | None = None) -> tuple[int, ...]:
    """The result's shape by numpy.einsum or einops on numpy arrays — not the code under test."""
    import einops

    p = v.params
    xs = _np_inputs(v)
    if p["op"] == "einsum" and p["library"] != "einops":
        return np.einsum(p["pattern"], *xs).shape
    if p["op"] == "einsum":
        return einops.einsum(*xs, p["pattern"]).shape
    if p["op"] == "pack":
        return einops.pack(xs, p["pattern"])[0].shape
    if p["op"] == "unpack":  # the piece asked about, split by the `ps` printed on the card
        ps = [tuple(s) for s in p["packed_shapes"]]
        assert f"ps = [{', '.join(str(s) if len(s) != 1 else f'({s[0]},)' for s in ps)}]" in v.code
        return einops.unpack(xs[0], ps, p["pattern"])[p.get("piece", 0) if piece is None else piece].shape
    if p["op"] == "reduce":
        return einops.reduce(xs[0], p["pattern"], p["reduction"], **p["lengths"]).shape
    return getattr(einops, p["op"])(xs[0], p["pattern"], **p["lengths"]).shape


def _summed_letters(pattern: str) -> set[str]:
    """Summed axes of an explicit einsum string, by reading the string."""
    s = pattern.replace(" ", "")
    lhs, _, rhs = s.partition("->")
    names = (lambda t: set(re.findall(r"[A-Za-z_]\w*", t))) if " " in pattern else (lambda t: set(t) - {".", ","})
    return names(lhs) - names(rhs)


def _assert_contract(v):
    assert v.prompt.strip() and v.answer_text.strip() and v.explanation.strip()
    assert len(v.hints) >= 2
    p = v.params
    where = f"`{p['file']}:{p['line']}`" if p["cell"] is None else f"`{p['file']} cell {p['cell']}, line {p['line']}`"
    assert where in v.prompt, v.prompt  # the file and line are the question's context
    if p["function"] != "<module>":
        assert f"`{p['function']}`" in v.prompt
    verdict = v.check(v.answer_text)
    assert verdict.correct, (v.key, v.answer_text, verdict.reason)
    for alt in v.alternatives:
        assert v.check(alt).correct, (v.key, alt, v.check(alt).reason)
    assert v.distractors, f"{v.key} at {where} has no distractor"
    for wrong in v.distractors:
        w = v.check(wrong)
        assert not w.correct and w.reason, (v.key, wrong)
    json.dumps(v.to_dict())


def _check_against_independent(call, st):
    from cardgen.fromcode.exercises import forms_for

    for seed in SEEDS:
        for form in forms_for(call, st):
            v = make_variant(call, form, seed, st)
            assert v.to_dict() == make_variant(call, form, seed, st).to_dict()  # deterministic
            assert v.family == f"from-code.{call.op}" and v.form == form
            assert v.params["file"] == call.path and v.params["line"] == call.line
            assert v.params["pattern"] == call.pattern
            _assert_contract(v)
            expected = _independent_shape(v)
            assert tuple(v.params["out_shape"]) == _independent_shape(v, piece=0)
            if form == "shape":
                assert tuple(v.answer) == expected
                assert v.check(str(expected)).correct
            if form == "write":
                assert v.check(v.params["pattern"]).correct
            if form == "read" and call.op == "pack":
                import einops

                _, ps = einops.pack(_np_inputs(v), call.pattern)
                assert [list(s) for s in ps] == v.answer
            if form == "read" and call.op == "einsum" and "summed" in v.prompt and "->" in call.pattern:
                assert set(v.answer) == _summed_letters(call.pattern)


# ----------------------------------------------------------------------------- superpos_core


def test_superpos_core_einsums_are_found_at_their_lines():
    model = ROOT / "superpos_core" / "model.py"
    found = collect([ROOT / "superpos_core"])
    assert "superpos_core/model.py" in found.files
    by_pattern = {c.pattern: c for c, _ in found.items if c.path == "superpos_core/model.py"}
    for pattern in ("...if,ifh->...ih", "...ih,ifh->...if"):
        lines = _lines_with(model, f'"{pattern}"')
        assert lines, f"superpos_core/model.py no longer uses {pattern}"
        call = by_pattern[pattern]
        assert call.line == lines[0] and call.api == "torch.einsum"
        assert call.function.endswith("forward")
    assert by_pattern["...if,ifh->...ih"].operands == ("features", "W")
    assert by_pattern["...if,ifh->...ih"].result == "hidden"


def test_superpos_core_exercises_match_numpy():
    found = collect([ROOT / "superpos_core" / "model.py"])
    assert len(found.items) >= 2
    for call, st in found.items:
        _check_against_independent(call, st)
    call, st = next((c, s) for c, s in found.items if c.pattern == "...if,ifh->...ih")
    read = [make_variant(call, "read", s, st) for s in range(2)]
    summed = next(v for v in read if "sum over" in v.prompt)
    assert summed.answer == ["f"] and summed.check("f").correct and summed.check("{'f'}").correct
    assert not summed.check("i, h").correct and not summed.check("none").correct
    assert "not an axis" in summed.check("q").reason
    # ellipsis: 0 to 2 leading axes across seeds, all consistent with numpy
    ells = {len(make_variant(call, "shape", s, st).params["ellipsis"]) for s in range(12)}
    assert ells == {0, 1, 2}


# ----------------------------------------------------------------------------- every form and alias


def test_every_call_form_and_alias_is_found_by_line():
    expect = _annotations(ALL_FORMS, "expect")
    skip = _annotations(ALL_FORMS, "skip")
    found = collect([ALL_FORMS])
    got = {c.line: c for c, _ in found.items}
    for line, text in expect.items():
        api, pattern = (s.strip() for s in text.split("|", 1))
        assert line in got, f"line {line} ({api} {pattern!r}) not found"
        assert (got[line].api, got[line].pattern) == (api, pattern), line
    assert set(got) == set(expect), f"unexpected calls at {sorted(set(got) - set(expect))}"
    skipped = {s.line: s.reason for s in found.skipped}
    for line, words in skip.items():
        assert line in skipped, f"line {line} should be skipped ({words})"
        assert words in skipped[line], (line, skipped[line])
    assert set(skipped) == set(skip)
    # aliases resolved per scope, context kept
    assert got[_lines_with(ALL_FORMS, "numerical.einsum(")[0]].function == "Patches.forward"
    assert got[_lines_with(ALL_FORMS, "top_level =")[0]].function == "<module>"
    rep = got[_lines_with(ALL_FORMS, "Rearrange(\"b c (h p1)")[0]]
    assert rep.layer and dict(rep.lengths) == {"p1": None, "p2": None}
    pooled = got[_lines_with(ALL_FORMS, "pooled = reduce(")[0]]
    assert pooled.reduction == "max"


def test_every_call_form_matches_numpy_and_einops():
    found = collect([ALL_FORMS])
    for call, st in found.items:
        _check_against_independent(call, st)


def test_sizes_fixed_by_the_code_are_respected():
    found = collect([ALL_FORMS])
    calls = {c.pattern: (c, st) for c, st in found.items}
    tiled, st = calls["b c -> b c copies"]
    for seed in SEEDS:
        v = make_variant(tiled, "shape", seed, st)
        assert v.answer[-1] == 3 and "copies=3" in v.code
    pooled, st = calls["b c (h 2) (w 2) -> b c h w"]
    for seed in SEEDS:
        v = make_variant(pooled, "shape", seed, st)
        b, c, h2, w2 = v.params["operands"][0]["shape"]
        assert h2 % 2 == 0 and w2 % 2 == 0 and v.answer == [b, c, h2 // 2, w2 // 2]
        sizes = v.params["sizes"]
        assert len(set(sizes.values())) == len(sizes) and 2 not in sizes.values()  # distinct, not the fixed 2
    heads, st = calls["b s (h d) -> b h s d"]
    v = make_variant(heads, "write", 0, st)
    assert f"h={v.params['sizes']['h']}" in v.code  # h=n_heads in the code: a drawn length is passed
    assert v.check(f"einops.rearrange(q, 'b s (heads d) -> b heads s d', heads={v.params['sizes']['h']})").correct
    assert not v.check("b s (d h) -> b h s d").correct


def test_read_questions_have_one_short_answer():
    found = collect([ALL_FORMS])
    calls = {c.pattern: (c, st) for c, st in found.items}

    def reads(pattern):
        c, st = calls[pattern]
        return {v.params["question"]: v for v in (make_variant(c, "read", s, st) for s in range(6))}

    q = next(v for k, v in reads("b s (h d) -> b h s d").items() if "split" in k)
    assert set(q.answer) == {"h", "d"} and q.check("d, h").correct and q.check("(h d)").correct
    assert not q.check("h").correct and "missing d" in q.check("h").reason
    tiled = next(iter(reads("b c -> b c copies").values()))
    assert tiled.answer == ["copies"] and "new" in tiled.prompt
    from cardgen.fromcode.exercises import forms_for

    # an outer product's only question ("which axes are summed?") is answered by typing `none`
    assert "read" not in forms_for(*calls["i,j->ij"])
    trace = reads("ii")
    # its implicit-order question would be answered by typing the format example `none` (issue 21)
    assert not [k for k in trace if "no `->`" in k] and all(v.answer for v in trace.values())
    gram = next(v for k, v in reads("bhqd,bhkd->bhqk").items() if "shared" in k)
    assert set(gram.answer) == {"b", "h"} and gram.check("bh").correct  # letters run together
    assert "read" not in forms_for(*calls["a b -> b a"])  # "the result's axes?" is printed in its pattern


# ----------------------------------------------------------------------------- folders, notebooks, odd files


@pytest.fixture()
def project(tmp_path) -> Path:
    """A copy of the project case plus files that only make sense generated: undecodable
    bytes, a null byte, and calls hidden in folders that must not be entered."""
    root = tmp_path / "proj"
    shutil.copytree(PROJECT, root)
    (root / "latin1.py").write_bytes(b"import torch\nname = '\xe9t\xe9'\ntorch.einsum('ij->ji', x)\n")
    (root / "nul.py").write_bytes(b"import torch\n\x00torch.einsum('ij->ji', x)\n")
    r_nb = {"cells": [{"cell_type": "code", "source": "x <- einsum('ij->ji', m)"}],
            "metadata": {"kernelspec": {"language": "R"}}, "nbformat": 4, "nbformat_minor": 5}
    (root / "notebooks" / "stats.ipynb").write_text(json.dumps(r_nb))
    for hidden in (".venv/lib", ".hidden", "__pycache__"):
        (root / hidden).mkdir(parents=True)
        (root / hidden / "mod.py").write_text("import torch\ntorch.einsum('ij->ji', x)\n")
    return root


def test_folder_with_broken_files_and_a_notebook(project):
    found = collect([project])
    assert not any(".venv" in f or ".hidden" in f or "__pycache__" in f for f in found.files)
    reasons = {(s.path, s.cell): s.reason for s in found.skipped}
    assert "syntax error" in reasons[("proj/broken.py", None)]
    assert "cannot decode" in reasons[("proj/latin1.py", None)]
    assert "null bytes" in reasons[("proj/nul.py", None)]
    assert "invalid notebook" in reasons[("proj/notebooks/not_json.ipynb", None)]
    assert "not a Python notebook" in reasons[("proj/notebooks/stats.ipynb", None)]
    assert "%%bash" in reasons[("proj/notebooks/demo.ipynb", 4)]
    assert "syntax error" in reasons[("proj/notebooks/demo.ipynb", 6)]

    nb = json.loads((project / "notebooks" / "demo.ipynb").read_text())
    cells = ["".join(c["source"]) for c in nb["cells"]]
    in_nb = [c for c, _ in found.items if c.path == "proj/notebooks/demo.ipynb"]
    assert {c.pattern for c in in_nb} == {"bqd,bkd->bqk", "b s (h d) -> b h s d", "b q k -> b q"}
    for c in in_nb:
        src_lines = cells[c.cell - 1].splitlines()
        assert c.pattern in src_lines[c.line - 1], (c.cell, c.line)  # cell-relative line
    split = next(c for c in in_nb if c.op == "rearrange")
    assert split.function == "split" and split.api == "einops.rearrange"  # `import einops as eo` in cell 2
    for call, st in found.items:
        _check_against_independent(call, st)
        v = make_variant(call, "shape", 0, st)
        if call.cell:
            assert f"cell {call.cell}, line {call.line}" in v.prompt


def test_same_named_folders_from_two_places_keep_distinct_names(tmp_path):
    for parent in ("one", "two"):
        (tmp_path / parent / "pkg").mkdir(parents=True)
        (tmp_path / parent / "pkg" / "m.py").write_text("import torch\ny = torch.einsum('ij->ji', x)\n")
    result = scan_paths([tmp_path / "one" / "pkg", tmp_path / "two" / "pkg"])
    assert len(result.calls) == 2 and len({c.slot for c in result.calls}) == 2
    assert "pkg/m.py" in result.files and len(set(result.files)) == 2


def test_scan_never_imports_or_runs_the_code(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\nimport torch\ny = torch.einsum('ij->ji', x)\n"
    )
    result = scan_paths([tmp_path])
    assert [c.pattern for c in result.calls] == ["ij->ji"]
    assert not marker.exists()


# ----------------------------------------------------------------------------- the command


def test_cli_show_json_and_exit_codes(project, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["from-code", str(project), "--json", "-k", "2"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    calls = {(c["file"], c["line"]): c for c in data["calls"]}
    assert ("proj/layers.py", 6) in calls and data["deck"] is None
    layers = calls[("proj/layers.py", 6)]
    assert set(layers["exercises"]) == set(FORMS) and len(layers["exercises"]["shape"]) == 2
    assert layers["deck"] == "cardgen::from-code::proj/layers.py"
    assert {s["file"] for s in data["skipped"]} >= {"proj/broken.py", "proj/notebooks/not_json.ipynb"}

    res = runner.invoke(cli, ["from-code", str(project / "layers.py"), "--show"])
    assert res.exit_code == 0, res.output
    assert "layers.py:6" in res.output and "merge_heads" in res.output and "b h s d -> b s (h d)" in res.output
    assert not (Path.cwd() / "cardgen-from-code.apkg").exists()  # --show writes no deck

    res = runner.invoke(cli, ["from-code", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "does not exist" in res.output
    empty = tmp_path / "empty"
    (empty / "docs").mkdir(parents=True)
    (empty / "docs" / "notes.txt").write_text("torch.einsum('ij->ji', x)")
    res = runner.invoke(cli, ["from-code", str(empty)])
    assert res.exit_code == 1 and "no Python files" in res.output
    only_broken = tmp_path / "only_broken"
    only_broken.mkdir()
    shutil.copy(PROJECT / "broken.py", only_broken)
    res = runner.invoke(cli, ["from-code", str(only_broken), "--show"])
    assert res.exit_code == 0 and "syntax error" in res.output and "Found 0 calls" in res.output


# ----------------------------------------------------------------------------- the deck in Anki


def _collection(tmp: Path):
    from anki.collection import Collection

    path = tmp / f"col-{time.monotonic_ns()}" / "collection.anki2"
    path.parent.mkdir(parents=True)
    return Collection(str(path))


def _import(col, apkg: Path) -> None:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions()))


def _notes(col):
    return {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}


def test_deck_imports_into_anki_and_a_rerun_updates_the_same_notes(tmp_path):
    src = tmp_path / "mycode"
    shutil.copytree(PROJECT, src)
    (src / "notebooks" / "not_json.ipynb").unlink()
    deck = tmp_path / "mine.apkg"
    cmd = [sys.executable, "-m", "cardgen", "from-code", str(src), "-o", str(deck), "-k", "3"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Wrote" in proc.stdout and "broken.py" in proc.stderr  # skipped items are reported

    col = _collection(tmp_path)
    try:
        _import(col, deck)
        notes = _notes(col)
        found = collect([src])
        assert len(notes) == 3 * len(found.items) == 3 * 5  # 2 calls in layers.py, 3 in the notebook
        decks = {}
        for note in notes.values():
            (card,) = note.cards()
            decks.setdefault(col.decks.name(card.did), []).append(note)
        assert set(decks) == {"cardgen::from-code::mycode/layers.py", "cardgen::from-code::mycode/notebooks/demo.ipynb"}
        assert len(decks["cardgen::from-code::mycode/layers.py"]) == 6
        assert len(decks["cardgen::from-code::mycode/notebooks/demo.ipynb"]) == 9
        from cardgen.fromcode.deck import note_guid

        for call, _ in found.items:
            for form in FORMS:
                note = notes[note_guid(call, form)]
                assert note["Id"] == f"{call.slot}/{form}"
                variants = json.loads(note["Variants"])
                assert 1 <= len(variants) <= 3 and call.where in note["Question"]
        scores_q = notes[note_guid(next(c for c, _ in found.items if c.pattern == "bqd,bkd->bqk"
                                        and c.path.endswith("layers.py")), "shape")]
        assert "layers.py:10" in scores_q["Question"]
        before = {g: n.id for g, n in notes.items()}

        # insert lines above the calls: same notes, new line numbers, no duplicates
        path = src / "layers.py"
        path.write_text("# a new header comment\n\n\n" + path.read_text())
        time.sleep(1.05)  # Anki updates only from a strictly newer modification time
        res = CliRunner().invoke(cli, cmd[3:])  # in-process this time: the same command
        assert res.exit_code == 0, res.output
        _import(col, deck)
        after = _notes(col)
        assert {g: n.id for g, n in after.items()} == before
        assert "layers.py:13" in after[scores_q.guid]["Question"]
        assert "layers.py:10" not in after[scores_q.guid]["Question"]
    finally:
        col.close()
