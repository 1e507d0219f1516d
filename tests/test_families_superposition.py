"""The superposition families: every answer recomputed independently (numpy formulas written
here, or a simulation of generate_batch), the checks, the code specs, and the one trained run.

The trained families share a single cached training run; it lives in the session's temporary
CARDGEN_CACHE (tests/conftest.py), or in this module's own temporary cache when run without it.
"""
from __future__ import annotations

import ast
import collections
import itertools
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from exercises import FORMS, all_families, get_family

TRAINED = ("superposition.trained_count", "superposition.trained_which", "superposition.trained_antipodal")
IMAGES = ("superposition.gram_image", "superposition.geometry_image")
EXPECTED_IDS = {
    "superposition.shapes", "superposition.expected_present", "superposition.all_zero_prob",
    "superposition.forward", "superposition.loss", "superposition.cosine_decay_lr",
    "superposition.linear_lr", "superposition.interference", "superposition.dimensionality",
    "superposition.dims_per_feature", *IMAGES, *TRAINED,
}
SEEDS = range(20)  # plain families
IMAGE_SEEDS = range(8)  # families that render a PNG per variant (rendering dominates the time)
TRAINED_SEEDS = range(8)
TWICE = range(3)  # image/trained seeds also drawn a second time for the determinism check


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    """A temporary CARDGEN_CACHE: the session's when tests/conftest.py set one, else our own."""
    old = os.environ.get("CARDGEN_CACHE")
    if not old:
        os.environ["CARDGEN_CACHE"] = str(tmp_path_factory.mktemp("superposition-cache"))
    yield Path(os.environ["CARDGEN_CACHE"])
    if not old:
        os.environ.pop("CARDGEN_CACHE", None)


_memo: dict = {}


def draw(fid: str, seed: int, form: str | None = None):
    """Variants are drawn once per test session and shared by the tests below."""
    fam = get_family(fid)
    key = (fid, seed, form or fam.forms[0])
    if key not in _memo:
        _memo[key] = fam.variant(seed=seed, form=key[2])
    return _memo[key]


def relu(x):
    return np.maximum(x, 0.0)


def np_forward(W, b, x):
    """ReLU(W^T W x + b) per instance, in numpy: W [i, f, h], b [i, f], x [..., i, f]."""
    W, b, x = (np.asarray(a, dtype=float) for a in (W, b, x))
    hidden = np.einsum("...if,ifh->...ih", x, W)
    return relu(np.einsum("...ih,ifh->...if", hidden, W) + b)


def np_projections(W, i):
    W = np.asarray(W, dtype=float)
    unit = W[i] / np.linalg.norm(W[i])
    return W @ unit  # \hat W_i . W_j for every j


def cosines(W):
    W = np.asarray(W, dtype=float)
    n = np.linalg.norm(W, axis=1)
    return (W @ W.T) / np.maximum(np.outer(n, n), 1e-12), n


# ------------------------------------------------------------------ independent answers


def r_shapes(v):
    p = v.params
    F, H, I, B = p["n_features"], p["n_hidden"], p["n_instances"], p["n_batch"]
    exp = {"W": (I, F, H), "b_final": (I, F), "batch": (B, I, F), "hidden": (B, I, H), "out": (B, I, F)}
    assert tuple(v.answer) == exp[p["target"]]
    assert len({F, H, I, B}) == 4 or p["n_batch"] >= 32  # distinct sizes (bar the round batch sizes)


def r_expected_present(v):
    p = v.params
    assert v.answer == pytest.approx(p["n_batch"] * p["n_instances"] * p["n_features"] * p["feature_probability"], abs=1e-9)


def r_all_zero_prob(v):
    p = v.params
    assert v.answer == pytest.approx((1 - p["feature_probability"][p["instance"]]) ** p["n_features"], abs=1e-9)


def r_forward(v):
    p = v.params
    W, b, x = (np.asarray(p[k], dtype=float) for k in ("W", "b_final", "x"))
    out = np_forward(W, b, x)
    exp = out[0, 0].tolist() if p["target"] == "all" else out[0, 0, p["target"]]
    assert np.allclose(v.answer, exp, atol=1e-6)
    gram_x = np.einsum("...ih,ifh->...if", np.einsum("...if,ifh->...ih", x, W), W)
    assert not np.allclose(out, gram_x + b), "the ReLU must matter"
    assert not np.allclose(out, relu(gram_x)), "b_final must matter"
    assert not np.allclose(out, relu(gram_x) + b), "the bias must go inside the ReLU"
    assert (b != 0).all()


def r_loss(v):
    p = v.params
    batch, out, imp = (np.asarray(p[k], dtype=float) for k in ("batch", "out", "importance"))
    assert np.allclose(np_forward(p["W"], p["b_final"], batch), out)  # `out` really is model(batch)
    err = np.asarray([imp]) * (np.abs(batch) - out) ** 2
    assert v.answer == pytest.approx(err.mean(axis=(0, 2)).sum(), abs=1e-9)


def r_cosine(v):
    p = v.params
    scale = math.cos(0.5 * math.pi * p["step"] / (p["steps"] - 1))
    assert v.answer == pytest.approx(scale * (p["lr"] or 1), abs=1e-9)


def r_linear(v):
    p = v.params
    scale = 1 - p["step"] / p["steps"] if p["schedule"] == "linear_lr" else 1.0
    assert v.answer == pytest.approx(scale * (p["lr"] or 1), abs=1e-12)


def r_interference(v):
    i, W = v.params["feature"], v.params["W"]
    proj = np_projections(W, i)
    assert v.answer == pytest.approx(float(np.sum(np.delete(proj, i) ** 2)), abs=1e-5)


def r_dimensionality(v):
    i, W = v.params["feature"], np.asarray(v.params["W"], dtype=float)
    proj = np_projections(W, i)
    assert v.answer == pytest.approx(float(W[i] @ W[i] / np.sum(proj**2)), abs=1e-5)


def r_dims_per_feature(v):
    W = np.asarray(v.params["W"], dtype=float)
    assert v.answer == pytest.approx(W.shape[1] / float(np.sum(W**2)), abs=1e-6)


def r_gram_image(v):
    W = np.asarray(v.params["W"], dtype=float)
    G = W @ W.T
    if v.params["kind"] == "negative":
        off = sorted((G[i, j], (i, j)) for i, j in itertools.combinations(range(len(W)), 2))
        assert v.answer == list(off[0][1])
        assert off[1][0] - off[0][0] >= 0.5 - 1e-9  # clear-cut
    else:
        norms = np.sqrt(np.diag(G))
        assert v.answer == [i for i, n in enumerate(norms) if n < 0.5]
        assert all(n <= 0.2 + 1e-9 or n >= 0.8 - 1e-9 for n in norms)  # no norm near the threshold


def r_geometry_image(v):
    cos, n = cosines(v.params["W"])
    rep = [i for i in range(len(n)) if n[i] > 0.5]
    assert all(x <= 0.15 or x >= 0.85 for x in n)
    if v.params["kind"] == "antipode":
        i = v.params["feature"]
        assert v.answer == [j for j in rep if j != i and i in rep and cos[i, j] < -0.9]
        # every other pair of represented features is far from antipodal
        for a, b in itertools.combinations(rep, 2):
            if {a, b} != {i, v.answer[0]}:
                assert cos[a, b] >= -0.5 - 1e-3  # at most 120° apart (coordinates are rounded)
    else:
        assert v.answer == len(rep)


RECOMPUTE = {
    "superposition.shapes": r_shapes,
    "superposition.expected_present": r_expected_present,
    "superposition.all_zero_prob": r_all_zero_prob,
    "superposition.forward": r_forward,
    "superposition.loss": r_loss,
    "superposition.cosine_decay_lr": r_cosine,
    "superposition.linear_lr": r_linear,
    "superposition.interference": r_interference,
    "superposition.dimensionality": r_dimensionality,
    "superposition.dims_per_feature": r_dims_per_feature,
    "superposition.gram_image": r_gram_image,
    "superposition.geometry_image": r_geometry_image,
}
PLAIN = sorted(RECOMPUTE)


# ------------------------------------------------------------------ registry and contract


def test_registry_has_the_superposition_families():
    fams = all_families("superposition")
    ids = {f.id for f in fams}
    assert len(fams) >= 10
    assert EXPECTED_IDS <= ids
    for f in fams:
        assert f.title and f.summary and 1 <= f.difficulty <= 3
        assert f.forms and set(f.forms) <= set(FORMS)
    assert get_family("superposition.forward").code_spec.function == "forward"
    assert get_family("superposition.cosine_decay_lr").code_spec.function == "cosine_decay_lr"


def test_family_modules_import_light():
    # every module but _notebook_trainer: the notebook's own training code, kept as the notebook
    # wrote it (module-level torch imports included) to serve as an independent trainer
    code = (
        "import sys, pkgutil, importlib, exercises.superposition as p\n"
        "for m in pkgutil.iter_modules(p.__path__):\n"
        "    if m.name != '_notebook_trainer': importlib.import_module('exercises.superposition.' + m.name)\n"
        "heavy = [k for k in ('torch', 'superpos_core', 'matplotlib', 'einops', 'numpy') if k in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def _judge(v):
    assert v.prompt.strip() and v.answer_text.strip() and v.explanation.strip()
    assert len(v.hints) >= 2
    ok = v.check(v.answer_text)
    assert ok.correct, f"{v.key}: own answer {v.answer_text!r} rejected: {ok.reason}"
    assert v.alternatives, f"{v.key} has no alternative spelling"
    for alt in v.alternatives:
        assert v.check(alt).correct, f"{v.key}: alternative {alt!r} rejected"
    assert v.distractors, f"{v.key} has no distractor"
    for wrong in v.distractors:
        verdict = v.check(wrong)
        assert not verdict.correct and verdict.reason, f"{v.key}: distractor {wrong!r} accepted"
    assert v.to_dict()["answer"] == v.answer


@pytest.mark.parametrize("fid", PLAIN)
def test_answers_match_an_independent_recomputation(fid):
    fam = get_family(fid)
    seeds = IMAGE_SEEDS if fid in IMAGES else SEEDS
    seen = set()
    forms = [f for f in fam.forms if f in ("value", "read", "shape")]  # others are tested where they are made
    for form in forms:
        for seed in seeds:
            v = draw(fid, seed, form)
            _judge(v)
            RECOMPUTE[fid](v)
            seen.add((v.prompt, v.code))
            if seed in TWICE or fid not in IMAGES:
                again = fam.variant(seed=seed, form=form)
                assert again.to_dict() == v.to_dict()
                if v.image is not None:
                    assert again.image == v.image
            if fid in IMAGES:
                assert v.image is not None and v.image.data[:8] == b"\x89PNG\r\n\x1a\n"
                assert v.image.name.startswith("cardgen-") and "/" not in v.image.name
    assert len(seen) >= 0.6 * len(seeds) * len(forms), f"{fid}: variants barely differ"


def test_image_names_follow_the_content():
    names = {draw(fid, s).image.name for fid in IMAGES for s in IMAGE_SEEDS}
    datas = {draw(fid, s).image.data for fid in IMAGES for s in IMAGE_SEEDS}
    assert len(names) == len(datas) >= 12


# ------------------------------------------------------------------ simulations of sparsity


def _simulated_model(n_features, probs, seed):
    import torch
    from superpos_core import Config, Model

    return Model(
        Config(n_features=n_features, n_hidden=2, n_instances=len(probs)),
        feature_probability=torch.tensor(probs, dtype=torch.float64)[:, None],
        device="cpu",
        seed=seed,
    )


@pytest.mark.parametrize("seed", range(4))
def test_expected_present_matches_simulation(seed):
    v = draw("superposition.expected_present", seed)
    p = v.params
    model = _simulated_model(p["n_features"], [p["feature_probability"]] * p["n_instances"], seed)
    reps = max(1, 400_000 // (p["n_batch"] * p["n_instances"] * p["n_features"]))
    counts = [int((model.generate_batch(p["n_batch"]) != 0).sum()) for _ in range(reps)]
    mean = sum(counts) / reps
    q = p["feature_probability"]
    sd = math.sqrt(p["n_batch"] * p["n_instances"] * p["n_features"] * q * (1 - q) / reps)
    assert abs(mean - v.answer) <= 6 * sd + 1e-9, (mean, v.answer, sd)


@pytest.mark.parametrize("seed", range(4))
def test_all_zero_prob_matches_simulation(seed):
    v = draw("superposition.all_zero_prob", seed)
    p = v.params
    model = _simulated_model(p["n_features"], p["feature_probability"], seed)
    n = 100_000
    rows = model.generate_batch(n)[:, p["instance"], :]
    freq = float((rows == 0).all(dim=-1).double().mean())
    sd = math.sqrt(v.answer * (1 - v.answer) / n)
    assert abs(freq - v.answer) <= 6 * sd + 1e-9, (freq, v.answer, sd)


def test_all_zero_prob_tolerance_is_relative_for_tiny_probabilities():
    """0.25^5 is about 0.00098: an absolute 1e-3 tolerance used to accept "0" for it."""
    fam = get_family("superposition.all_zero_prob")
    tiny = [v for v in (fam.variant(seed=s) for s in range(40)) if v.answer < 0.01]
    assert tiny, "expected a variant with a probability below 0.01"
    for v in tiny:
        assert not v.check("0").correct, f"{v.key}: 0 accepted for {v.answer}"
        assert not v.check(format(v.answer * 1.05, ".6g")).correct, f"{v.key}: 5% off accepted"
        assert v.check(format(v.answer, ".3g")).correct, f"{v.key}: 3 significant digits rejected"


def test_count_explanation_does_not_invent_collapsed_arrows():
    v = draw("superposition.geometry_image", 9)  # a count question where every arrow is long
    assert v.params["kind"] == "count" and v.answer == len(v.params["W"]) == 5
    assert "the others" not in v.explanation and "none is (nearly) zero" in v.explanation


# ------------------------------------------------------------------ distractor reasons


def test_forward_distractors_name_real_mistakes():
    import torch

    from exercises.superposition.forward import bias_after_relu, no_bias, no_relu

    for seed in SEEDS:
        v = draw("superposition.forward", seed)
        p = v.params
        args = (torch.tensor(p["W"]), torch.tensor(p["b_final"]), torch.tensor(p["x"]))
        slips = []
        for mistake in (no_relu, no_bias, bias_after_relu):
            w = mistake(*args)[0, 0].tolist()
            w = w if p["target"] == "all" else w[p["target"]]
            if not np.allclose(w, v.answer, atol=1e-3):
                slips.append(w)
                assert not v.check(str(w)).correct, f"{v.key}: slip {w} accepted"
        assert slips, f"{v.key}: no classic slip changes the answer"
        assert any(np.allclose(np.asarray(ast.literal_eval(d)), w) for d in v.distractors for w in slips)


def test_pairs_check_spellings():
    from exercises.superposition._pairs import PairsCheck

    c = PairsCheck(frozenset({(0, 3), (1, 2)}))
    for ok in ("(0, 3), (1, 2)", "[[2, 1], [3, 0]]", "0-3, 1-2", "1&2 0&3", "(3,0);(2,1)"):
        assert c.check(ok).correct, ok
    for bad in ("none", "(0, 1), (2, 3)", "(0, 3)", "0, 3, 1", "zero and three"):
        verdict = c.check(bad)
        assert not verdict.correct and verdict.reason, bad
    empty = PairsCheck(frozenset())
    assert empty.check("none").correct and empty.check("[]").correct
    assert not empty.check("(0, 1)").correct


# ------------------------------------------------------------------ code specs


def _cases(spec, n=None):
    rng = random.Random(0)
    return [spec.make_inputs(rng, case) for case in range(n or spec.n_cases)]


def test_forward_code_spec_matches_numpy_and_catches_mistakes():
    import torch

    spec = get_family("superposition.forward").code_spec
    assert spec.signature.startswith("def forward(W") and "b_final" in spec.signature and "features" in spec.signature
    cases = _cases(spec)
    shapes = set()
    for inputs in cases:
        W, b, x = inputs["W"], inputs["b_final"], inputs["features"]
        I, F, H = W.shape
        assert b.shape == (I, F) and x.shape[1:] == (I, F) and x.ndim == 3
        shapes.add((x.shape[0], I, F, H))
        ref = spec.reference(**inputs)
        assert isinstance(ref, torch.Tensor) and ref.shape == x.shape
        assert np.allclose(ref.numpy(), np_forward(W.numpy(), b.numpy(), x.numpy()), atol=1e-5)
        pre = np.einsum("bih,ifh->bif", np.einsum("bif,ifh->bih", x.numpy(), W.numpy()), W.numpy()) + b.numpy()
        assert (pre < 0).any() and (pre > 0).any(), "the ReLU must matter"
        assert (b != 0).all(), "b_final must matter"
    assert any(B == 1 and I == 1 for B, I, F, H in shapes)
    assert any(F == H for B, I, F, H in shapes)
    assert any(len({B, I, F, H}) == 4 for B, I, F, H in shapes)
    for m in spec.mistakes:
        assert m.message
        differs = 0
        for inputs in cases:
            try:
                got = m.fn(**inputs)
            except ValueError:  # only the transposition mistake, only when features != hidden
                assert m.name == "w_not_transposed" and inputs["W"].shape[1] != inputs["W"].shape[2]
                continue
            if not torch.allclose(got, spec.reference(**inputs), atol=spec.atol, rtol=spec.rtol):
                differs += 1
        assert differs >= 2, f"mistake {m.name} is indistinguishable from the reference"
    names = {m.name for m in spec.mistakes}
    assert {"no_relu", "no_bias", "bias_after_relu", "w_not_transposed"} <= names
    assert next(m for m in spec.mistakes if m.name == "no_relu").message == "Did you forget the ReLU?"
    assert next(m for m in spec.mistakes if m.name == "no_bias").message == "Did you forget b_final?"


def test_cosine_code_spec_matches_math_and_catches_mistakes():
    spec = get_family("superposition.cosine_decay_lr").code_spec
    cases = _cases(spec)
    assert any(c["step"] == 0 for c in cases) and any(c["step"] == c["steps"] - 1 for c in cases)
    assert len({c["steps"] for c in cases}) >= 6
    for c in cases:
        got = spec.reference(**c)
        assert isinstance(got, float)
        assert got == pytest.approx(math.cos(0.5 * math.pi * c["step"] / (c["steps"] - 1)), abs=1e-12)
    assert {m.name for m in spec.mistakes} == {"divide_by_steps", "missing_half", "linear"}
    for m in spec.mistakes:
        differs = [c for c in cases if abs(m.fn(**c) - spec.reference(**c)) > spec.atol + spec.rtol]
        assert len(differs) >= 2, m.name


# ------------------------------------------------------------------ mistakes, precision, spread

VALUE = (
    "superposition.expected_present", "superposition.all_zero_prob", "superposition.forward",
    "superposition.loss", "superposition.cosine_decay_lr", "superposition.linear_lr",
    "superposition.interference", "superposition.dimensionality", "superposition.dims_per_feature",
    "superposition.shapes",
)
MISTAKE_SEEDS = range(50)
SPREAD_SEEDS = range(100)


@pytest.mark.parametrize("fid", VALUE)
def test_every_classic_mistake_is_listed_and_rejected(fid):
    """Item 2: each value family runs its classic mistakes on the variant; the check rejects
    every one (the family redraws until it does)."""
    for seed in MISTAKE_SEEDS:
        v = draw(fid, seed)
        assert len(v.mistakes) >= 2, f"{v.key}: too few mistakes listed"
        for what, response in v.mistakes:
            verdict = v.check(response)
            assert not verdict.correct, f"{v.key}: mistake {what!r} ({response}) accepted"
            assert not verdict.unreadable, f"{v.key}: mistake {what!r} ({response}) unreadable"


def test_forward_mistakes_are_the_classic_slips_run_on_the_variant():
    import torch

    from exercises.superposition import forward as fw

    for seed in MISTAKE_SEEDS:
        v = draw("superposition.forward", seed)
        p = v.params
        W, b, x = (np.asarray(p[k], dtype=float) for k in ("W", "b_final", "x"))
        listed = dict(v.mistakes)
        gram_x = np.einsum("...ih,ifh->...if", np.einsum("...if,ifh->...ih", x, W), W)
        expected = {
            "forgot the ReLU": gram_x + b,
            "forgot b_final": relu(gram_x),
            "added b_final after the ReLU": relu(gram_x) + b,
            "kept only each feature's own term (no interference)": relu((W**2).sum(-1) * x + b),
            "skipped W: ReLU(x + b_final)": relu(x + b),
            "ignored the input: ReLU(b_final)": relu(np.broadcast_to(b, x.shape)),
        }
        square = W.shape[1] == W.shape[2]
        if square:  # W^T W instead of W W^T (in the model's [features, hidden] layout)
            Wt = W.transpose(0, 2, 1)
            expected["used W W^T the wrong way round (W not transposed)"] = relu(
                np.einsum("...ih,ifh->...if", np.einsum("...if,ifh->...ih", x, Wt), Wt) + b)
        assert set(listed) == set(expected), v.key
        for what, out in expected.items():
            assert np.allclose(ast.literal_eval(listed[what]), out[0, 0], atol=1e-9), (v.key, what)
        hidden = np.einsum("...if,ifh->...ih", x, W)
        assert np.abs(hidden).sum() > 0, f"{v.key}: the hidden vector is zero"
        out = np_forward(W, b, x)[0, 0]
        assert (out > 0).any() and ((gram_x + b)[0, 0] < 0).any(), f"{v.key}: the ReLU must clip an entry"
    shapes = {tuple(np.asarray(draw("superposition.forward", s).params["W"]).shape[1:]) for s in MISTAKE_SEEDS}
    assert (2, 2) in shapes and len(shapes) >= 3
    assert torch.is_tensor(fw.no_interference(torch.ones(1, 2, 1), torch.zeros(1, 2), torch.ones(1, 1, 2)))


@pytest.mark.parametrize("fid", VALUE)
def test_value_cards_state_the_precision_they_judge_by(fid):
    for seed in range(20):
        v = draw(fid, seed)
        p = getattr(v.checker, "precision", None)
        if fid == "superposition.shapes":
            continue
        assert p is not None, f"{v.key}: no precision"
        assert p.text in v.prompt, f"{v.key}: the prompt does not say {p.text!r}"
        assert v.check(v.answer_text).correct


def _canonical(v) -> str:
    p = getattr(v.checker, "precision", None)
    if p is not None and isinstance(v.answer, (int, float)):
        return p.format(v.answer)
    return v.answer_text


def _assert_spread(fid: str, answers: list[str]) -> None:
    counts = collections.Counter(answers)
    top, n = counts.most_common(1)[0]
    limit = 0.25 if len(counts) >= 4 else 1.5 / len(counts)
    assert n <= limit * len(answers), f"{fid}: {top!r} is the answer in {n} of {len(answers)} seeds"


@pytest.mark.parametrize("fid", VALUE)
def test_no_near_constant_value_answers(fid):
    _assert_spread(fid, [_canonical(draw(fid, s)) for s in SPREAD_SEEDS])


@pytest.mark.slow
@pytest.mark.parametrize("fid", IMAGES)
def test_no_near_constant_image_answers(fid):
    _assert_spread(fid, [_canonical(draw(fid, s)) for s in SPREAD_SEEDS])


def test_forward_answer_needs_w_and_is_rarely_zero():
    answers = [draw("superposition.forward", s) for s in SPREAD_SEEDS]
    assert sum(all(x == 0 for x in v.answer) for v in answers) == 0
    assert all(v.params["target"] == "all" for v in answers)


# ------------------------------------------------------------------ the trained run


@pytest.fixture(scope="module")
def trained(cache):
    from exercises.superposition import _trained as T

    start = time.perf_counter()
    run = T.trained_run()
    first = time.perf_counter() - start
    return T, run, first


def _np_pairs(W):
    cos, n = cosines(W)
    rep = [i for i in range(len(n)) if n[i] > 0.5]
    return [(a, b) for a, b in itertools.combinations(rep, 2) if cos[a, b] < -0.9]


def _np_answer(fid, quantity, W):
    norms = np.linalg.norm(np.asarray(W, dtype=float), axis=1)
    rep = [i for i in range(len(norms)) if norms[i] > 0.5]
    if fid == "superposition.trained_count":
        return len(rep) if quantity == "represented" else len(norms) - len(rep)
    if fid == "superposition.trained_which":
        return rep if quantity == "represented" else [i for i in range(len(norms)) if i not in rep]
    pairs = _np_pairs(W)
    if quantity == "pairs":
        return [list(p) for p in pairs]
    i = int(quantity.rsplit(" ", 1)[1])  # "partner of i"
    return sorted(b if a == i else a for a, b in pairs if i in (a, b))


@pytest.mark.slow
def test_trained_variants_come_from_one_cached_run(trained, cache):
    T, run, first = trained
    instances = set()
    for fid in TRAINED:
        for seed in TRAINED_SEEDS:
            v = draw(fid, seed)
            _judge(v)
            k, s = v.params["instance"], v.params["setting"]
            instances.add(k)
            assert k in T.instances_of(s)
            assert v.params["training"] == T.run_key()
            W = np.asarray(run["W"][k], dtype=float)
            norms = np.linalg.norm(W, axis=1)
            assert all(abs(x - 0.5) >= T.NORM_MARGIN for x in norms), "knife-edge run asked about"
            assert v.answer == _np_answer(fid, v.params["quantity"], W)
            if fid == "superposition.trained_antipodal":
                cos, _ = cosines(W)
                rep = [i for i in range(len(norms)) if norms[i] > 0.5]
                assert all(not (-0.985 <= cos[a, b] <= -0.85) for a, b in itertools.combinations(rep, 2))
            assert v.image is not None and v.image.name.startswith("cardgen-tms-geometry-")
            if seed in TWICE:
                again = get_family(fid).variant(seed=seed)
                assert again.to_dict() == v.to_dict() and again.image == v.image
    assert len(instances) >= 12, "variants should spread over the grid"
    from exercises.cache import cache_key

    entries = list((cache / T.NAMESPACE).glob("*.json"))
    assert sorted(e.stem for e in entries) == sorted(cache_key(T.NAMESPACE, T.payload(w))
                                                     for w in ("main", "check", "independent")), (
        f"expected the main, the check and the independent run, found {entries}")


def _module(fid):
    import importlib

    return importlib.import_module("exercises." + fid)


@pytest.mark.slow
@pytest.mark.parametrize("fid", TRAINED)
def test_trained_cards_ask_what_all_runs_agree_on_or_about_the_run_shown(trained, fid):
    """Item 3: a question about the setting is one every run answers alike (recomputed here
    with numpy on every run's W); one where the runs disagree is asked about the run shown."""
    T, run, first = trained
    mod = _module(fid)
    qs = T.questions(mod.QUANTITIES, antipodal=fid.endswith("antipodal"))
    picked = [T.pick(qs, seed, fid) for seed in SPREAD_SEEDS]
    assert len({(q.setting, q.quantity) for q in picked}) >= 30, "too few distinct questions"
    _assert_spread(fid, [repr(q.answer) for q in picked])
    check = T.check_run()

    def clear_answer(W):  # None inside the margins (norm within 0.1 of 0.5; antipodal band)
        W = np.asarray(W, dtype=float)
        norms = np.linalg.norm(W, axis=1)
        if any(abs(x - 0.5) < T.NORM_MARGIN for x in norms):
            return None
        if fid.endswith("antipodal"):
            cos, _ = cosines(W)
            rep = [i for i in range(len(norms)) if norms[i] > 0.5]
            if any(-0.985 <= cos[a, b] <= -0.85 for a, b in itertools.combinations(rep, 2)):
                return None
        return repr(_np_answer(fid, q.quantity, W))

    for q in set(picked):
        if q.scope == "all":  # 9 of the 10 main seeds and all 3 check seeds, each clear of the margins
            main = [clear_answer(run["W"][k]) for k in T.instances_of(q.setting)]
            ck = [clear_answer(check["W"][q.setting * 3 + r]) for r in range(3)]
            want = repr(_np_answer(fid, q.quantity, run["W"][q.runs[0]]))
            assert sum(a == want for a in main) >= 9 and all(a == want for a in ck), (fid, q, main, ck)
        else:
            assert q.runs[0] in T.instances_of(q.setting) and len(q.runs) == 1
        if q.quantity.startswith("partner of "):  # asked only where that feature is represented
            i = int(q.quantity.rsplit(" ", 1)[1])
            assert all(np.linalg.norm(run["W"][k][i]) > 0.5 for k in q.runs), q
    # the variants of one note (seeds 0..7) all differ
    seen = [(v.prompt, v.image.name, v.answer_text) for v in (draw(fid, s) for s in TRAINED_SEEDS)]
    assert len(set(seen)) == len(seen), f"{fid}: two variants of the note are alike"


@pytest.mark.slow
@pytest.mark.parametrize("fid", TRAINED)
def test_trained_explanations_agree_with_the_answer(trained, fid):
    T, run, first = trained
    for seed in TRAINED_SEEDS:
        v = draw(fid, seed)
        if v.params["scope"] == "all":
            assert "of 10 runs give this answer" in v.explanation and "At this setting" in v.prompt, v.key
        else:
            assert "In this run" in v.prompt, v.key
        if fid == "superposition.trained_which" and "importance decides" in v.explanation.lower():
            kept = v.answer if v.params["quantity"] == "represented" else [
                i for i in range(T.N_FEATURES) if i not in v.answer]
            assert kept == list(range(len(kept))), f"{v.key}: explanation credits importance wrongly"
    if fid == "superposition.trained_count":  # every feature kept: no invented collapsed arrows
        mod = _module(fid)
        qs = T.questions(mod.QUANTITIES)
        def all_kept(seed):
            q = T.pick(qs, seed, fid)
            return q.quantity == "represented" and q.answer == 5

        seed = next(s for s in range(200) if all_kept(s))
        v = get_family(fid).variant(seed=seed)
        assert v.answer == 5 and "the rest" not in v.explanation and "5 above 0.5, none below" in v.explanation, \
            v.explanation


@pytest.mark.slow
def test_antipodal_format_hint_is_no_answer(trained):
    import re

    for seed in TRAINED_SEEDS:
        v = draw("superposition.trained_antipodal", seed)
        assert not re.search(r"\(\d+, \d+\)", v.prompt), v.key
        if v.params["quantity"] == "pairs":
            assert "(a, b)" in v.prompt, v.key
    T, run, first = trained
    mod = _module("superposition.trained_antipodal")
    qs = T.questions(mod.QUANTITIES, antipodal=True)
    nones = sum(not T.pick(qs, s, "superposition.trained_antipodal").answer for s in SPREAD_SEEDS)
    assert nones <= 25, f"none is the answer in {nones} of 100 seeds"


@pytest.mark.slow
def test_trained_run_shows_the_papers_picture(trained):
    T, run, first = trained
    grid = T.grid()
    n = len(grid) * T.REPLICATES
    assert len(run["W"]) == n and np.asarray(run["W"]).shape == (n, T.N_FEATURES, T.N_HIDDEN)
    assert all(np.isfinite(run["losses"]))

    def runs(p, d):
        s = grid.index({"feature_probability": p, "importance_decay": d})
        return [np.linalg.norm(np.asarray(run["W"][k]), axis=1) for k in T.instances_of(s)]

    for d in T.DECAYS:  # 9 of the 10 runs at least: a run can stick in a local minimum
        top2 = [[i for i in range(T.N_FEATURES) if x[i] > 0.5] == [0, 1] for x in runs(1.0, d)]
        assert sum(top2) >= T.REPLICATES - 1, f"dense: only the top 2 features (decay {d}: {top2})"
        sparse = runs(min(T.PROBABILITIES), d)
        assert sum((x > 0.5).sum() >= 4 for x in sparse) >= 2 * T.REPLICATES // 3, "sparse: more features than dims"
    assert sum(bool(_np_pairs(W)) for W in run["W"]) >= 12, "antipodal pairs in the middle of the grid"
    s = grid.index({"feature_probability": min(T.PROBABILITIES), "importance_decay": max(T.DECAYS)})
    pentagons = [(np.linalg.norm(np.asarray(run["W"][k]), axis=1) > 0.5).all() and not _np_pairs(run["W"][k])
                 for k in T.instances_of(s)]
    # 6 of the 10 seeds at this budget (the 3-seed run had 3 of 3: the luck issue 20 is about)
    assert sum(pentagons) >= T.REPLICATES // 2, f"a pentagon in most runs: {pentagons}"


@pytest.mark.slow
def test_cached_run_is_instant_and_complete(trained):
    import superpos_core

    T, run, first = trained
    start = time.process_time()  # CPU, not wall: no training, whatever the machine's load
    again = T.trained_run()
    assert time.process_time() - start < 1.0
    assert again == run
    assert {"W", "b_final", "losses", "payload", "train_seconds"} <= set(run)
    assert run["payload"] == T.payload()
    assert T.THRESHOLD == superpos_core.REPRESENTED_THRESHOLD
    assert -T.ANTIPODAL_CLEAR < superpos_core.ANTIPODAL_COSINE < -T.AMBIGUOUS_BELOW
