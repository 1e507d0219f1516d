"""From-code cards a learner can trust (issue 21): a write card's example fixes one answer (or
its check accepts every answer the card fits), no card's answer is printed on it, the code's
own words are kept; and hostile inputs (issue 19) and card ids from other folders (issue 25).
Cases are small files under tests/fromcode_cases/regressions/."""
from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import json
from pathlib import Path

import pytest

from cardgen.fromcode.exercises import collect, forms_for, make_variant
from exercises.traps import lazy_write_solves

CASES = Path(__file__).resolve().parent / "fromcode_cases" / "regressions"
SEEDS = range(4)


def _items(name: str):
    found = collect([CASES / name])
    assert not found.skipped, found.skipped
    return found.items


def _shown(prompt: str, library: str = "torch"):
    """The worked example a prompt prints, read back here: operands evaluated from their
    ``arange`` text, and the printed result (None when the card states a shape instead)."""
    import numpy as np
    import torch

    lib = "np" if library == "numpy" else "torch"
    ops = {m.group(1): torch.as_tensor(eval(m.group(2), {"np": np, "torch": torch}), dtype=torch.float64)
           for m in re.finditer(rf"`([^`]+)` = `({lib}\.(?:arange|tensor|array)\([^`]*\))`", prompt)}
    result = re.search(r"`\w+` = `(\[[^`]*\]|-?[\d.]+)`", prompt)
    return ops, (torch.tensor(eval(result.group(1)), dtype=torch.float64) if result else None)


def _einsum_alternatives(pattern: str) -> list[str]:
    """Every other result of as many axes from the inputs' letters: rearrangements, and other
    sets of kept axes (the card's values, not its prose, say which axes are summed)."""
    lhs, rhs = pattern.replace(" ", "").split("->")
    letters = sorted(set(lhs) - {","})
    return [f"{lhs}->{''.join(p)}" for p in itertools.permutations(letters, len(rhs)) if "".join(p) != rhs]


def test_an_example_fixes_the_answer_or_the_check_accepts_every_answer_it_fits():
    import torch

    checked = 0
    for call, st in _items("decisive_examples.py"):
        if "write" not in forms_for(call, st):  # `i,j->ij`, `ia,ka->ik`: the axes only one operand
            assert call.function in ("rotary", "gram")  # has, in order: a template answers them (t21)
            continue
        for seed in SEEDS:
            v = make_variant(call, "write", seed, st)
            assert v.check(call.pattern).correct
            if call.op != "einsum":
                continue
            assert "summing" not in v.prompt  # the values say what is summed
            ops, printed = _shown(v.prompt)
            if printed is None:
                continue
            checked += 1
            tensors = [ops[n] for n in re.findall(r"einsum\(____, (.*)\)", v.code)[0].split(", ")]
            for alt in _einsum_alternatives(call.pattern):
                got = torch.einsum(alt, *tensors)
                fits = got.shape == printed.shape and torch.equal(got, printed)
                assert v.check(alt).correct == fits, (v.prompt, alt)
    assert checked >= 6
    rotary = next((c, s) for c, s in _items("decisive_examples.py") if c.function == "batched_rotary")
    v = make_variant(*rotary[:1], "write", 0, rotary[1])
    assert not v.check("bi,bj->bij").correct and not v.check("bj,bi->bji").correct
    ops, printed = _shown(v.prompt)
    x, f = ops["x"], ops["inv_freq"]
    assert set(x.reshape(-1).tolist()).isdisjoint(f.reshape(-1).tolist())  # the operands' values differ
    assert not torch.equal(torch.einsum("bi,bj->bij", x, f), printed)  # so the transposed answer does not fit
    gram = next((c, s) for c, s in _items("decisive_examples.py") if c.function == "batched_gram")
    assert make_variant(gram[0], "write", 0, gram[1]).check("bia,bka->bki").correct  # x·xᵀ is symmetric


def _first_appearance_solves():
    """t21's lazy solver (benchmarks/fromcode_cards.py): the operands' axes joined in order of
    first appearance, less the summed ones the prose names or the ones two operands share."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "fromcode_cards.py"
    spec = importlib.util.spec_from_file_location("fromcode_cards_bench", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.first_appearance_solves


def test_no_write_card_is_solved_by_copying_and_no_shape_answer_is_printed():
    first_appearance = _first_appearance_solves()
    for name in ("decisive_examples.py", "code_words.py", "transcription.py", "wording.py", "write_prompts.py",
                 "packed.py", "same_tensor.py", "no_named_axes.py", "unpack_calls.py"):
        for call, st in _items(name):
            for form in forms_for(call, st):
                for seed in SEEDS:
                    v = make_variant(call, form, seed, st)
                    # every write card, splits, one-piece packs and traces included: those have none (t21)
                    if form == "write":
                        assert not lazy_write_solves(v), (v.prompt, lazy_write_solves(v))
                        assert not first_appearance(v, st.letters), (v.prompt, first_appearance(v, st.letters))
                        assert " has axes " + str(tuple(x.text() for x in (st.output or ()))) not in v.prompt
                    if form == "shape":
                        printed = [tuple(int(x) for x in m.split(",") if x.strip())
                                   for m in re.findall(r"randn\(([\d, ]*)\)", v.code)]
                        assert tuple(v.answer) not in printed, v.code


def test_nothing_is_asked_that_the_code_shows():
    (perm, st_p), (red, st_r), (mm, st_m) = _items("transcription.py")
    assert "read" not in forms_for(perm, st_p)  # "what are the result's axes?" next to the pattern
    assert "read" not in forms_for(red, st_r)
    assert "shape" not in forms_for(mm, st_m)  # 'bij,bjk->bij': the result has a's shape


def test_the_code_s_own_words():
    items = _items("code_words.py")
    assert [c.pattern for c, _ in items] == ["pi,qi->qp", "ij,jk->ik"]  # the alias `einsum = np.einsum`
    (j, st_j), (k, st_k) = items
    v = make_variant(j, "write", 0, st_j)
    assert "c1[:, p0:p1]" in v.prompt and "fov.conj()" in v.prompt and "np.einsum(____, c1[:, p0:p1], fov.conj())" in v.code
    assert "torch" not in v.prompt + v.code and "np.arange(" in v.prompt
    s = make_variant(k, "shape", 0, st_k)
    assert "z.astype(float)" in s.code and "torch" not in s.code
    env: dict = {}
    exec("import numpy as np\n" + s.code, env)  # the snippet runs as shown
    assert list(env[s.params["result"]].shape) == s.answer


def test_wording_says_what_happens():
    (s, st_s), (p, st_p) = _items("wording.py")
    for form in forms_for(s, st_s):  # no write card: `b ...` less `...` was its answer (t21)
        v = make_variant(s, form, 0, st_s)
        assert "nothing is summed" not in v.explanation and "`...`" in v.explanation
    for form in forms_for(p, st_p):
        v = make_variant(p, form, 0, st_p)
        text = v.prompt + v.explanation + " ".join(v.hints)
        assert "in between" not in text and "1 entries" not in text


def test_one_renderer_writes_every_call():
    import einops
    import numpy as np
    import torch
    from einops.layers.torch import EinMix, Rearrange, Reduce

    from exercises.calls import call_lines

    env = {"torch": torch, "np": np, "einops": einops, "EinMix": EinMix, "Rearrange": Rearrange, "Reduce": Reduce,
           "x": torch.zeros(2, 6), "y": torch.zeros(6, 3), "n": np.zeros((2, 6))}
    cases = [
        (("einsum", "'ij,jk->ik'", ["x", "y"], "r"), {"library": "torch"}, (2, 3)),
        (("einsum", "'ij->ji'", ["n"], "r"), {"library": "numpy"}, (6, 2)),
        (("einsum", "'i j, j k -> i k'", ["x", "y"], "r"), {}, (2, 3)),
        (("rearrange", "'a (b c) -> a b c'", ["x"], "r"), {"lengths": [("b", 2)]}, (2, 2, 3)),
        (("reduce", "'a b -> a'", ["x"], "r"), {"reduction": "'max'"}, (2,)),
        (("reduce", "'a b -> b'", ["x"], "r"), {"reduction": "'sum'", "layer": True}, (6,)),
        (("pack", "'a *'", ["x", "x"], "r"), {}, (2, 12)),
        (("unpack", "'a *'", ["x"], "r"), {"pieces": ["r", "q"], "packed_shapes": [(2,), (4,)]}, (2, 2)),
        (("einmix", "'a b -> a c'", ["x"], "r"), {"weight_shape": "b c", "lengths": [("b", 6), ("c", 5)]}, (2, 5)),
    ]
    for args, kw, shape in cases:
        code = "\n".join(call_lines(*args, **kw))
        exec(code, env)
        assert tuple(env["r"].shape) == shape, code


# ----------------------------------------------------------------------------- CLI


def _cli(args, cwd, cache, timeout=120):
    env = {**os.environ, "CARDGEN_CACHE": str(cache), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cardgen", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_hostile_files_are_skipped_with_a_reason_never_a_traceback_or_a_hang(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "ok.py").write_text('import torch\nx = torch.einsum("ij->ji", y)\n')
    (tree / "loop1.py").symlink_to(tree / "loop2.py")
    (tree / "loop2.py").symlink_to(tree / "loop1.py")
    (tree / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tree / "fifo.py")
    (tree / "esc\x1b[31mred.py").write_text('import torch\nx = torch.einsum("ij->ji", y)\n')
    proc = _cli(["from-code", str(tree), "--show"], tmp_path, tmp_path / "cache", timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Traceback" not in out, out
    assert "symlink loop" in out and "a FIFO" in out and "a device" in out
    assert "\x1b[31m" not in out and "esc\\x1b[31mred.py" in out


def test_a_card_id_resolves_from_any_folder(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text("")
    (proj / "attn.py").write_text("import torch\ndef f(q, k):\n    return torch.einsum('bqd,bkd->bqk', q, k)\n")
    cache = tmp_path / "cache"
    listing = json.loads(_cli(["from-code", str(proj), "--json"], tmp_path, cache).stdout)
    shape = listing["calls"][0]["exercises"]["shape"][0]
    card, seed = shape["params"]["card"], shape["seed"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ok = _cli(["check", card, "--form", "shape", "--seed", str(seed), str(tuple(shape["answer"]))], elsewhere, cache)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    gone = _cli(["check", "nowhere/attn.py#0123456789.abcdef", "--form", "shape", "--seed", "0", "(1,)"],
                elsewhere, cache)
    assert gone.returncode == 2 and "--root" not in gone.stdout + gone.stderr
    for option in re.findall(r"(?<![\w-])--[a-z][\w-]*", gone.stdout + gone.stderr):  # every option it names exists
        assert option in _cli(["check", "--help"], elsewhere, cache).stdout


def _placements(pattern: str) -> list[str]:
    names = [t for t in pattern.split() if t != "*"]
    return [" ".join(names[:i] + ["*"] + names[i:]) for i in range(len(names) + 1)]


def test_pack_and_unpack_cards_are_not_answered_by_matching_sizes():
    """A careful size-matcher — every place of `*` whose result has the shapes the card shows —
    leaves a wrong answer on stacked pack/unpack cards; the values rule it out, and the check
    agrees with what the card shows. One piece (`pack([x], 'b *')`) is an unsqueeze: the
    axis of length 1 is `*` whatever the sizes, so it has no write card (t21)."""
    import torch
    from einops import pack, unpack

    items = {c.function: (c, s) for c, s in _items("packed.py")}
    for fn in ("stack_kv", "split_heads"):
        call, st = items[fn]
        for seed in range(2):
            v = make_variant(call, "write", seed, st)
            assert v.params["example"]["by_values"] and " has shape " not in v.prompt, v.prompt
            ops, _ = _shown(v.prompt)
            xs = [ops[n] for n in dict.fromkeys(o["name"] for o in v.params["operands"])]
            printed = [torch.tensor(eval(m), dtype=torch.float64) for m in re.findall(r"`\w+` = `(\[[^`]*\])`", v.prompt)]

            def run(p):
                if call.op == "pack":
                    return [pack(xs, p)[0]]
                ps = [tuple(int(x) for x in m.split(",") if x.strip())
                      for m in re.findall(r"\(([\d, ]*)\)", re.search(r"`ps` = \[([^\]]*)\]", v.prompt).group(1))]
                return unpack(xs[0], ps, p)

            size_fit = [p for p in _placements(call.pattern)
                        if [tuple(t.shape) for t in run(p)] == [tuple(t.shape) for t in printed]]
            assert any(not v.check(p).correct for p in size_fit), (v.prompt, size_fit)  # sizes leave a wrong one
            for p in _placements(call.pattern):  # the check accepts exactly what the values fit
                fits = p in size_fit and all(torch.equal(a.double(), b) for a, b in zip(run(p), printed))
                assert v.check(p).correct == fits, (v.prompt, p)
            assert not lazy_write_solves(v), lazy_write_solves(v)
    call, st = items["add_axis"]
    assert forms_for(call, st) == ("shape", "read")


def test_a_tensor_passed_twice_or_named_after_its_axes():
    (lccsd, st_l), (exch, st_e) = _items("same_tensor.py")
    assert "shape" not in forms_for(lccsd, st_l)  # IA is ia: the shape of t1, printed in the snippet
    assert "write" not in forms_for(exch, st_e)  # `vt_abba` spells 'abba'
    assert forms_for(exch, st_e) == ("read",)  # its shape is `()` on every draw: no shape card (t21c)


def test_a_relative_import_of_a_project_module_is_followed():
    assert [c.pattern for c, _ in _items("relative_import.py")] == ["a b -> b a", "a b c -> c b a"]


def test_a_length_the_code_fixes_does_not_place_the_new_axis():
    """t21c: `repeat(x, 'n -> b n', b=4)` drew its example with `n` of 2, so the result's shape
    (4, 2) placed `b` and a careful size-matcher answered the card. Every other axis now has the
    code's length: some wrong answer has the example's shape, and the check accepts exactly the
    arrangements whose values are the card's."""
    import torch
    from einops import repeat

    alts = {"n -> b n": ("n -> n b", "n -> b n"),
            "...  -> b (...)": ("... -> (...) b", "... -> b (...)", "... -> b ...", "... -> ... b")}
    for call, st in _items("fixed_lengths.py"):
        for seed in range(2):
            v = make_variant(call, "write", seed, st)
            ops, printed = _shown(v.prompt)
            (x,) = ops.values()
            same_shape = []
            for p in alts[call.pattern]:
                got = repeat(x, p, **dict(call.lengths))
                if got.shape == printed.shape:
                    same_shape.append((p, torch.equal(got, printed)))
            assert any(not fits for _, fits in same_shape), (v.prompt, same_shape)  # the sizes leave a wrong one
            for p, fits in same_shape:
                assert v.check(p).correct == fits, (v.prompt, p)
            assert not lazy_write_solves(v), lazy_write_solves(v)


def test_a_card_stating_the_result_s_shape_does_not_name_the_summed_axes(tmp_path):
    """t21c: an einsum write card that states the result's shape (its example too big to print)
    named the summed axes, so "each operand's axes in order of first appearance, less those"
    answered `bhqd,bhkd->bhqk`. The stated shape says which axes are kept; where another set
    of kept axes has that shape too (two axes of one size), the card is not decisive (its check
    then accepts every answer the card fits)."""
    import dataclasses
    import random

    from cardgen.fromcode import example as examples
    from cardgen.fromcode.exercises import _write_text
    from cardgen.fromcode.patterns import draw_inputs

    (tmp_path / "attn.py").write_text("import torch\n\ndef f(q, k):\n"
                                      "    return torch.einsum('bhqd,bhkd->bhqk', q, k)\n")
    ((call, st),) = collect([tmp_path / "attn.py"]).items
    d = draw_inputs(call, st, random.Random(0))
    shaped = examples._by_shape(call, st, d, examples._alternatives(call, st))
    assert shaped.decisive and not shaped.by_values
    text, _ = _write_text(call, st, d, shaped)
    assert "summing" not in text and "has shape " in text, text
    same = {**d.sizes, "d": d.sizes["q"]}  # `d` as long as `q`: `bhdk` has the result's shape
    d2 = dataclasses.replace(d, sizes=same, shapes=[tuple(same[m] for m in "bhqd"), tuple(same[m] for m in "bhkd")])
    clash = examples._by_shape(call, st, d2, examples._alternatives(call, st))
    assert not clash.decisive and clash.ambiguous_with == "bhqd,bhkd->bhdk", clash
