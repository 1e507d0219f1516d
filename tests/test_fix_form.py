"""The fix form (issue 13): a typed Python expression judged by running it, safely.

:class:`ExpressionCheck` must accept every right spelling, reject each classic mistake (and say
which), refuse anything outside its whitelist without running it, and never change anything.
The six families with a fix form are played over many seeds by the laziest learner: retyping the
marked line, or another line of the snippet, must never score, and nothing on the card may say
what is wrong.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest
import torch

from exercises import FORMS, all_families, get_family
from exercises.checking import ExpressionCheck, split_assignment
from exercises.fixes import MARK, Bug, fix_variant, reverse_groups, with_fix

REQUIRED = ("einops.merge_heads", "einops.split_heads", "einops.space_to_depth", "einops.transpose",
            "einsum.tms_hidden", "superposition.forward")  # issue 13 asks for at least these
FIX_FAMILIES = tuple(f.id for f in all_families() if "fix" in f.forms)  # every family that has the form
SEEDS = range(24)


def _heads(rng: random.Random) -> dict:
    b, h, s, d = rng.sample(range(2, 9), 4)
    g = torch.Generator().manual_seed(rng.getrandbits(31))
    return {"x": torch.randn(b, h, s, d, generator=g)}


MERGE = ExpressionCheck(
    reference="x.permute(0, 2, 1, 3).reshape(b, s, h * d)",
    inputs=_heads,
    setup=("b, h, s, d = x.shape",),
    mistakes=(("reshape without permute", "x.reshape(b, s, h * d)", "reshape_without_permute"),
              ("heads interleaved", "einops.rearrange(x, 'b h s d -> b s (d h)')", "group_order"),
              ("heads merged with positions", "einops.rearrange(x, 'b h s d -> b h (s d)')", "wrong_shape")),
    shown="x.reshape(b, s, h * d)",
    target="out",
    seed=5,
)


# ------------------------------------------------------------------ ExpressionCheck


@pytest.mark.parametrize("response", [
    "x.permute(0, 2, 1, 3).reshape(b, s, h * d)",
    "einops.rearrange(x, 'b h s d -> b s (h d)')",
    "rearrange(x, 'batch head pos dim -> batch pos (head dim)')",
    "out = x.transpose(1, 2).reshape(b, s, -1)",
    "`x.transpose(1, 2).flatten(2)`",
    "torch.transpose(x, 1, 2).reshape(*x.shape[:1], s, h * d)",
    "x.swapaxes(1, 2).contiguous().view(b, s, h * d)",
    "torch.einsum('bhsd->bshd', x).reshape(b, s, -1)",
    "x.movedim(1, 2).flatten(start_dim=2)",
    "torch.where(x > 0, x, x).transpose(1, 2).reshape(b, s, -1)",
    "(x * (x == x).float()).transpose(1, 2).reshape(b, s, -1)",
    "x.where((x > 0) | ~(x > 0), 0.0).transpose(1, 2).flatten(2)",
])
def test_right_answers_in_many_spellings(response):
    v = MERGE.check(response)
    assert v.correct, (response, v.reason)


@pytest.mark.parametrize("response,key", [
    ("x.reshape(b, s, h * d)", "reshape_without_permute"),
    ("x.reshape(b, s, -1)", "reshape_without_permute"),  # the same bug, spelled otherwise
    ("einops.rearrange(x, 'b h s d -> b s (d h)')", "group_order"),
    ("x.permute(0, 2, 3, 1).reshape(b, s, -1)", "group_order"),  # the interleaving, in torch
    ("x.permute(0, 2, 1, 3)", "wrong_shape"),
    ("x.transpose(1, 2).reshape(s, b, -1)", None),
    ("x.permute(0, 2, 1, 3).view(b, s, h * d)", "invalid"),  # view of a non-contiguous tensor does not run
    ("x.sum(1)", "wrong_shape"),
    ("0", "wrong_shape"),
])
def test_wrong_answers_are_rejected_and_the_mistake_is_named(response, key):
    v = MERGE.check(response)
    assert not v.correct and not v.unreadable and v.reason, response
    if key is not None:
        assert v.diagnosis == key, (response, v)
    if key == "group_order":
        assert "heads interleaved" in v.reason
    if key == "reshape_without_permute":
        assert "as it stands" in v.reason  # the marked line, retyped


@pytest.mark.parametrize("response", [
    "__import__('os').system('echo pwned')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd')",
    "eval('1 + 1')",
    "exec('x = 1')",
    "getattr(x, 'T')",
    "x.__class__",
    "x.permute.__self__",
    "torch.__dict__",
    "torch.load('/tmp/a.pt')",
    "torch.randn(10 ** 9)",
    "torch.nn.Module()",
    "einops.__builtins__",
    "einops.rearrange.__globals__['__builtins__']",
    "(lambda: 1)()",
    "[t for t in x]",
    "{k: 1 for k in 'ab'}",
    "x if True else x",
    "x.relu_()",
    "x.add_(1)",
    "F.relu(x, inplace=True)",
    "F.relu(x, True)",
    "torch.relu(x, out=x)",
    "torch.sum(x, 0, out=x)",
    "torch.relu(*[x])",
    "torch.relu(**{'input': x})",
    "f'{x}'",
    "'a' * 10 ** 9",
    "10 ** 10 ** 10",
    "9 ** 999999",
    "einops.repeat(x, 'b h s d -> b h s d r', r=10 ** 6)",
    "einops.repeat(x, 'b h s d -> b h s d 100000000')",
    "einops.repeat(x, 'b h s d -> (r b) h s d', r=999999999)",
    "torch.einsum('abcd,efgh,ijkl->abcdefghijkl', x, x, x)",
    "torch.stack([x] * 100000)",
    "(x := 1)",
    "x; import os",
    "import os",
    "x.reshape(" + "1, " * 300 + "-1)",
    "-" * 500 + "x",
    "b'bytes'",
    "x[torch.zeros(3, dtype=torch.long)]",
    "",
    # comparisons, masks and steps (the thresholding SAEs' fix forms): only numbers and tensors,
    # one comparison at a time, & | ~ only on masks, sizes probed before anything is allocated
    "x.flatten()[:, None, None] > x.flatten()[:, None] + x.flatten()",
    "(x.flatten()[:, None, None, None] > x.flatten()[:, None, None]) & (x.flatten()[:, None] > x.flatten())",
    "torch.where(x.flatten()[:, None, None] > 0, x.flatten()[:, None], x.flatten())",
    "(x > 0).float().repeat(100000, 1, 1, 1)",
    "x > 0 > x",
    "x in x",
    "x is not x",
    "x.shape == (1, 2)",
    "'a' * 10 ** 9 < 'b'",
    "x.__gt__(0)",
    "(x > 0).__invert__()",
    "~x",
    "x & x",
    "(x > 0) | 5",
    "torch.heaviside(x, x, out=x)",
    "torch.gt(x, 0, out=x)",
    "torch.heaviside(x, torch.zeros_like(x)).add_(1)",
    "x.float().storage()",
    "x.where(x > 0, 10 ** 10)",
    "x.to('cuda')",
])
def test_hostile_or_foreign_expressions_are_refused_without_running(response, tmp_path):
    t0 = time.process_time()  # CPU, not wall: a loaded machine must not fail it
    v = MERGE.check(response)
    assert not v.correct and v.unreadable, (response, v)
    assert v.reason.startswith("Couldn't read that as a Python expression"), v.reason
    assert time.process_time() - t0 < 5, response
    assert MERGE.check("einops.rearrange(x, 'b h s d -> b s (h d)')").correct  # nothing broke


def test_the_unreadable_example_is_neutral_and_runs():
    v = MERGE.check("x.frobnicate()")
    example = re.search(r"e\.g\. (.+?) \(", v.reason).group(1)
    judged = MERGE.check(example)
    assert not judged.correct and not judged.unreadable


def test_checking_never_mutates_inputs_or_itself():
    made: list[dict] = []

    def inputs(rng):
        d = _heads(rng)
        made.append({k: t.clone() for k, t in d.items()})
        made.append(d)
        return d

    check = ExpressionCheck("x.permute(0, 2, 1, 3).reshape(b, s, h * d)", inputs, setup=("b, h, s, d = x.shape",),
                            shown="x.reshape(b, s, h * d)", seed=3)
    before = (check.reference, check.setup, check.mistakes, check.shown, check.seed, hash(check))
    for r in ["x.relu_()", "F.relu(x, inplace=True)", "x.permute(0, 2, 1, 3).reshape(b, s, h * d)",
              "x.transpose(1, 2)", "x.reshape(b, s, h * d)", "torch.clamp(x, min=0)"]:
        check.check(r)
    for snapshot, used in zip(made[::2], made[1::2]):
        assert all(torch.equal(snapshot[k], used[k]) for k in snapshot)
    assert (check.reference, check.setup, check.mistakes, check.shown, check.seed, hash(check)) == before
    assert check.check(check.reference).correct


def test_fresh_inputs_vary_and_are_seeded():
    shapes = [tuple(env["x"].shape) for env in MERGE._envs()]
    assert len(set(shapes)) > 1  # sizes vary between trials...
    assert all(len(set(s)) == len(s) for s in shapes)  # ...and every axis has its own size
    again = ExpressionCheck(MERGE.reference, MERGE.inputs, MERGE.setup, seed=5)
    assert [tuple(e["x"].shape) for e in again._envs()] == shapes
    assert all(torch.equal(a["x"], b["x"]) for a, b in zip(again._envs(), MERGE._envs()))


def test_split_assignment_reads_setup_lines():
    assert split_assignment("b, h, s, d = x.shape  # sizes") == (("b", "h", "s", "d"), "x.shape")
    assert split_assignment("# a comment") is None and split_assignment("import torch") is None
    assert split_assignment("x += 1") is None


def test_the_builder_refuses_a_broken_family():
    args = {"what": "Merge.", "setup": ("b, h, s, d = x.shape",), "target": "out", "inputs": _heads}
    good = [Bug("plain reshape", "x.reshape(b, s, h * d)"), Bug("interleaved", "x.permute(0, 2, 3, 1).reshape(b, s, -1)")]
    v = fix_variant("einops.merge_heads", 0, random.Random(0), reference="x.transpose(1, 2).reshape(b, s, -1)",
                    bugs=good, **args)
    assert v.form == "fix" and v.check(v.answer).correct
    with pytest.raises(AssertionError, match="at least two"):
        fix_variant("einops.merge_heads", 0, random.Random(0), reference="x", bugs=good[:1], **args)
    with pytest.raises(AssertionError, match="not rejected"):
        fix_variant("einops.merge_heads", 0, random.Random(0), reference="x.transpose(1, 2).reshape(b, s, -1)",
                    bugs=[*good, Bug("no bug at all", "x.transpose(1, 2).flatten(2)")], **args)


def test_with_fix_leaves_the_other_forms_alone():
    calls = []
    make = with_fix(lambda rng, form, seed: calls.append(("make", form)), lambda rng, seed: calls.append(("fix", seed)))
    make(random.Random(0), "write", 1)
    make(random.Random(0), "fix", 2)
    assert calls == [("make", "write"), ("fix", 2)]


# ------------------------------------------------------------------ the six families

HINT_WORDS = ("bug", "wrong", "mistake", "incorrect", "error", "typo", "careful", "oops", "should be", "forgot")
#: words that, in a comment of the snippet, would point at the mistake of that diagnosis
DIAGNOSIS_WORDS = {
    "transposed": ("transpos",), "missing_relu": ("relu",), "missing_bias": ("bias",),
    "bias_after_relu": ("relu", "after"), "reshape_without_permute": ("permute", "reshape", "move"),
    "axis_order": ("order", "swap", "backward", "inverse"), "summed_wrong_axis": ("sum",),
    "mixed_instances": ("mix", "separate", "own"), "group_order": ("order", "interleav", "contiguous", "stride"),
}


def _variants(fid: str):
    fam = get_family(fid)
    return [fam.variant(seed, "fix") for seed in SEEDS]


def _comments(code: str) -> list[str]:
    return [line.split("#", 1)[1] for line in code.splitlines() if "#" in line]


def _lazy_answers(v) -> list[str]:
    """The laziest fix answers: the marked line as shown (also with every pattern group reversed, the
    blind fix of a group-order mistake), the whole marked line, and every other line's right-hand side."""
    marked = next(line for line in v.code.splitlines() if MARK in line)
    out = [v.params["shown"], reverse_groups(v.params["shown"]), marked, "0"]
    for line in v.code.splitlines():
        if MARK in line:
            continue
        parsed = split_assignment(line)
        if parsed is not None:
            out.append(parsed[1])
    return out


def test_fix_is_a_form_everywhere():
    assert FORMS["fix"] == "retype a marked expression with its bug fixed"
    assert set(REQUIRED) <= set(FIX_FAMILIES)
    for fid in FIX_FAMILIES:
        fam = get_family(fid)
        assert "fix" in fam.forms


@pytest.mark.parametrize("fid", FIX_FAMILIES)
def test_fix_variants_over_many_seeds(fid):
    shown_bugs, answers, lazy_total, lazy_solved = Counter(), Counter(), 0, 0
    for v in _variants(fid):
        assert v.form == "fix" and v.code and v.code.count(MARK) == 1
        marked = next(line for line in v.code.splitlines() if MARK in line)
        assert marked.endswith(f"  {MARK}") and marked.count("#") == 1, marked
        assert marked.split(" = ", 1)[1].removesuffix(f"  {MARK}") == v.params["shown"]
        # the reference and every alternative pass
        assert v.check(v.answer_text).correct, (v.key, v.answer_text)
        for alt in v.alternatives:
            assert v.check(alt).correct, (v.key, alt)
        # every listed mistake, and the shown bug, is rejected
        assert len(v.mistakes) >= 1
        for name, expr in v.mistakes:
            verdict = v.check(expr)
            assert not verdict.correct and not verdict.unreadable, (v.key, name, expr)
            assert name in verdict.reason, (v.key, verdict.reason)
        unchanged = v.check(v.params["shown"])
        assert not unchanged.correct and "as it stands" in unchanged.reason, (v.key, unchanged)
        # nothing on the card says what is wrong
        text = (v.prompt + "\n" + v.code).lower()
        for name in [v.params["bug"], *(n for n, _ in v.mistakes)]:
            assert name.lower() not in text, (v.key, name)
        for word in HINT_WORDS:
            assert word not in text.replace(MARK.lower(), ""), (v.key, word)
        diagnosis = v.checker.mistakes[[e for _, e, _ in v.checker.mistakes].index(v.params["shown"])][2]
        comments = " ".join(c for c in _comments(v.code) if MARK[2:] not in c).lower()
        for word in DIAGNOSIS_WORDS.get(diagnosis, ()):
            assert word not in comments, (v.key, diagnosis, word, comments)
        # the lazy solvers fail
        for lazy in _lazy_answers(v):
            lazy_total += 1
            lazy_solved += v.check(lazy).correct
        shown_bugs[v.params["bug"]] += 1
        answers[v.answer_text] += 1
    assert lazy_solved == 0, f"{fid}: {lazy_solved}/{lazy_total} lazy answers scored"
    assert len(shown_bugs) >= 2, f"{fid}: only one classic mistake is ever shown: {shown_bugs}"
    assert answers.most_common(1)[0][1] <= 0.25 * len(SEEDS), answers.most_common(3)


@pytest.mark.parametrize("fid", FIX_FAMILIES)
def test_fix_variants_are_reproducible_and_keep_other_forms(fid):
    fam = get_family(fid)
    a, b = fam.variant(7, "fix"), fam.variant(7, "fix")
    assert a.to_dict() == b.to_dict() and a.mistakes == b.mistakes and a.distractors == b.distractors
    for form in fam.forms:
        if form != "fix":
            assert fam.variant(7, form).form == form


def test_show_check_render_and_drill_handle_the_fix_form():
    from click.testing import CliRunner

    from cardgen.cli import cli
    from cardgen.deck.model import note_guid
    from cardgen.deck.render import render_variant
    from cardgen.drill.session import slots

    runner = CliRunner()
    r = runner.invoke(cli, ["show", "einops.transpose", "--form", "fix", "--seed", "2"], catch_exceptions=False)
    assert r.exit_code == 0 and MARK in " ".join(r.output.split())  # wrapped, never cropped
    v = get_family("einops.transpose").variant(2, "fix")
    ok = runner.invoke(cli, ["check", "einops.transpose", "--form", "fix", "--seed", "2", v.answer_text])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["check", "einops.transpose", "--form", "fix", "--seed", "2", v.params["shown"]])
    assert bad.exit_code == 1, bad.output
    assert note_guid("einops.transpose", "fix") != note_guid("einops.transpose", "write")
    assert any(s.form == "fix" and s.family == "superposition.forward" for s in slots("superposition", forms=("fix",)))
    html = str(render_variant(v, get_family("einops.transpose"), 0))
    assert "fix this line" in html


def test_a_bug_a_blind_edit_fixes_is_shown_only_when_every_bug_is_such():
    bugs = [Bug("interleaved", "einops.rearrange(x, 'b h s d -> b s (d h)')", "group_order"),
            Bug("plain reshape", "x.reshape(b, s, h * d)", "reshape_without_permute")]
    args = {"what": "Merge.", "setup": ("b, h, s, d = x.shape",), "target": "out", "inputs": _heads,
            "reference": "einops.rearrange(x, 'b h s d -> b s (h d)')"}
    shown = {fix_variant("einops.merge_heads", k, random.Random(k), bugs=bugs, blind_edits=(reverse_groups,),
                         **args).params["bug"] for k in range(12)}
    assert shown == {"plain reshape"}
    shown = {fix_variant("einops.merge_heads", k, random.Random(k), bugs=bugs, **args).params["bug"] for k in range(12)}
    assert shown == {"plain reshape", "interleaved"}
