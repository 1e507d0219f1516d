"""Regressions found by running `cardgen from-code` on real codebases (issue 12), one small file each
under tests/fromcode_cases/regressions/."""
from __future__ import annotations

from pathlib import Path

from cardgen.fromcode.exercises import collect, forms_for, make_variant
from cardgen.fromcode.scan import scan_paths

CASES = Path(__file__).resolve().parent / "fromcode_cases" / "regressions"


def _calls(name: str):
    result = scan_paths([CASES / name])
    return result.calls, result.skipped


def test_einops_submodule_imports_are_found():
    calls, skipped = _calls("einops_submodule_import.py")
    assert [c.api for c in calls] == ["einops.rearrange", "einops.reduce", "einops.pack"]
    assert calls[1].reduction == "max"
    assert not skipped


def test_different_tensors_with_the_same_attribute_name_stay_different():
    calls, _ = _calls("shared_attribute_names.py")
    assert [c.operands for c in calls] == [("q_weight", "k_weight"), ("a_T", "b_T")]
    found = collect([CASES / "shared_attribute_names.py"])
    for call, st in found.items:
        v = make_variant(call, "shape", 0, st)
        shapes = [tuple(o["shape"]) for o in v.params["operands"]]
        assert len(set(v.params["same_as"])) == 2, "two different tensors must not be merged into one"
        assert shapes[0] != shapes[1] or shapes[0][0] == shapes[0][1]
        assert "weight, weight" not in (v.code or "") and "T, T" not in (v.code or "")


def test_summing_over_the_ellipsis_is_called_a_sum_and_one_operand_is_not_multiplied():
    found = collect([CASES / "ellipsis_sum.py"])
    (call, st), = found.items
    # `b...->b` has no write form: the card would print `b ...` and say `...` is summed (t21)
    assert "write" not in forms_for(call, st)
    v = make_variant(call, "shape", 0, st)
    assert "nothing is summed" not in v.explanation and "the axes of `...` are summed away" in v.explanation
    assert "Multiply them" not in v.prompt + v.explanation


def test_a_reduction_passed_as_a_variable_is_shown_as_that_variable():
    found = collect([CASES / "reduction_variable.py"])
    (call, st), = found.items
    assert call.reduction_source == "reduction"
    for form in ("shape", "write"):
        v = make_variant(call, form, 0, st)
        assert "`'sum'`" not in v.prompt and "reduction" in v.prompt + v.code  # named as passed
        if form == "write":  # its example binds the variable, saying so
            assert "Reduce it with `reduction`" in v.prompt and "reduction='sum'" in v.prompt
    # the shape snippet runs as shown (issue 21: `reduction` was undefined) and gives the answer
    v = make_variant(call, "shape", 0, st)
    env: dict = {}
    exec("import torch, einops\n" + v.code, env)
    assert list(env["out"].shape) == v.answer
    assert "(`sum`)" not in v.explanation


def test_ipython_syntax_keeps_the_cell():
    calls, skipped = _calls("ipython")
    assert not skipped, skipped
    assert sorted((c.cell, c.api) for c in calls) == [(2, "einops.rearrange"), (3, "torch.einsum")]


def test_messages_say_what_is_there():
    calls, skipped = _calls("messages.py")
    apis = {c.line: c for c in calls}
    lines = Path(CASES / "messages.py").read_text().splitlines()
    line_of = {needle: i for i, text in enumerate(lines, 1) for needle in ("np.einsum(\"ii\"", "np.einsum(a,",
                                                                            "f\"ij->ji\"", "Rearrange(\"b")
               if needle in text}
    assert apis[line_of['np.einsum("ii"']].operands == (None,)  # one array literal, not 2 tensors
    assert apis[line_of['f"ij->ji"']].pattern == "ij->ji"
    assert apis[line_of['Rearrange("b']].lengths == (("h", 2),)
    (skip,) = skipped
    assert skip.line == line_of["np.einsum(a,"] and "sublist form" in skip.reason
    found = collect([CASES / "messages.py"])
    assert not [s for s in found.skipped if "passes 2 tensors" in s.reason or "length for 'sizes'" in s.reason]


def test_a_file_with_a_null_byte_is_skipped_with_a_clean_reason(tmp_path):
    bad = tmp_path / "nul.py"
    bad.write_bytes(b'import torch\nx = torch.einsum("ij->ji", y)\x00\n')
    result = scan_paths([bad])
    (skip,) = result.skipped
    assert "None" not in skip.reason and "null bytes" in skip.reason


def test_merged_duplicates_keep_their_lines_in_the_skip_list(tmp_path):
    f = tmp_path / "dup.py"
    f.write_text("import torch\n\ndef g(x):\n    a = torch.einsum('ij->ji', x, x)\n"
                 "    b = torch.einsum('ij->ji', x, x)\n    return a, b\n")
    found = collect([f])
    (skip,) = found.skipped
    assert skip.line == 4 and "line 5" in skip.reason


def test_read_cards_do_not_ask_for_the_axes_their_pattern_prints():
    """Issue 21: "what are the result's axes, in order?" next to `i -> i 1` was a transcription;
    such calls get shape and write cards only."""
    from cardgen.fromcode.exercises import forms_for

    found = collect([CASES / "literal_axes.py"])
    assert [c.pattern for c, _ in found.items] == ["i -> i 1"]  # einops refuses `h 5` in rearrange
    for call, st in found.items:  # and no write card: a reshape, answered by copying `i` (t21)
        assert forms_for(call, st) == ("shape",)


def test_note_guids_and_tags_survive_the_pattern_engine_refactor():
    """tests/fromcode_cases/guids_before_engine.json was written by the code before the one
    pattern engine (commit 32551b2) for the same fixture files: GUID, subdeck, tags, slot, form.
    Every note it had is still made the same way (unpack calls, skipped then, add notes)."""
    import json

    from cardgen.fromcode.deck import build_notes

    root = Path(__file__).resolve().parent / "fromcode_cases"
    before = json.loads((root / "guids_before_engine.json").read_text())
    found = collect([root / "all_forms.py", root / "project"])
    now = [[n.note.guid, n.deck, sorted(n.tags), n.call.slot, n.note.form] for n in build_notes(found.items, 2, 0)]
    # issue 21 removed two read cards: a plain reordering's (it asked for the axes its pattern
    # prints) and an outer product's (its one question, "which axes are summed?", is answered
    # by typing the format example `none`); and t21 retired the write cards a template answers
    # (`exercises.answered_by_its_inputs`): einsums whose result is the axes only one operand
    # has, or all of them, in order (`ij,jk->ik`, `bnd,d->bn`, `i,j->ij`, `...` aside), a trace
    # (`ii`) and a pooling reduce that keeps the named axes in order; t21c the shape card of a
    # result whose shape no draw changes (`ii`: `()` every time). Every other note keeps its GUID.
    forms = "from-code/tests/fromcode_cases/all_forms.py/numpy_and_friends/"
    assert sorted((n[3], n[4]) for n in before if n not in now) == [
        ("from-code/tests/fromcode_cases/all_forms.py/<module>/einops.rearrange/a b -> b a", "read"),
        ("from-code/tests/fromcode_cases/all_forms.py/Patches.forward/numpy.einsum/bnd,d->bn", "write"),
        (forms + "einops.einsum/batch d_in, d_in d_out -> batch d_out", "write"),
        (forms + "numpy.einsum/ii", "shape"),
        (forms + "numpy.einsum/ii", "write"),
        (forms + "numpy.einsum/ij,kj->ik", "write"),
        (forms + "torch.einsum/...ij,...jk->...ik", "write"),
        (forms + "torch.einsum/i,j->ij", "read"),
        (forms + "torch.einsum/i,j->ij", "write"),
        (forms + "torch.einsum/ij,jk->ik", "write"),
        ("from-code/tests/fromcode_cases/all_forms.py/pooling/einops.reduce/b c (h 2) (w 2) -> b c h w", "write")]
    assert {n[3] for n in now if n not in before} == {
        "from-code/tests/fromcode_cases/all_forms.py/not_literal/einops.unpack/b *"}


def test_a_from_code_card_id_is_checked_from_the_command_line_and_stale_code_is_said(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from cardgen.cli import cli

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    src = tmp_path / "pkg" / "attn.py"
    src.parent.mkdir()
    src.write_text("import torch\n\ndef scores(q, k):\n    return torch.einsum('bqd,bkd->bqk', q, k)\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    listing = json.loads(runner.invoke(cli, ["from-code", "pkg", "--json"]).output)
    (call,) = listing["calls"]
    ex = call["exercises"]["shape"][0]
    card = ex["params"]["card"]
    assert card.startswith("pkg/attn.py#")
    ok = runner.invoke(cli, ["check", card, "--form", "shape", "--seed", str(ex["seed"]), ex["answer_text"]])
    assert ok.exit_code == 0, ok.output
    wrong = runner.invoke(cli, ["check", card, "--form", "shape", "--seed", str(ex["seed"]), "(1, 1, 1)"])
    assert wrong.exit_code == 1
    # the deck's answer side carries the same command
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # from a subfolder: the project root is found
    assert runner.invoke(cli, ["check", card, "--form", "shape", "--seed", str(ex["seed"]),
                               ex["answer_text"]]).exit_code == 0
    src.write_text(src.read_text().replace("'bqd,bkd->bqk', q, k", "'bqd,bkd->bqk', q, k.flip(1)"))
    stale = runner.invoke(cli, ["check", card, "--form", "shape", "--seed", str(ex["seed"]), ex["answer_text"]])
    assert stale.exit_code == 2 and "changed since the deck was built" in stale.output
    src.write_text(src.read_text().replace("bqd,bkd->bqk", "bqd,bkd->bkq"))
    gone = runner.invoke(cli, ["check", card, "--form", "shape", "--seed", str(ex["seed"]), ex["answer_text"]])
    assert gone.exit_code == 2 and "no longer in pkg/attn.py" in gone.output


def test_unpack_calls_become_exercises_answered_by_einops():
    import einops
    import torch

    found = collect([CASES / "unpack_calls.py"])
    assert not found.skipped
    assert [c.pieces for c, _ in found.items] == [("cls_tokens", "patches"), ("out",), (None, "c")]
    for call, st in found.items:
        one_piece = len(call.pieces) == 1  # `* n` into `out` alone: `*` is the one place left, no write card (t21)
        assert ("write" in forms_for(call, st)) != one_piece
        for seed in range(6):
            shape, read = (make_variant(call, form, seed, st) for form in ("shape", "read"))
            ps = [tuple(s) for s in read.params["packed_shapes"]]
            packed = tuple(read.params["operands"][0]["shape"])
            pieces = einops.unpack(torch.zeros(packed), ps, call.pattern)  # independent run
            assert read.check(str([tuple(p.shape) for p in pieces])).correct
            assert not read.check(str([tuple(p.shape) for p in pieces][::-1])).correct or len(pieces) == 1 \
                or len({tuple(p.shape) for p in pieces}) == 1
            if not one_piece:
                write = make_variant(call, "write", seed, st)
                assert write.check(call.pattern).correct and not write.check("* b d").correct
            assert shape.check(shape.answer_text).correct
            assert all(not shape.check(x).correct for x in shape.distractors)


def test_einmix_layers_become_exercises_answered_by_running_the_layer():
    import torch
    from einops.layers.torch import EinMix

    found = collect([CASES / "einmix_layers.py"])
    assert not found.skipped and len(found.items) == 3
    for call, st in found.items:
        assert call.api == "einops.layers.EinMix" and call.weight_shape
        for seed in range(4):
            shape, write, read = (make_variant(call, form, seed, st) for form in ("shape", "write", "read"))
            p = shape.params
            layer = EinMix(call.pattern, weight_shape=call.weight_shape, bias_shape=call.bias_shape, **p["lengths"])
            out = layer(torch.zeros(p["operands"][0]["shape"]))  # independent run of the real layer
            assert shape.check(str(tuple(out.shape))).correct
            assert write.check(call.pattern).correct
            assert all(not write.check(x).correct for x in write.distractors)
            assert read.check(read.answer_text).correct
    mixed = make_variant(found.items[0][0], "read", 0, found.items[0][1])
    assert mixed.answer_text in ("c", "c_out")


def _shown_example(prompt: str):
    """The worked example a write prompt prints, read back independently: the operands'
    ``arange`` expressions (evaluated here) and the printed result."""
    import re

    import torch

    ops = {m.group(1): eval(m.group(2), {"torch": torch}) for m in
           re.finditer(r"`([^`]+)` = `(torch\.(?:arange|tensor)\([^`]*\))`", prompt)}
    result = re.search(r"`\w+` = `(\[[^`]*\]|-?[\d.]+)`", prompt)
    return ops, (eval(result.group(1)) if result else None)


def test_write_prompts_show_an_example_instead_of_the_result_axes():
    import torch

    from exercises.patterns import axes_text

    found = collect([CASES / "write_prompts.py"])
    assert len(found.items) == 5
    # a plain split keeps its input's axes in order: copied, they were its write card's answer (t21)
    assert [c.pattern for c, s in found.items if "write" not in forms_for(c, s)] == ["b (h w) c -> b h w c"]
    shown = 0
    for call, st in ((c, s) for c, s in found.items if "write" in forms_for(c, s)):
        for seed in range(5):
            v = make_variant(call, "write", seed, st)
            assert axes_text(st.output) not in v.prompt, v.prompt  # the layout is not printed
            assert v.params["example"]["decisive"], v.prompt
            if "comes out as in this example" in v.prompt:  # else the result's shape is stated
                shown += 1
                ops, printed = _shown_example(v.prompt)
                assert len(ops) == len(set(call.operands)) and printed is not None, v.prompt
                # operands differ in values (a swap shows), axes in sizes (a transpose shows)
                flat = [x for t in ops.values() for x in t.reshape(-1).tolist()]
                assert len(set(flat)) == len(flat)
            else:
                assert "has shape (" in v.prompt
            # lazy: copy the axis names printed, in order, as the result
            names = [n for side in st.inputs for it in side for n in it.names]
            lazy = ", ".join(st.side_text(s) for s in st.inputs) + " -> " + " ".join(dict.fromkeys(names))
            assert st.output_names() != list(dict.fromkeys(names))  # such calls have no write card
            assert not v.check(lazy.replace(", ", ",").replace(" -> ", "->") if st.letters else lazy).correct
            # the example in the prompt is what the answer computes on those inputs
            assert v.check(call.pattern).correct
    assert shown >= 10
    (t, st), = [(c, s) for c, s in found.items if c.pattern == "ij->ji"]
    ops, printed = _shown_example(make_variant(t, "write", 0, st).prompt)
    assert torch.equal(torch.einsum("ij->ji", ops["w"]), torch.tensor(printed, dtype=ops["w"].dtype))


def test_idioms_that_name_no_axis_get_shape_cards():
    import einops
    import torch

    found = collect([CASES / "no_named_axes.py"])
    assert not found.skipped and len(found.items) == 3
    for call, st in found.items:  # no write card: `... -> ... 1` is a reshape, `...` copied, and `*` the one pack (t21)
        assert forms_for(call, st) == ("shape",)
        for seed in range(4):
            v = make_variant(call, "shape", seed, st)
            shapes = [tuple(o["shape"]) for o in v.params["operands"]]
            xs = [torch.zeros(s) for s in shapes]
            out = einops.pack(xs, "*")[0] if call.op == "pack" else einops.rearrange(xs[0], call.pattern)
            assert v.check(str(tuple(out.shape))).correct


def test_the_reduce_read_card_counts_unnamed_reduced_axes():
    found = collect([CASES / "unnamed_reduced.py"])
    (call, st), = found.items
    v = make_variant(call, "read", 0, st)
    assert "reduce" in v.prompt and "by its length" in v.prompt
    assert set(v.answer) == {"c", "4", "3"}
    assert v.check("c, 4, 3").correct and not v.check("c").correct


def test_from_code_answers_that_cannot_be_read_are_unreadable_not_wrong():
    from cardgen.fromcode.exercises import forms_for

    found = collect([CASES / "unpack_calls.py"])
    reads = [(c, s) for c, s in found.items if "read" in forms_for(c, s)]
    assert len(reads) >= 2
    for call, st in reads:
        v = make_variant(call, "read", 0, st)
        verdict = v.check("@@ what")
        assert verdict.unreadable and not verdict.correct and "Couldn't read that" in verdict.reason
        assert v.answer_text not in verdict.reason.split("e.g.", 1)[-1]


def test_review_cards_judges_a_from_code_deck_from_its_code(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from cardgen.cli import cli

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    src = tmp_path / "attn.py"
    src.write_text("import torch\nfrom einops import rearrange\n\ndef f(q, k, x):\n"
                   "    s = torch.einsum('bqd,bkd->bqk', q, k)\n"
                   "    return s, rearrange(x, 'b h s d -> b s (h d)')\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["from-code", "attn.py", "-o", "deck.apkg", "-k", "2"]).exit_code == 0
    out = runner.invoke(cli, ["review-cards", "deck.apkg", "--json", "--no-llm"])
    assert out.exit_code == 0, out.output
    reviews = json.loads(out.output)["cards"]
    assert reviews and all(r["family"].startswith("from-code.") for r in reviews)
    traps = [r["results"][p] for r in reviews for p in ("no_mistake_scores", "states_precision")]
    traps += [r["results"]["varied_answer"] for r in reviews if r["form"] == "shape"]
    assert all(t.get("checkable", True) for t in traps), traps  # judged from the code, not skipped
    assert all(r["meets_all"] for r in reviews), [r for r in reviews if not r["meets_all"]]
    fixed = [r["results"]["varied_answer"] for r in reviews if r["form"] == "write"]
    assert fixed and all("the same every time" in t["why"] for t in fixed)  # the code's own pattern
    # elsewhere, the ids resolve through the root from-code recorded (issue 25)...
    elsewhere = tmp_path.parent / (tmp_path.name + "-elsewhere")
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    away = json.loads(runner.invoke(cli, ["review-cards", str(tmp_path / "deck.apkg"), "--json", "--no-llm"]).output)
    assert all(r["results"]["varied_answer"].get("checkable", True) for r in away["cards"] if r["form"] == "shape")
    # ...and with the code out of reach, the traps are honestly "not checkable"
    src.rename(tmp_path / "moved.py")
    away = json.loads(runner.invoke(cli, ["review-cards", str(tmp_path / "deck.apkg"), "--json", "--no-llm"]).output)
    assert all(r["results"]["varied_answer"].get("checkable") is False for r in away["cards"])


def test_calls_with_big_tensors_are_drawn_smaller_or_skipped_never_raised():
    from cardgen.fromcode.deck import build_notes

    found = collect([CASES / "big_tensors.py"])
    skipped: list = []
    notes = build_notes(found.items, 8, 0, skipped=skipped)
    built = {n.call.pattern for n in notes}
    assert built | {s.reason.split("with ", 1)[1].split(":")[0].strip("'\"") for s in skipped} >= {
        c.pattern for c, _ in found.items}
    assert all("too many axes" in s.reason or "cannot" in s.reason for s in skipped), skipped


def test_no_write_card_where_a_template_is_the_answer():
    """t21: splits, traces, implicit-rule einsums, pooling and one-piece packs lose their write
    card (shape and read stay); their twins keep it, and neither the traps' lazy solvers nor
    "the operands' axes joined in order of first appearance" answer those."""
    import importlib.util

    from exercises.traps import lazy_write_solves

    spec = importlib.util.spec_from_file_location(
        "fromcode_cards_bench", Path(__file__).resolve().parent.parent / "benchmarks" / "fromcode_cards.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    found = collect([CASES / "templates.py"])
    assert not found.skipped and len(found.items) == 12
    for call, st in found.items:
        forms = forms_for(call, st)
        assert ("write" in forms) == (call.function == "twins"), (call.pattern, forms)
        assert "shape" in forms
        if "write" in forms:
            for seed in range(2):
                v = make_variant(call, "write", seed, st)
                assert "summing" not in v.prompt and v.check(call.pattern).correct
                assert not lazy_write_solves(v) and not bench.first_appearance_solves(v, st.letters), v.prompt


def test_a_call_of_a_name_never_imported_is_found_without_a_card():
    """t21c: x-transformers calls `rearrange` in a file that never imports it. The call is a
    literal call site: it is read and its pattern parsed (found, and counted so by
    benchmarks/fromcode_coverage.py), listed as skipped with why, and gets no card; a string
    that is no pattern stays skipped and is not counted as found."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "fromcode_coverage_bench", Path(__file__).resolve().parent.parent / "benchmarks" / "fromcode_coverage.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    found = collect([CASES / "unimported.py"])
    assert [c.pattern for c, _ in found.items] == ["b n d -> b n d k"]
    assert [(c.pattern, c.line) for c in found.uncarded] == [("b (n m) d -> (b n) m d", 8)]
    assert [(s.line, "not imported" in s.reason) for s in found.skipped] == [(8, True), (13, True)]
    sites = {line for lines in bench.independent_sites(CASES / "unimported.py").values() for _, line in lines}
    assert sites == {8, 9, 13}  # three literal call sites: two found (8, 9), one not a pattern (13)
