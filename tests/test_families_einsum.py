"""The einsum families: every form over many seeds, checked against numpy written independently.

Each variant's answer is recomputed two ways that share no code with the families:
``np.einsum`` on the expression and operands kept in ``params``, and a plain numpy
implementation of what the family means (``a @ b``, ``np.trace``...). The checker must take
the answer, its alternatives and any renaming of the letters, and refuse the distractors.
"""
import json
import pickle
import pkgutil
import random
import re
import string
import subprocess
import sys

import numpy as np
import pytest

import exercises.einsum
from exercises import all_families

FAMILIES = all_families("einsum")
SEEDS = range(25)


def _semantic(family_id, params, ops):
    """What the family computes, in numpy without einsum (operands in canonical axis order)."""
    name = family_id.split(".", 1)[1]
    case = params["case"]
    if name in ("matmul", "matvec", "batched_matmul"):
        return ops[0] @ ops[1]
    if name == "transpose":
        return np.transpose(ops[0], case["perm"])
    if name == "trace":
        return np.trace(ops[0], axis1=-2, axis2=-1)
    if name == "diagonal":
        return np.diagonal(ops[0], axis1=-2, axis2=-1)
    if name == "outer":
        return np.multiply.outer(ops[0], ops[1])
    if name == "dot":
        return (ops[0] * ops[1]).sum(-1)
    if name == "bilinear":
        x, A, y = ops
        return ((x @ A) * y).sum(-1)
    if name == "sum_axes":
        return ops[0].sum(axis=tuple(a for a in range(3) if a not in case["keep"]))
    if name == "attention_scores":
        return ops[0] @ np.swapaxes(ops[1], -1, -2)
    if name == "tms_hidden":
        x, W = ops  # x [..., i, f], W [i, f, h]
        return (x[..., :, :, None] * W).sum(-2)
    if name == "tms_back":
        h, W = ops  # h [..., i, h], W [i, f, h]
        return (h[..., :, None, :] * W).sum(-1)
    if name == "gram":
        W = ops[0]
        return W @ W.transpose(0, 2, 1)
    raise AssertionError(f"no independent numpy meaning written for {family_id}")


def _random_ops(params, seed):
    """Random operands of the variant's shapes; a name used twice (W, W) is one tensor."""
    rng = np.random.default_rng(seed)
    by_name = {}
    for op in params["operands"]:
        by_name.setdefault(op["name"], rng.standard_normal(op["shape"]))
    return [by_name[op["name"]] for op in params["operands"]]


def _rename_letters(expr):
    """The same expression with every letter replaced (a bijection onto other letters)."""
    letters = sorted(set(c for c in expr if c.isalpha()))
    pool = [c for c in string.ascii_lowercase[::-1] if c not in letters]
    mapping = dict(zip(letters, pool))
    return "".join(mapping.get(c, c) for c in expr)


def _reverse_output(expr):
    lhs, rhs = expr.split("->")
    return lhs + "->" + "".join(re.findall(r"\.\.\.|[A-Za-z]", rhs)[::-1])


def test_registry_has_the_einsum_families():
    ids = {f.id for f in FAMILIES}
    assert len(FAMILIES) >= 12
    for name in ("matmul", "batched_matmul", "transpose", "trace", "diagonal", "outer", "dot",
                 "bilinear", "sum_axes", "attention_scores", "tms_hidden", "tms_back", "gram"):
        assert f"einsum.{name}" in ids
    for f in FAMILIES:
        assert set(f.forms) == {"write", "shape", "value"}
        assert f.title and f.summary and 1 <= f.difficulty <= 3


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_every_form_over_many_seeds(fam):
    for form in fam.forms:
        seen = set()
        for seed in SEEDS:
            v = fam.variant(seed=seed, form=form)
            d = v.to_dict()
            assert d == fam.variant(seed=seed, form=form).to_dict(), f"{v.key} is not deterministic"
            json.dumps(d)
            seen.add((v.prompt, v.code))
            p = v.params

            # the answer, recomputed independently
            if form == "write":
                ops = _random_ops(p, seed)
                got = np.einsum(v.answer, *ops)
                assert list(got.shape) == p["out_shape"], v.key
                np.testing.assert_allclose(got, _semantic(fam.id, p, ops), atol=1e-9, err_msg=v.key)
            elif form == "shape":
                ops = _random_ops(p, seed)
                assert list(np.einsum(p["expr"], *ops).shape) == v.answer, v.key
                assert list(_semantic(fam.id, p, ops).shape) == v.answer, v.key
            else:
                ops = [np.asarray(x, dtype=np.int64) for x in p["values"]]
                full = np.einsum(p["expr"], *ops)
                np.testing.assert_array_equal(full, _semantic(fam.id, p, ops), err_msg=v.key)
                if p["mode"] == "full":
                    assert np.array_equal(np.asarray(v.answer), full), v.key
                else:
                    assert v.answer == full[tuple(p["index"] or ())], v.key
                # the tensors shown are the tensors used
                for name, vals in {o["name"]: x for o, x in zip(p["operands"], p["values"])}.items():
                    assert re.sub(r"\s", "", str(vals)) in re.sub(r"\s", "", v.code), v.key

            # checking: answer and alternatives accepted, distractors refused with a reason
            assert v.check(v.answer_text).correct, (v.key, v.check(v.answer_text))
            assert v.alternatives and v.distractors, v.key
            for alt in v.alternatives:
                assert v.check(alt).correct, (v.key, alt, v.check(alt).reason)
            for wrong in v.distractors:
                verdict = v.check(wrong)
                assert not verdict.correct and verdict.reason.strip(), (v.key, wrong)
            if form == "write":
                renamed = _rename_letters(v.answer)
                assert renamed != v.answer and v.check(renamed).correct, (v.key, renamed)
                call = f"torch.einsum('{renamed}', *operands)"
                assert v.check(call).correct, (v.key, call)
                if len(set(p["out_shape"])) >= 2:
                    rev = _reverse_output(v.answer)
                    verdict = v.check(rev)
                    assert not verdict.correct and verdict.reason, (v.key, rev)

            # teaching text
            assert v.explanation.strip() and 2 <= len(v.hints) <= 3, v.key
            assert v.answer_text not in v.hints[0], f"{v.key}: the first hint gives the answer away"
        assert len(seen) >= 0.8 * len(SEEDS), f"{fam.id}/{form}: only {len(seen)} distinct variants"


def test_write_form_names_a_transposed_answer():
    v = next(
        fam.variant(seed=s, form="write")
        for fam in FAMILIES if fam.id == "einsum.batched_matmul" for s in SEEDS
    )
    lhs, rhs = v.answer.split("->")
    transposed = f"{lhs}->{rhs[0]}{rhs[2]}{rhs[1]}"
    verdict = v.check(transposed)
    assert not verdict.correct and "wrong order" in verdict.reason
    summed = v.check(f"{lhs}->{rhs[1:]}")
    assert not summed.correct and "batch" in summed.reason  # names the axis it summed


CODE_EXPR = {
    "einsum.batched_matmul": ("bik,bkj->bij", ("a", "b")),
    "einsum.attention_scores": ("bhqd,bhkd->bhqk", ("q", "k")),
    "einsum.gram": ("ifh,igh->ifg", ("W", "W")),
    "einsum.outer": ("i,j->ij", ("u", "v")),
}


def _differs(a, b):
    a, b = a.detach().numpy(), np.asarray(b)
    return a.shape != b.shape or not np.allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("family_id", sorted(CODE_EXPR))
def test_code_specs(family_id):
    import torch

    fam = next(f for f in FAMILIES if f.id == family_id)
    spec = fam.code_spec
    assert spec is not None and spec.signature.startswith(f"def {spec.function}(")
    assert spec.doc.strip() and len(spec.mistakes) >= 2
    expr, args = CODE_EXPR[family_id]
    labels = dict(zip(args, expr.split("->")[0].split(",")))  # first labelling of each argument
    pickle.dumps((spec.reference, spec.make_inputs, [m.fn for m in spec.mistakes]))
    saw_size_one = False
    for case in range(spec.n_cases):
        inputs = spec.make_inputs(random.Random(f"cases/{case}"), case)
        again = spec.make_inputs(random.Random(f"cases/{case}"), case)
        assert inputs.keys() == again.keys() and all(torch.equal(inputs[k], again[k]) for k in inputs)
        assert all(t.is_floating_point() for t in inputs.values())
        size = {}
        for a, lab in labels.items():
            for letter, n in zip(lab, inputs[a].shape, strict=True):
                assert size.setdefault(letter, n) == n
        assert len(set(size.values())) == len(size), f"case {case}: axes share a size {size}"
        sizes = [s for t in inputs.values() for s in t.shape]
        saw_size_one |= 1 in sizes
        ref = spec.reference(**inputs)
        want = np.einsum(expr, *[inputs[a].double().numpy() for a in args])
        np.testing.assert_allclose(ref.detach().numpy(), want, rtol=1e-4, atol=1e-4)
        for m in spec.mistakes:
            assert m.message.strip()
            assert _differs(m.fn(**inputs), ref), f"{family_id} case {case}: mistake {m.name} matches the reference"
    assert saw_size_one, "no test case has a size-1 axis"


def test_family_modules_do_not_import_torch():
    mods = [m.name for m in pkgutil.iter_modules(exercises.einsum.__path__)]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module('exercises.einsum.' + m)\n"
        "assert 'torch' not in sys.modules, 'an einsum module imports torch at import time'\n"
        "assert 'numpy' not in sys.modules, 'an einsum module imports numpy at import time'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gram_accepts_answers_that_use_w_twice_either_way():
    """W is passed twice, so swapping the two roles (or the output pair) is still W W^T."""
    fam = next(f for f in FAMILIES if f.id == "einsum.gram")
    for seed in range(5):
        v = fam.variant(seed=seed, form="write")
        (a, b), out = v.answer.split("->")[0].split(","), v.answer.split("->")[1]
        assert v.check(f"{b},{a}->{out}").correct
        assert v.check(f"{a},{b}->{out[0]}{out[2]}{out[1]}").correct
        hidden_gram = f"{a},{a[:2]}{b[1]}->{a[0]}{a[2]}{b[1]}"  # W^T W: hidden x hidden
        assert not v.check(hidden_gram).correct
