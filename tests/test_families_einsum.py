"""The einsum families: every form over many seeds, checked against numpy written independently.

Each variant's answer is recomputed two ways that share no code with the families:
``np.einsum`` on the expression and operands kept in ``params``, and the operation the card
states, written in plain numpy (``t0 @ t1.T``, ``np.diagonal(t0, axis1=0, axis2=2)``...). The
checker must take the answer, its alternatives and any renaming of the letters, and refuse the
distractors and every listed mistake. The card-trap tests at the end run lazy solvers on the
write forms and check that no answer dominates.
"""
import importlib
import json
import pickle
import pkgutil
import random
import re
import string
import subprocess
import sys

import lazy_solvers as L
import numpy as np
import pytest

import exercises.einsum
from exercises import Variant, all_families

# einsum.mixed draws the task forms of the others (tests/test_task_deck.py); task forms are tested in
# tests/test_task_form.py and tests/test_task_solvers.py.
FAMILIES = [f for f in all_families("einsum") if f.id != "einsum.mixed"]
SEEDS = range(25)


def _semantic(family_id, params, ops):
    """What the variant computes, in numpy without einsum: the case's stated operation
    (``t0 @ t1.T``, ``np.diagonal(t0, axis1=0, axis2=2)``...) on the operands by role."""
    case = params["case"]
    assert case["numpy"] and "einsum" not in case["numpy"], family_id
    env = {f"t{r}": ops[pos] for r, pos in enumerate(case["roles"])}
    return eval(case["numpy"], {"np": np}, env)  # noqa: S307 - the family's own constant text


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
        assert set(f.forms) - {"fix", "task"} == {"write", "shape", "value"}  # fix: tests/test_fix_form.py
        assert f.title and f.summary and 1 <= f.difficulty <= 3


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_every_form_over_many_seeds(fam):
    for form in (f for f in fam.forms if f not in ("fix", "task")):  # fix, task: their own test modules
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
                rev = _reverse_output(v.answer)
                flipped = np.einsum(rev, *ops) if rev != v.answer else got  # `...->...` reverses to itself
                symmetric = flipped.shape == got.shape and np.allclose(flipped, got)  # W passed twice: W W^T
                if len(set(p["out_shape"])) >= 2 and not symmetric:
                    verdict = v.check(rev)
                    assert not verdict.correct and verdict.reason, (v.key, rev)

            # teaching text
            assert v.explanation.strip() and 2 <= len(v.hints) <= 3, v.key
            assert v.answer_text not in v.hints[0], f"{v.key}: the first hint gives the answer away"
        assert len(seen) >= 0.8 * len(SEEDS), f"{fam.id}/{form}: only {len(seen)} distinct variants"


def test_write_form_names_a_transposed_answer():
    fam = next(f for f in FAMILIES if f.id == "einsum.batched_matmul")
    for seed in range(5):
        v = fam.variant(seed=seed, form="write")
        lhs, rhs = v.answer.split("->")
        b = next(c for c in rhs if all(c in t for t in lhs.split(",")))  # the batch letter, wherever the
        i, j = [c for c in rhs if c != b]  # write form's .permute put it
        transposed = f"{lhs}->{rhs.translate(str.maketrans(i + j, j + i))}"
        verdict = v.check(transposed)
        assert not verdict.correct and "wrong order" in verdict.reason
        summed = v.check(f"{lhs}->{rhs.replace(b, '')}")
        batch = v.params["axes"][b]["name"]
        assert not summed.correct and batch in summed.reason  # names the axis it summed


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
    """W is passed twice, so swapping the two roles (or the two Gram axes) is still the Gram
    matrix; the Gram matrix over the other axis is not."""
    fam = next(f for f in FAMILIES if f.id == "einsum.gram")
    for seed in range(6):
        v = fam.variant(seed=seed, form="write")
        (a, b), out = v.answer.split("->")[0].split(","), v.answer.split("->")[1]
        assert v.check(f"{b},{a}->{out}").correct
        f = next(c for c in a if c in out and c not in b)  # the two feature axes, wherever the layout puts them
        g = next(c for c in b if c in out and c not in a)
        assert v.check(f"{a},{b}->{out.translate(str.maketrans(f + g, g + f))}").correct
        hidden = [e for what, e in v.mistakes if "hidden x hidden" in what or "Gram matrix over" in what]
        assert hidden and not v.check(hidden[0]).correct, (v.key, v.mistakes)


# ----------------------------------------------------------------------------- card traps
# (CARDS.md: the answer must not be readable off the card; classic mistakes must not score;
# no answer may dominate.)

NAME = r"[A-Za-z_][A-Za-z_0-9]*"


def _card_shapes(v):
    """Each operand's (name, size) axes as printed on the card, in the call's order; an axis printed
    as a size only (``- `A`: shape (2, 2)``, the write form that states the task) is named by its size."""
    text = v.prompt + "\n" + (v.code or "")
    out = []
    end = 0
    for op in v.params["operands"]:
        m = re.search(rf"`{re.escape(op['name'])}` has shape \(([^)]*)\)", text)
        if m:
            out.append([(n, int(k)) for n, k in re.findall(rf"({NAME})=(\d+)", m.group(1))])
        else:
            m = re.search(rf"- `{re.escape(op['name'])}`: shape \(([^)]*)\)", text)
            assert m, (v.key, op["name"])
            out.append([(f"size{k}", int(k)) for k in re.findall(r"\d+", m.group(1))])
        end = max(end, m.end())
    return text, end, out


def _lazy_answers(v):
    """What three lazy solvers type: the printed axis names copied in order (every name, or the
    names printed after the operands), letters matched by size (sizes printed after the
    operands), and the unshared axes in order of first appearance (in one operand / once)."""
    text, end, shapes = _card_shapes(v)
    letter = {}
    for axes in shapes:
        for n, _ in axes:
            letter.setdefault(n, string.ascii_lowercase[len(letter)])
    by_size = {k: letter[n] for axes in shapes for n, k in axes}
    terms = [[letter[n] for n, _ in axes] for axes in shapes]
    lhs = ",".join("".join(t) for t in terms)
    order = list(dict.fromkeys(c for t in terms for c in t))
    tail = text[end:]
    after = list(dict.fromkeys(letter[w] for w in re.findall(NAME, tail) if w in letter))
    sizes = list(dict.fromkeys(by_size[int(k)] for k in re.findall(r"(?<![\w.])(\d+)(?![\w.])", tail)
                               if int(k) in by_size))
    flat = [c for t in terms for c in t]
    return {
        "copy all names": order,
        "copy names after the operands": after,
        "match sizes": sizes,
        "unshared, in one operand": [c for c in order if sum(c in t for t in terms) == 1],
        "unshared, written once": [c for c in order if flat.count(c) == 1],
    }, lhs


def test_lazy_solvers_do_not_answer_write_forms():
    solved, total = {}, 0
    judged = [f for f in FAMILIES if "write" not in f.pooled]  # pooled: judged in the mixed pool
    for fam in judged:
        hits = 0
        for v in L.variants(fam.id, "write", 20):
            guesses, lhs = _lazy_answers(v)
            hits += any(v.check(f"{lhs}->{''.join(out)}").correct for out in guesses.values())
            # the result's shape is never printed: no run of sizes after the operands spells it
            assert "of shape" not in v.prompt, v.key
        solved[fam.id] = hits / 20
        total += hits
    assert total / (20 * len(judged)) <= 0.10, solved
    assert max(solved.values()) <= 0.30, solved


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_every_classic_mistake_is_rejected(fam):
    for form in ("shape", "value"):
        for v in L.variants(fam.id, form, 50):
            assert v.mistakes, f"{v.key} lists no mistakes"
            for what, response in v.mistakes:
                assert not v.check(response).correct, (v.key, what, response)
    for v in L.variants(fam.id, "write", 10):
        for what, response in v.mistakes:
            assert not v.check(response).correct, (v.key, what, response)


def test_value_mistakes_are_run_on_the_variant():
    """A transposed-output mistake is listed with the number the transposed result has there."""
    fam = next(f for f in FAMILIES if f.id == "einsum.batched_matmul")
    for seed in range(10):
        v = fam.variant(seed=seed, form="value")
        p = v.params
        ops = [np.asarray(x) for x in p["values"]]
        lhs, rhs = p["expr"].split("->")
        swapped = np.einsum(f"{lhs}->{rhs[0]}{rhs[2]}{rhs[1]}", *ops)
        listed = dict(v.mistakes)
        what = next((w for w in listed if w.startswith("transposed output")), None)
        assert p["mode"] == "entry", v.key
        ix = tuple(p["index"])
        if all(i < n for i, n in zip(ix, swapped.shape)):
            assert what and int(listed[what]) == int(swapped[ix]) != v.answer, (v.key, v.mistakes)
        else:  # the transposed result has no such entry: that mistake cannot answer this card
            assert what is None, v.key


def _canonical(text):
    mapping = {}
    return "".join(mapping.setdefault(c, string.ascii_lowercase[len(mapping)]) if c.isalpha() else c
                   for c in text)


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.id)
def test_no_answer_dominates(fam):
    for form in fam.forms:
        answers = [v.answer_text for v in L.variants(fam.id, form, 100)]
        if form == "write":
            answers = [_canonical(a) for a in answers]
        counts = sorted(((answers.count(a), a) for a in set(answers)), reverse=True)
        limit = 0.25 if len(counts) >= 4 else 1.5 / len(counts)
        assert counts[0][0] / 100 <= limit, (fam.id, form, counts[:3])


# ----------------------------------------------------------------------------- the write form states the task


def test_write_examples_fix_the_answer_by_their_values():
    """A write card's worked example gives every axis one size (matching sizes reads nothing), its
    printed result is the answer's on the printed inputs (np.einsum, independently), and no other
    case of the family gives that result on them: the values, not a remembered layout, decide."""
    from exercises.einsum._write import EXAMPLE_SIZE, write_cases

    for fam in FAMILIES:
        if fam.id == "einsum.implicit":  # no task story: its own write form
            continue
        spec = importlib.import_module(f"exercises.{fam.id}").SPEC
        for seed in range(3):
            v = fam.variant(seed=seed, form="write")
            ex = {t: np.asarray(x, dtype=np.int64) for t, x in v.params["example"].items()}
            assert all(d == EXAMPLE_SIZE for x in ex.values() for d in x.shape), v.key
            assert not re.search(r"shapes? (below|fix|allow|require)", v.prompt), v.key
            names = [o["name"] for o in v.params["operands"]]
            result = np.einsum(v.answer, *[ex[t] for t in names])
            printed = re.search(r"^result = (.*)", v.code, re.M | re.S).group(1)
            assert re.sub(r"\s", "", printed) == re.sub(r"\s", "", str(result.tolist())), v.key
            roles = [names[p] for p in v.params["case"]["roles"]]
            for c in write_cases(spec):
                terms, out = c.expr.split("->")
                order = c.order or tuple(range(len(terms.split(","))))
                if max(order) >= len(roles) or len(order) != len(names):
                    continue
                try:
                    other = np.einsum(c.expr, *[ex[roles[r]] for r in order])
                except ValueError:
                    continue
                if other.shape == result.shape and np.array_equal(other, result):
                    shapes = {t: tuple(o["shape"]) for t, o in zip(names, v.params["operands"])}
                    rng = np.random.default_rng(0)
                    ops = {t: rng.standard_normal(s) for t, s in shapes.items()}
                    same = np.einsum(c.expr, *[ops[roles[r]] for r in order])  # the same operation?
                    assert np.allclose(same, np.einsum(v.answer, *[ops[t] for t in names])), (v.key, c.expr)


def test_input_lookup_recognises_a_card_that_prints_sizes_only():
    """Planted: cards printing their inputs as sizes only, whose answer follows from the inputs'
    ranks (rank 2: transposed, rank 3: reversed). The stranger's input lookup answers all of them."""
    from exercises.checking import EinsumCheck
    from exercises.solvers import measure

    def card(seed):
        rank = 2 + seed % 2
        answer = "ab->ba" if rank == 2 else "abc->cba"
        shape = (2,) * rank
        return Variant(family="einsum.planted", form="write", seed=seed, params={}, answer=answer, answer_text=answer,
                       prompt=f"Reorder `x`.\n\nInputs:\n- `x`: shape {shape}\n\nComplete `torch.einsum(\"…\", x)`.",
                       code=f"x = {np.zeros(shape, int).tolist()}\nresult = {np.zeros(shape, int).tolist()}",
                       checker=EinsumCheck(answer, ((3, 4, 5)[:rank],), operands=("x",)))

    m = measure([card(s) for s in range(10)], 10)
    assert m.rates["input lookup"] == 1.0 and m.rates["top structure"] == pytest.approx(0.5)
