"""The einops families: every form, over many seeds, recomputed independently.

Answers are recomputed with a small numpy interpreter of einops patterns written here
(reshape / transpose / reduce / broadcast / concatenate — no einops involved), and the code
each variant shows is executed as shown, so a prompt whose code disagrees with its answer fails.
"""
from __future__ import annotations

import ast
import importlib
import json
import math
import pkgutil
import random
import re
import subprocess
import sys

import numpy as np
import lazy_solvers as L
import pytest

import exercises.einops as einops_pkg
from exercises.checking import EinopsCheck
from exercises.registry import all_families, get_family

SEEDS = range(25)
# einops.invalid asks which call einops refuses (a choice, no pattern to run): tests/test_families_new.py
# einops.mixed draws the task forms of the others (tests/test_task_deck.py); task forms are tested in
# tests/test_task_form.py and tests/test_task_solvers.py, and here only for near-constant answers.
FAMILIES = [f for f in all_families("einops") if f.id not in ("einops.invalid", "einops.mixed")]
CASES = [(f.id, form) for f in FAMILIES for form in f.forms if form != "task"]

# --------------------------------------------------------------- an independent interpreter

_TOK = re.compile(r"\(|\)|\*|\.\.\.|[A-Za-z_]\w*|\d+")
_IDENT = re.compile(r"[A-Za-z_]\w*")


def _side(text: str) -> list[list[str]]:
    out, cur = [], None
    for t in _TOK.findall(text):
        if t == "(":
            cur = []
        elif t == ")":
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(t)
        else:
            out.append([t])
    return out


def np_transform(x: np.ndarray, pattern: str, reduction: str | None, lengths: dict[str, int]) -> np.ndarray:
    """rearrange / reduce / repeat in plain numpy: split the input into elementary axes,
    reduce the ones missing on the right, permute, broadcast new ones, merge groups."""
    lhs, rhs = (_side(s) for s in pattern.split("->"))
    if any("..." in g for g in lhs):  # `...`: one plain axis per dimension it covers, kept in order
        ell = [f"...{k}" for k in range(x.ndim - len(lhs) + 1)]

        def expand(side: list[list[str]]) -> list[list[str]]:
            out: list[list[str]] = []
            for g in side:
                out += [[e] for e in ell] if g == ["..."] else [[e for t in g for e in (ell if t == "..." else [t])]]
            return out

        lhs, rhs = expand(lhs), expand(rhs)
    assert len(lhs) == x.ndim, (pattern, x.shape)
    known = dict(lengths)
    names: list[str] = []
    for gi, (group, dim) in enumerate(zip(lhs, x.shape)):
        mine = []
        for j, t in enumerate(group):
            if t.isdigit():
                t_name = f"#{gi}.{j}"
                known[t_name] = int(t)
                mine.append(t_name)
            else:
                mine.append(t)
        unknown = [n for n in mine if n not in known]
        assert len(unknown) <= 1
        if unknown:
            known[unknown[0]] = dim // math.prod(known[n] for n in mine if n in known)
        assert math.prod(known[n] for n in mine) == dim
        names += mine
    x = x.reshape([known[n] for n in names])
    right = [t for g in rhs for t in g]
    gone = tuple(i for i, n in enumerate(names) if n not in right)
    if gone and reduction is None:  # rearrange drops only axes of length 1 (`1`, `()`)
        assert all(x.shape[i] == 1 for i in gone), (pattern, x.shape)
        x = x.reshape([n for i, n in enumerate(x.shape) if i not in gone])
        names = [n for n in names if n in right]
    elif gone:
        x = {"mean": np.mean, "max": np.max, "min": np.min, "sum": np.sum}[reduction](x, axis=gone)
        names = [n for n in names if n in right]
    kept = [t for t in right if t in names]
    x = x.transpose([names.index(t) for t in kept])
    size = {t: known[t] if t in known else int(t) for t in right}
    x = np.broadcast_to(x.reshape([size[t] if t in names else 1 for t in right]), [size[t] for t in right])
    return x.reshape([math.prod(size[t] for t in g) for g in rhs])


def np_einsum(pattern: str, *arrays: np.ndarray) -> np.ndarray:
    lhs, rhs = pattern.split("->")
    words = list(dict.fromkeys(_IDENT.findall(pattern)))
    letter = {w: "abcdefghijklmnopqrstuvwxyz"[i] for i, w in enumerate(words)}
    spec = ",".join("".join(letter[w] for w in part.split()) for part in lhs.split(","))
    return np.einsum(spec + "->" + "".join(letter[w] for w in rhs.split()), *arrays)


def np_pack(arrays: list[np.ndarray], pattern: str) -> np.ndarray:
    toks = pattern.split()
    star, after = toks.index("*"), len(toks) - toks.index("*") - 1
    flat = [a.reshape(a.shape[:star] + (math.prod(a.shape[star:a.ndim - after]),) + a.shape[a.ndim - after:])
            for a in arrays]
    return np.concatenate(flat, axis=star)


def np_unpack(x: np.ndarray, shapes: list[list[int]], pattern: str) -> list[np.ndarray]:
    toks = pattern.split()
    star = toks.index("*")
    cuts = np.cumsum([math.prod(s) for s in shapes])[:-1]
    pieces = np.split(x, cuts, axis=star)
    return [p.reshape(x.shape[:star] + tuple(s) + x.shape[star + 1:]) for p, s in zip(pieces, shapes)]


def recompute(params: dict, arrays: list[np.ndarray], pattern: str | None = None):
    op, pat = params["op"], pattern or params["pattern"]
    if op in ("rearrange", "reduce", "repeat"):
        return np_transform(arrays[0], pat, params["reduction"], params["lengths"])
    if op == "einsum":
        return np_einsum(pat, *arrays)
    if op == "pack":
        return np_pack(arrays, pat)
    return np_unpack(arrays[0], params["packed_shapes"], pat)[params.get("piece") or 0]


def test_interpreter_agrees_with_einops_numpy():
    """The interpreter is itself checked against einops' numpy backend on every family's pattern."""
    import einops

    rs = np.random.default_rng(0)
    for fam in FAMILIES:
        for seed in range(5):
            p = fam.variant(seed, "shape").params
            arrays = [rs.standard_normal(s) for s in p["shapes"]]
            if p["op"] in ("rearrange", "repeat"):
                ref = getattr(einops, p["op"])(arrays[0], p["pattern"], **p["lengths"])
            elif p["op"] == "reduce":
                ref = einops.reduce(arrays[0], p["pattern"], p["reduction"], **p["lengths"])
            elif p["op"] == "einsum":
                ref = einops.einsum(*arrays, p["pattern"])
            elif p["op"] == "pack":
                ref = einops.pack(arrays, p["pattern"])[0]
            else:
                ref = einops.unpack(arrays[0], [tuple(s) for s in p["packed_shapes"]], p["pattern"])[p["piece"]]
            got = recompute(p, arrays)
            assert got.shape == ref.shape and np.allclose(got, ref), (fam.id, seed)


# --------------------------------------------------------------- registry and imports


def test_registry_has_the_einops_families():
    ids = [f.id for f in FAMILIES]
    assert len(ids) >= 12, ids
    for required in ("flatten", "unflatten", "transpose", "split_heads", "merge_heads", "space_to_depth",
                     "reduce_axes", "pool", "broadcast", "tile", "pack", "unpack", "einsum_linear"):
        assert f"einops.{required}" in ids
    for f in FAMILIES:
        core = ("write", "shape", "value") if "write" in f.forms else ("shape", "value")  # a retired write form
        assert f.forms[:len(core)] == core and set(f.forms[len(core):]) <= {"fix", "task"}  # fix: test_fix_form.py
        assert 1 <= f.difficulty <= 3 and f.title and f.summary
    assert {f.id for f in FAMILIES if "write" not in f.forms} == {"einops.pack", "einops.unpack", "einops.unflatten"}
    assert {f.difficulty for f in FAMILIES} == {1, 2, 3}


def test_family_modules_import_neither_torch_nor_einops():
    mods = [m.name for m in pkgutil.iter_modules(einops_pkg.__path__)]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module('exercises.einops.' + m)\n"
        "print(sorted(k for k in ('torch', 'einops', 'numpy') if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_einops_inside_the_package_is_the_library():
    import einops

    assert hasattr(einops, "rearrange") and einops.__name__ == "einops"
    assert importlib.import_module("exercises.einops") is not einops


# --------------------------------------------------------------- every family, every form


def _calls(code: str) -> dict[str, ast.Call]:
    """Assigned names -> the call assigned to them, from the variant's code."""
    out = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for tgt in node.targets:
                for name in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt]):
                    out[name.id] = node.value
    return out


def _run_code(code: str, env: dict) -> dict:
    import einops
    import torch

    scope = {"torch": torch, "einops": einops, **env}
    exec(compile(code, "<variant>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope


def _target(v) -> str:
    m = re.search(r"below, what is `([A-Za-z_]\w*)", v.prompt)
    assert m, v.prompt
    return m.group(1)


def _whole_call(p: dict, pattern: str, lengths: dict[str, int]) -> str:
    ops, kw = p["operands"], "".join(f", {k}={n}" for k, n in lengths.items())
    if p["op"] in ("rearrange", "repeat"):
        return f"einops.{p['op']}({ops[0]}, {pattern!r}{kw})"
    if p["op"] == "reduce":
        return f"einops.reduce({ops[0]}, {pattern!r}, {p['reduction']!r}{kw})"
    if p["op"] == "einsum":
        return f"einops.einsum({', '.join(ops)}, {pattern!r})"
    if p["op"] == "pack":
        return f"einops.pack([{', '.join(ops)}], {pattern!r})"
    return f"einops.unpack({ops[0]}, ps, {pattern!r})"


def _check_write(v, rs):
    import torch

    p = v.params
    arrays = [rs.standard_normal(s) for s in p["shapes"]]
    got = recompute(p, arrays, v.answer)
    if p["out_shape"] is not None:
        assert list(got.shape) == p["out_shape"]
        # the result's shape is never printed (unless it happens to equal an input's shape)
        shape = tuple(p["out_shape"])
        if list(shape) not in p["shapes"]:
            assert _shape_text(shape) not in v.prompt + v.code, (v.key, v.prompt)
    # nor the result's layout: the right side's axes are not listed in order anywhere on the card
    if "->" in v.answer:
        rhs = _side(v.answer.split("->")[1])
        if len(rhs) > 1 and rhs != _side(v.answer.split("->")[0].split(",")[0]):
            listed = ", ".join("·".join(g) for g in rhs)
            assert f"({listed})" not in v.prompt and f"[{listed}]" not in v.prompt, (v.key, v.prompt)
    # the code shown, with the answer in the blank, runs and matches the interpreter
    scope = _run_code(v.code.replace("____", repr(v.answer)),
                      {n: torch.tensor(a) for n, a in zip(p["operands"], arrays)})
    last = ast.parse(v.code).body[-1].targets[0]
    names = [t.id for t in last.elts] if isinstance(last, ast.Tuple) else [last.id]
    if p["op"] == "unpack":
        for name, ref in zip(names, np_unpack(arrays[0], p["packed_shapes"], v.answer)):
            assert np.allclose(scope[name].numpy(), ref)
    else:
        assert np.allclose(scope[names[0]].numpy(), got)
    # a generic renaming of every axis is right: whole call with renamed keywords, and bare
    idents = list(dict.fromkeys(_IDENT.findall(v.answer)))
    everything = {n: f"ax{i}" for i, n in enumerate(idents)}
    renamed = _IDENT.sub(lambda m: everything[m.group(0)], v.answer)
    full = _whole_call(p, renamed, {everything[k]: n for k, n in p["lengths"].items()})
    assert v.check(full).correct, (v.key, full, v.check(full).reason)
    bare = _IDENT.sub(lambda m: m.group(0) if m.group(0) in p["lengths"] else everything[m.group(0)], v.answer)
    assert v.check(bare).correct, (v.key, bare, v.check(bare).reason)
    assert v.check("   " + v.answer.replace(" ", "  ") + " ").correct


def _shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _check_shape(v):
    p = v.params
    calls = _calls(v.code)
    for name, shape in zip(p["operands"], p["shapes"]):
        call = calls[name]
        assert ast.unparse(call.func) == "torch.randn"
        assert [ast.literal_eval(a) for a in call.args] == shape
    got = recompute(p, [np.zeros(s) for s in p["shapes"]])
    assert list(got.shape) == v.answer
    scope = _run_code(v.code, {})
    assert list(scope[_target(v)].shape) == v.answer


def _check_value(v):
    p = v.params
    calls = _calls(v.code)
    arrays = []
    for name, values in zip(p["operands"], p["values"]):
        shown = ast.literal_eval(calls[name].args[0])  # the tensor the learner reads
        assert shown == values
        arrays.append(np.asarray(values, dtype=float))
        assert all(isinstance(x, int) and abs(x) <= 9 for x in np.asarray(values).ravel().tolist())
    got = recompute(p, arrays)
    expected = got if p["index"] is None else got[tuple(p["index"])]
    assert np.allclose(np.asarray(v.answer, dtype=float), expected, atol=1e-6)
    if p["index"] is not None:
        assert "[" + ", ".join(map(str, p["index"])) + "]`" in v.prompt
    scope = _run_code(v.code, {})
    ran = scope[_target(v)]
    ran = ran if p["index"] is None else ran[tuple(p["index"])]
    assert np.allclose(ran.double().numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("fid,form", CASES)
def test_family_form_over_seeds(fid, form):
    fam = get_family(fid)
    rs = np.random.default_rng(1)
    seen = set()
    for seed in SEEDS:
        v = fam.variant(seed, form)
        again = fam.variant(seed, form)
        assert v.to_dict() == again.to_dict()
        assert (v.distractors, v.alternatives, v.code) == (again.distractors, again.alternatives, again.code)
        assert v.key == f"{fid}/{form}/{seed}" and v.topic == "einops"
        assert 2 <= len(v.hints) <= 3 and all(v.hints) and v.explanation
        if form != "value":  # a one-digit value may well occur in a hint's text
            assert not any(v.answer_text in h for h in v.hints), (v.key, v.hints)
        json.dumps(v.to_dict())
        assert v.distractors and v.alternatives
        seen.add((v.prompt, v.code))  # the card is its prompt and its code

        for right in (v.answer_text, *v.alternatives):
            verdict = v.check(right)
            assert verdict.correct, (v.key, right, verdict.reason)
        for wrong in v.distractors:
            verdict = v.check(wrong)
            assert not verdict.correct and verdict.reason.strip(), (v.key, wrong)
            assert wrong not in (v.answer_text, *v.alternatives)

        {"write": lambda: _check_write(v, rs), "shape": lambda: _check_shape(v), "value": lambda: _check_value(v),
         "fix": lambda: None}[form]()  # the fix form is judged in tests/test_fix_form.py
    assert len(seen) >= 0.8 * len(SEEDS), f"only {len(seen)} distinct cards over {len(SEEDS)} seeds"


def test_write_form_reasons_are_specific():
    v = get_family("einops.split_heads").variant(1, "write")  # a result without a merged group
    lhs, rhs = v.answer.split("->")
    swapped = v.check(f"{lhs}-> {' '.join(rhs.split()[::-1])}")
    assert not swapped.correct and "wrong" in swapped.reason
    assert not v.check("a b c -> ").correct
    assert "empty" in v.check("  ").reason
    r = get_family("einops.reduce_axes").variant(0, "write")
    other = "sum" if r.params["reduction"] != "sum" else "max"
    verdict = r.check(f"einops.reduce(x, {r.answer!r}, {other!r})")
    assert not verdict.correct and "wrong reduction" in verdict.reason


def test_einops_check_takes_the_responses_own_axis_lengths():
    """A whole call may rename a keyword axis; the reference's keyword must not leak into it."""
    check = EinopsCheck("rearrange", "b (h w) -> b h w", ((3, 20),), seed=1, axes_lengths=(("h", 4),))
    assert check.check("b (h w) -> b h w").correct
    assert check.check("einops.rearrange(x, 'b (rows cols) -> b rows cols', rows=4)").correct
    assert not check.check("einops.rearrange(x, 'b (rows cols) -> b rows cols', rows=5)").correct
    assert not check.check("b (w h) -> b h w").correct


def test_variants_differ_in_names_sizes_and_values():
    fam = get_family("einops.transpose")
    patterns = {fam.variant(s, "write").answer for s in SEEDS}
    assert len(patterns) >= 8
    values = {str(get_family("einops.reduce_axes").variant(s, "value").params["values"]) for s in SEEDS}
    assert len(values) == len(SEEDS)
    reductions = {get_family("einops.reduce_axes").variant(s, "write").params["reduction"] for s in range(40)}
    assert reductions == {"mean", "max", "min", "sum"}


# --------------------------------------------------------------- code specs


def _np_split_heads(x, n_heads):
    b, s, hd = x.shape
    return x.reshape(b, s, n_heads, hd // n_heads).transpose(0, 2, 1, 3)


def _np_merge_heads(x):
    b, h, s, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, s, h * d)


def _np_max_pool2x2(x):
    b, c, hh, ww = x.shape
    return x.reshape(b, c, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))


NUMPY_REFERENCE = {"split_heads": _np_split_heads, "merge_heads": _np_merge_heads, "max_pool2x2": _np_max_pool2x2}
SPECS = [f.code_spec for f in FAMILIES if f.code_spec is not None]


def test_there_are_code_specs():
    assert {s.function for s in SPECS} >= {"split_heads", "max_pool2x2"}
    assert set(NUMPY_REFERENCE) >= {s.function for s in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.function)
def test_code_spec_reference_and_mistakes(spec):
    import torch

    assert f"def {spec.function}(" in spec.signature and spec.doc and spec.mistakes
    differs = {m.name: 0 for m in spec.mistakes}
    dims: set[int] = set()
    for case in range(spec.n_cases):
        inputs = spec.make_inputs(random.Random(case), case)
        again = spec.make_inputs(random.Random(case), case)
        for k in inputs:
            if isinstance(inputs[k], torch.Tensor):
                assert torch.equal(inputs[k], again[k])
                dims.update(inputs[k].shape)
        ref = spec.reference(**inputs)
        np_inputs = {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in inputs.items()}
        assert np.allclose(ref.numpy(), NUMPY_REFERENCE[spec.function](**np_inputs), atol=1e-6)
        for m in spec.mistakes:
            out = m.fn(**inputs)
            if out.shape != ref.shape or not torch.allclose(out, ref):
                differs[m.name] += 1
    assert 1 in dims and len(dims) >= 5, dims  # size-1 axes and varied sizes
    for name, n in differs.items():
        assert n >= spec.n_cases // 2, f"mistake {name} matches the reference in most cases"


# --------------------------------------------------------------- the answer means what the prompt says


def _space_to_depth(x, k, channel):
    """``channel(c, i, j)``: the output channel of offset (i, j) of channel c's blocks."""
    b, c, hh, ww = x.shape
    y = np.zeros((b, c * k * k, hh // k, ww // k))
    for ci in range(c):
        for i in range(k):
            for j in range(k):
                y[:, channel(ci, i, j)] = x[:, ci, i::k, j::k]  # offset (i, j) of every block
    return y


def _depth_to_space(x, k, channel):
    b, ck, hh, ww = x.shape
    y = np.zeros((b, ck // (k * k), hh * k, ww * k))
    for ci in range(ck // (k * k)):
        for i in range(k):
            for j in range(k):
                y[:, ci, i::k, j::k] = x[:, channel(ci, i, j)]
    return y


def _pixel_shuffle(v, x, k):
    """Space-to-depth or back as the prompt words it: the channel formula it states
    (``c·k² + k·i + j`` or ``(k·i + j)·C + c``) and the channels first or last."""
    last = "channel axis last" in v.prompt
    xs = x.transpose(0, 3, 1, 2) if last else x
    to_depth = v.prompt.startswith("Space-to-depth")
    n_c = xs.shape[1] if to_depth else xs.shape[1] // (k * k)
    offset_major = bool(re.search(r"channel \(\d·i \+ j\)·\d+ \+", v.prompt))

    def channel(c, i, j):
        return (k * i + j) * n_c + c if offset_major else c * k * k + k * i + j

    y = _space_to_depth(xs, k, channel) if to_depth else _depth_to_space(xs, k, channel)
    return y.transpose(0, 2, 3, 1) if last else y


def _semantics(fid: str, v, x: np.ndarray) -> np.ndarray:
    """What the prompt asks for, defined directly in numpy from the words of the prompt."""
    p = v.params
    out = tuple(p["out_shape"])
    if fid == "einops.flatten":
        if "pixel tokens" in v.prompt and "channels-last" in v.prompt:
            return x.reshape(out)  # stored (b, h, w, c): tokens are already contiguous
        if "pixel tokens" in v.prompt:
            b, c, h, w = x.shape
            return x.transpose(0, 2, 3, 1).reshape(b, h * w, c)
        if "channel values kept together" in v.prompt:
            return x.transpose(0, 2, 3, 1).reshape(out)
        if "channels before pixels" in v.prompt:  # stored (b, h, w, c)
            return x.transpose(0, 3, 1, 2).reshape(out)
        if "one row per time step" in v.prompt:
            return x.transpose(1, 0, 2).reshape(out)
        if "feature by feature" in v.prompt:
            return x.transpose(0, 2, 1).reshape(out)
        return x.reshape(out)  # every other flatten is a plain row-major reshape
    if fid == "einops.tile":
        reps = [o // i for o, i in zip(out, x.shape)]
        if "torch.tile" in v.prompt:
            return np.tile(x, reps)
        axis = next(i for i, r in enumerate(reps) if r > 1)
        return np.repeat(x, reps[axis], axis=axis)
    if fid == "einops.upsample":
        y = x
        for axis in range(x.ndim):
            y = np.repeat(y, out[axis] // x.shape[axis], axis=axis)
        return y
    if fid == "einops.pool":
        shape, axes = [], []
        for i, (o, n) in enumerate(zip(out, x.shape)):
            if o == n:
                shape.append(n)
            else:
                shape += [o, n // o]
                axes.append(len(shape) - 1)
        return {"max": np.max, "mean": np.mean}[p["reduction"]](x.reshape(shape), axis=tuple(axes))
    if fid == "einops.space_to_depth":
        return _pixel_shuffle(v, x, next(iter(p["lengths"].values())))
    raise KeyError(fid)


@pytest.mark.parametrize("fid", ["einops.flatten", "einops.tile", "einops.upsample", "einops.pool",
                                 "einops.space_to_depth"])
def test_write_answer_matches_a_direct_numpy_definition(fid):
    rs = np.random.default_rng(2)
    for seed in SEEDS:
        v = get_family(fid).variant(seed, "write")
        x = rs.standard_normal(v.params["shapes"][0])
        assert np.allclose(recompute(v.params, [x], v.answer), _semantics(fid, v, x)), v.key


# --------------------------------------------------------------- wording regressions


def _variants(fid: str, form: str, seeds=range(60)):
    return [get_family(fid).variant(seed, form) for seed in seeds]


def test_upsample_explanation_names_an_axis_that_is_really_repeated():
    # a width-only upsample used to be explained as "`(rows 1)` ... each row is repeated 1 times"
    seen_width_only = False
    for v in _variants("einops.upsample", "value"):
        groups = re.findall(r"\((\w+) (\d+)\)", v.explanation)
        assert groups, v.key
        axis, k = groups[0]
        assert int(k) > 1 and f"({axis} {k})" in v.code, (v.key, v.explanation)
        assert " 1 times" not in v.explanation, v.key
        if "column" in v.explanation:
            seen_width_only = True
    assert seen_width_only  # the case that was wrong is among the seeds


def test_value_prompts_describe_a_vector_as_a_length_not_a_bare_number():
    for fid in ("einops.broadcast", "einops.pack"):
        for v in _variants(fid, "value", range(30)):
            assert not re.search(r"is an? \d+ tensor", v.prompt), (v.key, v.prompt)
    v = next(v for v in _variants("einops.broadcast", "value") if "length-" in v.prompt)
    n = int(re.search(r"is a length-(\d+) tensor", v.prompt).group(1))
    assert len(v.params["values"][0]) == n


def test_rounded_value_answers_are_shown_to_the_two_decimals_the_prompt_asks_for():
    checked = 0
    for fid in ("einops.global_pool", "einops.reduce_axes", "einops.pool"):
        for v in _variants(fid, "value"):
            if "to 2 decimal places" not in v.prompt:
                continue
            checked += 1
            for num in re.findall(r"-?\d+\.\d+", v.answer_text):
                assert len(num.split(".")[1]) <= 2, (v.key, v.answer_text)
            assert v.check(v.answer_text).correct, v.key
            for alt in v.alternatives:
                assert v.check(alt).correct, (v.key, alt)
    assert checked


def test_split_heads_explanation_of_a_merged_batch_says_the_heads_are_folded_in():
    merged = [v for v in _variants("einops.split_heads", "shape") if "-> (" in v.code]
    assert merged
    for v in merged:
        assert "folds the heads into the batch axis" in v.explanation, (v.key, v.explanation)


# --------------------------------------------------------------- cards that demand the skill (issue 11)

VALUE_SEEDS = range(50)


@pytest.mark.parametrize("fid", [f.id for f in FAMILIES])
def test_every_classic_mistake_is_rejected_on_value_cards(fid):
    """Each family's classic mistakes, run on the variant, give answers the checker rejects."""
    listed = 0
    for seed in VALUE_SEEDS:
        v = L.variants(fid, "value", len(VALUE_SEEDS))[seed]
        listed += bool(v.mistakes)
        for what, response in v.mistakes:
            assert not v.check(response).correct, (v.key, what, response)
        if v.params["index"] is not None:
            assert any(v.params["index"]), (v.key, "asks [0, …, 0], where memory-order slips agree")
        for form in [f for f in ("shape", "write") if f in get_family(fid).forms]:  # a write form may retire
            w = L.variants(fid, form, len(VALUE_SEEDS))[seed]
            for what, response in w.mistakes:
                assert not w.check(response).correct, (w.key, what, response)
    assert listed >= 0.8 * len(VALUE_SEEDS), f"{fid}: value cards list no classic mistakes"


def test_a_slip_that_scored_before_is_now_rejected():
    """Reshape-without-permute used to score on merge_heads; now it is listed and rejected."""
    seen = 0
    for seed in VALUE_SEEDS:
        v = get_family("einops.merge_heads").variant(seed, "value")
        for what, response in v.mistakes:
            if "plain reshape" in what:
                seen += 1
                assert not v.check(response).correct
    assert seen >= 10


def _canon(text: str) -> str:
    names: dict[str, str] = {}
    return _IDENT.sub(lambda m: names.setdefault(m.group(0), "abcdefghijklmnopqrstuvwxyz"[len(names)]), text)


TASK_CASES = [(f.id, "task") for f in FAMILIES if "task" in f.forms]


@pytest.mark.parametrize("fid,form", CASES + TASK_CASES)
def test_no_near_constant_answers(fid, form):
    """After renaming axes in order of appearance, no answer fills more than a quarter of 100 seeds.

    The 100 variants come from the session's cache of tests/lazy_solvers.py, which the card-trap and
    stranger tests draw anyway, so they cost no second drawing in a full run."""
    from collections import Counter

    drawn = L.variants(fid, form, 100)
    counts = Counter(_canon(" ".join(v.answer_text.split())) for v in drawn)
    top = counts.most_common(1)[0][1] / 100
    limit = 0.25 if len(counts) >= 4 else 1.5 / len(counts)
    assert top <= limit, (fid, form, counts.most_common(3))


def _lazy_responses(v) -> list[str]:
    """Three lazy solvers: copy printed name lists, match sizes to printed tuples, names in order of appearance."""
    text = v.prompt + "\n" + (v.code or "")
    universe = set(_IDENT.findall(v.answer)) | set(re.findall(r"\b([A-Za-z_]\w*)=\d+", v.code or ""))
    lists = []
    for m in re.finditer(r"\(([^()]*)\)|\[([^\[\]]*)\]", text):
        items = [i.strip() for i in (m.group(1) if m.group(1) is not None else m.group(2)).split(",") if i.strip()]
        toks = [re.split(r"\s*·\s*", i) for i in items]
        if toks and all(all(t in universe or t.isdigit() for t in g) for g in toks) and any(
                t in universe for g in toks for t in g):
            lists.append(" ".join(g[0] if len(g) == 1 else f"({' '.join(g)})" for g in toks))
    order = list(dict.fromkeys(t for t in _IDENT.findall(text) if t in universe))
    ranks = [len(s) for s in v.params["shapes"]]
    per_op = [[L for L in lists if len(_side(L)) == r][:3] for r in ranks]
    if "->" not in v.answer or not all(per_op):
        return lists
    sizes = v.params["sizes"]
    out = []
    import itertools

    for ops in itertools.product(*per_op):
        lhs = ", ".join(ops)
        rights = list(lists) + [" ".join(order)]
        for tup in re.findall(r"\((\d+(?:, \d+)*),?\)", text):
            shape = [int(t) for t in tup.split(",")]
            if shape not in v.params["shapes"]:
                rights.append(" ".join(next((n for n in order if sizes.get(n) == d), str(d)) for d in shape))
        names = [o.split() for o in ops]
        count = {n: sum(n in o for o in names) for o in names for n in o}
        rights.append(" ".join(n for n in dict.fromkeys(_IDENT.findall(lhs)) if count.get(n) == 1 or len(ops) == 1)
                      + "".join(f" {n}" for n in order if n not in lhs))
        out += [f"{lhs} -> {r}" for r in rights]
    return out


def test_lazy_solvers_do_not_solve_write_cards():
    solved, total, worst = 0, 0, {}
    for fam in [f for f in FAMILIES if "write" in f.forms]:
        hits = 0
        for v in L.variants(fam.id, "write", 20):
            hits += any(_lazy_ok(v, r) for r in _lazy_responses(v))
        worst[fam.id] = hits / 20
        solved, total = solved + hits, total + 20
    assert solved <= 0.10 * total, (solved, total, worst)
    assert max(worst.values()) <= 0.30, worst


def _lazy_ok(v, response: str) -> bool:
    try:
        return v.check(response).correct
    except Exception:
        return False
