"""The six families of issue 13's einsum/einops list, recomputed without the families' code.

einsum answers are recomputed with ``np.einsum`` and with the operation each case states in
plain numpy; the implicit-mode rule (letters used once, sorted) is re-derived here and checked
against numpy's own implicit mode. einops answers are recomputed by einops on numpy arrays and
by a direct numpy definition of each operation; ``einops.invalid`` runs every offered call
through einops and checks that exactly the one the card calls refused raises.
"""
from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np
import pytest

from exercises import get_family

SEEDS = range(25)
EINSUM = ("einsum.implicit", "einsum.elementwise", "einsum.chain")


def _ops(params, rng):
    by_name = {}
    for op in params["operands"]:
        by_name.setdefault(op["name"], rng.standard_normal(op["shape"]))
    return [by_name[op["name"]] for op in params["operands"]]


def _stated(params, ops):
    """The operation the card states, in numpy without einsum (the case's own text)."""
    numpy_text = params["case"]["numpy"]
    assert "einsum" not in numpy_text
    env = {f"t{r}": ops[pos] for r, pos in enumerate(params["case"]["roles"])}
    return eval(numpy_text, {"np": np}, env)


def _implicit_rule(expr: str) -> str:
    """einsum's implicit mode, re-derived: each letter used exactly once, in alphabetical order."""
    counts = Counter(c for c in expr if c.isalpha())
    return "".join(sorted(c for c, n in counts.items() if n == 1))


@pytest.mark.parametrize("fid", EINSUM)
@pytest.mark.parametrize("form", ("write", "shape", "value"))
def test_einsum_answers_recomputed(fid, form):
    rng = np.random.default_rng(0)
    fam = get_family(fid)
    for seed in SEEDS:
        v = fam.variant(seed=seed, form=form)
        p = v.params
        if form == "value":
            ops = [np.asarray(x, dtype=np.int64) for x in p["values"]]
        else:
            ops = _ops(p, rng)
        shown = p.get("implicit", p["expr"])  # what the card's code runs
        full = np.einsum(shown, *ops)
        np.testing.assert_allclose(full, _stated(p, ops), atol=1e-9, err_msg=v.key)
        np.testing.assert_allclose(full, np.einsum(p["expr"], *ops), atol=1e-9, err_msg=v.key)
        if form == "write":
            assert np.einsum(v.answer, *ops).shape == full.shape
            assert v.check(v.answer_text).correct
            letters = sorted({c for c in v.answer if c.isalpha()})
            pool = [c for c in string.ascii_lowercase[::-1] if c not in letters]
            renamed = v.answer.translate(str.maketrans(dict(zip(letters, pool))))
            assert v.check(renamed).correct, (v.key, renamed)
        elif form == "shape":
            assert list(full.shape) == v.answer, v.key
        elif p["mode"] == "full":
            assert np.array_equal(np.asarray(v.answer), full), v.key
        else:
            assert v.answer == full[tuple(p["index"] or ())], v.key
        for what, response in v.mistakes:
            assert not v.check(response).correct, (v.key, what, response)


def test_implicit_output_follows_the_alphabet_not_the_order_of_appearance():
    fam = get_family("einsum.implicit")
    rng = np.random.default_rng(1)
    differs = 0
    for seed in range(30):
        v = fam.variant(seed=seed, form="write")
        implicit = v.params["implicit"]
        assert "->" not in implicit and implicit in v.prompt
        assert v.answer == f"{implicit}->{_implicit_rule(implicit)}", v.key
        ops = _ops(v.params, rng)
        np.testing.assert_allclose(np.einsum(implicit, *ops), np.einsum(v.answer, *ops), atol=1e-9)
        # copying the implicit string is not what the card asks (no `->`), even though it runs
        assert not v.check(implicit).correct and "->" in v.check(implicit).reason
        # the letters used once, in their order of appearance: the classic misreading
        letters = [c for c in implicit if c.isalpha()]
        appearance = "".join(c for c in dict.fromkeys(letters) if letters.count(c) == 1)
        if appearance != _implicit_rule(implicit):
            differs += 1
            assert not v.check(f"{implicit}->{appearance}").correct, v.key
        # else: the write letters are drawn at random, so by chance (1 in 6 for three letters) the
        # alphabet agrees with the order of appearance; the copy then is the answer
    assert differs >= 0.7 * 30  # a copier of the order of appearance scores at most 30% (issue 18)


# --------------------------------------------------------------------------- einops


def _einops_run(p, arrays):
    import einops

    x = arrays[0]
    if p["op"] == "reduce":
        return einops.reduce(x, p["pattern"], p["reduction"], **p["lengths"])
    return getattr(einops, p["op"])(x, p["pattern"], **p["lengths"])


def _direct(pattern: str, reduction, x: np.ndarray, lengths: dict[str, int]) -> np.ndarray:
    """The operations of einops.ellipsis and einops.anonymous_axes, written directly in numpy
    (recognised from the pattern's shape, names renamed away)."""
    names: dict[str, str] = {}
    canon = re.sub(r"[A-Za-z_]\w*", lambda m: names.setdefault(m.group(0), "abcd"[len(names)]), pattern)
    canon = canon.replace("()", "1")
    red = {"mean": np.mean, "max": np.max, "sum": np.sum, None: None}[reduction]
    if canon == "... a b -> ... (a b)":
        return x.reshape(*x.shape[:-2], -1)
    if canon == "a ... b -> a b ...":
        return np.moveaxis(x, -1, 1)
    if canon == "a b ... -> a ... b":
        return np.moveaxis(x, 1, -1)
    if canon == "a b ... -> a b":
        return red(x.reshape(*x.shape[:2], -1), axis=-1)
    if canon == "... (a b) -> ... a b":
        (heads,) = lengths.values()
        return x.reshape(*x.shape[:-1], heads, x.shape[-1] // heads)
    if canon == "... a b -> ... b a":
        return np.swapaxes(x, -1, -2)
    if canon == "... a -> ...":
        return x.sum(-1)
    if canon == "... a -> a ...":
        return np.moveaxis(x, -1, 0)
    if canon == "a ... -> ... a":
        return np.moveaxis(x, 0, -1)
    if canon == "a ... -> ...":
        return red(x, axis=0)
    if canon == "... -> ... a":
        (copies,) = lengths.values()
        return np.repeat(x[..., None], copies, axis=-1)
    if "..." not in canon:
        return _anonymous(canon, red, x)
    raise AssertionError(f"no direct definition for {pattern!r}")


def _anonymous(canon: str, red, x: np.ndarray) -> np.ndarray:
    """einops.anonymous_axes in numpy: pairs reduced (``a (b 2) c``: neighbours, ``a (2 b) c``: half
    apart), one axis reduced keeping a unit axis, unit axes dropped or added, copies added."""
    lhs, rhs = canon.split(" -> ")
    m = re.fullmatch(r"(.*?)\((\w) (\w)\)(.*)", lhs)
    if m:
        k, shape = len(m.group(1).split()), x.shape
        if m.group(3) == "2":  # neighbouring entries paired
            return red(x.reshape(*shape[:k], -1, 2, *shape[k + 1:]), axis=k + 1)
        assert m.group(2) == "2", canon  # the first half paired with the second
        return red(x.reshape(*shape[:k], 2, -1, *shape[k + 1:]), axis=k)
    left, right = lhs.split(), rhs.split()
    if red is not None:  # one named axis reduced, a unit axis in its place
        (axis,) = [i for i, (a, b) in enumerate(zip(left, right)) if a != b and b == "1"]
        assert len(left) == len(right), canon
        return red(x, axis=axis, keepdims=True)
    core = x.reshape([d for t, d in zip(left, x.shape) if t != "1"])
    assert [t for t in right if not t.isdigit()] == [t for t in left if t != "1"], canon
    for i, t in enumerate(right):
        if t.isdigit():
            core = np.expand_dims(core, i)
            core = np.repeat(core, int(t), axis=i) if int(t) > 1 else core
    return core


@pytest.mark.parametrize("fid", ("einops.ellipsis", "einops.anonymous_axes"))
@pytest.mark.parametrize("form", ("write", "shape", "value"))
def test_einops_answers_recomputed(fid, form):
    fam = get_family(fid)
    rng = np.random.default_rng(2)
    for seed in SEEDS:
        v = fam.variant(seed=seed, form=form)
        p = v.params
        arrays = ([np.asarray(a, dtype=float) for a in p["values"]] if form == "value"
                  else [rng.standard_normal(s) for s in p["shapes"]])
        got = _einops_run(p, arrays)
        direct = _direct(p["pattern"], p["reduction"], arrays[0], p["lengths"])
        assert got.shape == direct.shape, v.key
        np.testing.assert_allclose(got, direct, atol=1e-9, err_msg=v.key)
        if form == "write":
            assert list(got.shape) == p["out_shape"] and v.check(v.answer_text).correct
        elif form == "shape":
            assert list(got.shape) == v.answer, v.key
        else:
            want = got if p["index"] is None else got[tuple(p["index"])]
            np.testing.assert_allclose(np.asarray(v.answer, dtype=float), want, atol=0.006, err_msg=v.key)
        for what, response in v.mistakes:
            assert not v.check(response).correct, (v.key, what, response)


def test_ellipsis_write_cards_refuse_a_pattern_that_names_every_axis():
    """Naming the axes of `...` fits the shape on the card only; the card asks for any number of them."""
    fam = get_family("einops.ellipsis")
    refused = 0
    for seed in range(20):
        v = fam.variant(seed=seed, form="write")
        lhs = v.answer.split("->")[0]
        n_named = len(re.findall(r"\([^()]*\)|[A-Za-z_]\w*", lhs))
        n_ell = len(v.params["shapes"][0]) - n_named
        spelled = " ".join(f"e{i}" for i in range(n_ell))
        explicit = v.answer.replace("...", spelled)
        assert v.check(v.answer).correct
        verdict = v.check(explicit)
        assert not verdict.correct and "..." in verdict.reason, (v.key, explicit)
        refused += 1
    assert refused == 20


def test_invalid_refused_call_is_the_one_einops_refuses():
    import einops

    fam = get_family("einops.invalid")
    letters, kinds = Counter(), Counter()
    for seed in range(100):
        v = fam.variant(seed=seed, form="read")
        p = v.params
        x = np.zeros(p["shape"])
        raised = []
        for i, call in enumerate(p["calls"]):
            try:
                if call["op"] == "reduce":
                    einops.reduce(x, call["pattern"], p["reduction"], **call["kwargs"])
                else:
                    getattr(einops, call["op"])(x, call["pattern"], **call["kwargs"])
            except einops.EinopsError:
                raised.append(i)
        assert raised == [p["refused"]], (v.key, raised, p["calls"])
        label = "ABCD"[p["refused"]]
        assert v.answer == label and v.check(label).correct and v.check(label.lower()).correct
        assert all(not v.check(o).correct for o in "ABCD" if o != label)
        assert {r for _, r in v.mistakes} == set("ABCD") - {label}
        assert p["calls"][p["refused"]]["pattern"] in v.code and p["error"] in v.explanation
        letters[label] += 1
        kinds[p["kind"]] += 1
    assert max(letters.values()) <= 25 and len(letters) == 4, letters
    assert len(kinds) == 8 and max(kinds.values()) <= 13, kinds
