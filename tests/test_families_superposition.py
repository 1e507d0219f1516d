"""The superposition families: every answer recomputed independently (numpy formulas written
here, or a simulation of generate_batch), the checks, the code specs, and the one trained run.

The trained families share a single cached training run; it lives in the session's temporary
CARDGEN_CACHE (tests/conftest.py), or in this module's own temporary cache when run without it.
"""
from __future__ import annotations

import ast
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
    code = (
        "import sys, pkgutil, importlib, exercises.superposition as p\n"
        "for m in pkgutil.iter_modules(p.__path__): importlib.import_module('exercises.superposition.' + m.name)\n"
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
    for form in fam.forms:
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
    assert len(seen) >= 0.6 * len(seeds) * len(fam.forms), f"{fid}: variants barely differ"


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
    v = draw("superposition.geometry_image", 17)  # a count question where every arrow is long
    assert v.params["kind"] == "count" and v.answer == len(v.params["W"])
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


@pytest.mark.slow
def test_trained_variants_come_from_one_cached_run(trained, cache):
    T, run, first = trained
    instances = set()
    for fid in TRAINED:
        for seed in TRAINED_SEEDS:
            v = draw(fid, seed)
            _judge(v)
            k = v.params["instance"]
            instances.add(k)
            assert v.params["training"] == T.run_key()
            W = np.asarray(run["W"][k], dtype=float)
            norms = np.linalg.norm(W, axis=1)
            assert all(abs(x - 0.5) >= T.NORM_MARGIN for x in norms), "knife-edge instance asked about"
            if fid == "superposition.trained_count":
                assert v.answer == int((norms > 0.5).sum())
            elif fid == "superposition.trained_which":
                assert v.answer == [i for i in range(len(norms)) if norms[i] > 0.5]
            else:
                assert v.answer == [list(p) for p in _np_pairs(W)]
                cos, _ = cosines(W)
                rep = [i for i in range(len(norms)) if norms[i] > 0.5]
                assert all(not (-0.985 <= cos[a, b] <= -0.85) for a, b in itertools.combinations(rep, 2))
            assert v.image is not None and v.image.name.startswith("cardgen-tms-geometry-")
            if seed in TWICE:
                again = get_family(fid).variant(seed=seed)
                assert again.to_dict() == v.to_dict() and again.image == v.image
    assert len(instances) >= 6, "variants should spread over the grid"
    entries = list((cache / T.NAMESPACE).glob("*.json"))
    assert [e.stem for e in entries] == [T.run_key()], f"expected one cached run, found {entries}"


@pytest.mark.slow
def test_trained_run_shows_the_papers_picture(trained):
    T, run, first = trained
    grid = T.grid()
    assert len(run["W"]) == len(grid) and np.asarray(run["W"]).shape == (len(grid), T.N_FEATURES, T.N_HIDDEN)
    assert all(np.isfinite(run["losses"]))
    by_setting = {(s["feature_probability"], s["importance_decay"]): np.asarray(run["W"][k]) for k, s in enumerate(grid)}
    for d in T.DECAYS:
        dense = np.linalg.norm(by_setting[(1.0, d)], axis=1)
        assert [i for i in range(T.N_FEATURES) if dense[i] > 0.5] == [0, 1], "dense: only the top 2 features"
        sparse = np.linalg.norm(by_setting[(min(T.PROBABILITIES), d)], axis=1)
        assert (sparse > 0.5).sum() >= 4, "sparse: more features than dimensions"
    assert sum(bool(_np_pairs(W)) for W in by_setting.values()) >= 4, "antipodal pairs in the middle of the grid"
    pentagon = by_setting[(min(T.PROBABILITIES), max(T.DECAYS))]
    assert (np.linalg.norm(pentagon, axis=1) > 0.5).all() and not _np_pairs(pentagon)


@pytest.mark.slow
def test_trained_count_explanation_when_every_feature_is_represented(trained):
    seen = False
    for seed in TRAINED_SEEDS:
        v = draw("superposition.trained_count", seed)
        if v.answer == 5:
            seen = True
            assert "the rest" not in v.explanation and "none collapsed" in v.explanation, v.explanation
    assert seen, "expected a trained_count variant with all 5 features represented"


@pytest.mark.slow
def test_cached_run_is_instant_and_complete(trained):
    import superpos_core

    T, run, first = trained
    start = time.perf_counter()
    again = T.trained_run()
    assert time.perf_counter() - start < 1.0
    assert again == run
    assert {"W", "b_final", "losses", "payload", "train_seconds"} <= set(run)
    assert run["payload"] == T.payload()
    assert T.THRESHOLD == superpos_core.REPRESENTED_THRESHOLD
    assert -T.ANTIPODAL_CLEAR < superpos_core.ANTIPODAL_COSINE < -T.AMBIGUOUS_BELOW
