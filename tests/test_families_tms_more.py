"""The issue-13 superposition families that need no training: sparsity, geometry, bias and
w_convention. Each answer is recomputed here with plain numpy from the variant's parameters
(independently of superpos_core), and each question has one home among the older families."""
from __future__ import annotations

import math

import numpy as np
import pytest

from exercises import all_families, get_family

NEW = ("superposition.sparsity", "superposition.geometry", "superposition.bias", "superposition.w_convention")
SEEDS = range(24)
_memo: dict = {}


def draw(fid: str, seed: int, form: str | None = None):
    fam = get_family(fid)
    key = (fid, seed, form or fam.forms[0])
    if key not in _memo:
        _memo[key] = fam.variant(seed=seed, form=key[2])
    return _memo[key]


def _D(W: np.ndarray) -> np.ndarray:
    """Feature dimensionality by the paper's formula, in numpy."""
    norms2 = (W**2).sum(1)
    G = W @ W.T
    out = np.zeros(len(W))
    for i in range(len(W)):
        if norms2[i] > 0:
            out[i] = norms2[i] / ((G[i] / math.sqrt(norms2[i])) ** 2).sum()
    return out


def test_the_older_families_and_forms_stay_so_their_notes_keep_their_guids():
    """One home per question: the new families extend, they retire nothing (GUIDs = id + form)."""
    from cardgen.deck.model import note_guid

    ids = {f.id: f.forms for f in all_families("superposition")}
    for fid, form in [("superposition.all_zero_prob", "value"), ("superposition.expected_present", "value"),
                      ("superposition.dims_per_feature", "value"), ("superposition.dimensionality", "value"),
                      ("superposition.geometry_image", "read")]:
        assert form in ids[fid], fid
    assert set(NEW) <= set(ids)
    guids = {note_guid(f, form) for f, forms in ids.items() for form in forms}
    assert len(guids) == sum(len(forms) for forms in ids.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_sparsity_recomputed(seed):
    v = draw("superposition.sparsity", seed)
    q = v.params
    if q["kind"] == "p":  # from the paper's label back to the notebook's p
        want = 1 - q["paper"] if q["label"] == "S" else 1 / q["paper"]
        assert v.answer == pytest.approx(want, rel=1e-9)
        wrong = q["paper"] if q["label"] == "S" else 1 - 1 / q["paper"]
        assert not v.check(f"{wrong:.6f}").correct
        return
    p = q["base"] ** -(q["instance"] / (q["n_instances"] - 1))
    want = 1 - p if q["kind"] == "S" else 1 / p
    assert v.answer == pytest.approx(want, rel=1e-6)
    assert v.check(f"{want:.6f}").correct
    # asks only the S/p conversions: never the all-zero chance, the expected count or D* again
    assert "all zero" not in v.prompt and "expected number" not in v.prompt and "||W||" not in v.prompt
    if q["kind"] == "S":
        assert not v.check(f"{p:.6f}").correct  # p is not S


def test_sparsity_asks_both_kinds_and_many_values():
    vs = [draw("superposition.sparsity", s) for s in range(40)]
    assert {v.params["kind"] for v in vs} == {"S", "x", "p"}
    assert len({v.answer_text for v in vs}) >= 25


@pytest.mark.parametrize("seed", SEEDS)
def test_geometry_value_is_the_configurations_d(seed):
    from exercises.superposition.geometry import CONFIGS

    v = draw("superposition.geometry", seed, "value")
    W = np.array(v.params["W"])
    i = v.params["feature"]
    D = _D(W)
    assert v.answer == pytest.approx(D[i], abs=1e-5)
    # the feature's group (rows sharing its hidden dimensions) is one of the paper's shapes, and D = dims/features
    dims = np.abs(W[i]) > 1e-9
    group = [j for j in range(len(W)) if (np.abs(W[j]) > 1e-9)[dims].any()]
    used = np.any(np.abs(W[group]) > 1e-9, axis=0).sum()
    assert (len(group), used) in CONFIGS.values()
    assert v.answer == pytest.approx(used / len(group), abs=0.005)
    assert v.mistakes and all(not v.check(r).correct for _, r in v.mistakes)


def test_geometry_read_has_both_kinds():
    vs = [draw("superposition.geometry", s, "read") for s in range(12)]
    assert sum(v.image is not None for v in vs) == 6
    assert len({v.answer_text for v in vs if v.image is None}) == 6  # every configuration once


def test_geometry_value_covers_the_shapes_evenly():
    answers = [round(draw("superposition.geometry", s, "value").answer, 2) for s in range(20)]
    assert sorted(set(answers)) == [0.4, 0.5, 0.67, 0.75, 1.0]
    assert max(answers.count(a) for a in set(answers)) <= 5


@pytest.mark.parametrize("seed", SEEDS)
def test_geometry_read_names_the_configuration_of_the_d_values(seed):
    from exercises.superposition.geometry import CONFIGS

    v = draw("superposition.geometry", seed, "read")
    if v.image is not None:  # the picture kind: D of one feature of a 2-d configuration
        W = np.array(v.params["W"])
        assert W.shape[1] == 2 and v.image.data[:4] == b"\x89PNG"
        D = _D(W)[v.params["feature"]]
        assert v.answer == pytest.approx(D, abs=1e-6)
        assert min(abs(D - d / k) for k, d in CONFIGS.values()) < 0.005  # one of the sticky values
        assert v.mistakes and all(not v.check(r).correct for _, r in v.mistakes)
        return
    W = np.array(v.params["W"])
    i = v.params["feature"]
    D = _D(W)
    k, d = CONFIGS[v.answer]
    assert D[i] == pytest.approx(d / k, abs=0.015)
    assert sum(abs(x - d / k) <= 0.015 for x in D) >= k  # the group of k features is visible in the list
    assert f"{D[i]:.2f}" in v.prompt
    assert v.check(v.answer).correct and v.check(v.answer_text[0]).correct
    assert not v.check(v.mistakes[0][1]).correct


def _forward(W, b, x):
    return np.maximum(np.array(x) @ W @ W.T + np.array(b), 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_bias_recomputed(seed):
    v = draw("superposition.bias", seed)
    q = v.params
    W = np.array(q["W"])
    x = np.array(q["x"])
    i = int(np.flatnonzero(x)[0])
    if q["kind"] == "output":
        want = _forward(W, q["b_final"], x)
        assert np.allclose(v.answer, want, atol=1e-6)
        without = _forward(W, np.zeros(len(W)), x)
        assert ((without > 0) & (want == 0)).any(), "the negative bias removes some interference"
        assert want[i] > 0, "the active feature survives"
        assert not v.check(str(without.round(4).tolist())).correct
    else:
        z = x @ W @ W.T
        c = max(z[j] for j in range(len(W)) if j != i)
        assert v.answer == pytest.approx(c, abs=1e-6) and c > 0
        after = _forward(W, -c * np.ones(len(W)), x)
        assert np.allclose(np.delete(after, i), 0) and after[i] > 0
        assert not np.allclose(np.delete(_forward(W, -(c - 0.01) * np.ones(len(W)), x), i), 0)
    assert v.mistakes and all(not v.check(r).correct for _, r in v.mistakes)


@pytest.mark.parametrize("seed", SEEDS)
def test_w_convention_recomputed(seed):
    v = draw("superposition.w_convention", seed)
    W = np.array(v.params["W"])  # notebook layout
    i, j = v.params["entry"]
    paper = W.T  # hidden x features
    assert v.answer == pytest.approx((paper.T @ paper)[i, j])
    wrong_way = paper @ paper.T  # m x m: the classic slip
    assert not v.check(str(wrong_way[i, j])).correct
    if v.params["direction"] == "paper_to_notebook":
        assert "W_paper" in v.code and len(v.code.splitlines()) == paper.shape[0]
    else:
        assert len(v.code.splitlines()) == W.shape[0]


def test_bias_explanation_states_only_what_its_numbers_show():
    """Over 100 seeds, every sentence of the bias explanation about what the bias did (removed,
    survives, larger than the present feature) is recomputed in numpy from the variant's own W,
    b and x: it is said exactly when it holds."""
    seen = set()
    for seed in range(0, 200, 2):  # even seeds: the output questions
        v = draw("superposition.bias", seed)
        q = v.params
        assert q["kind"] == "output"
        W, x = np.array(q["W"]), np.array(q["x"])
        i = int(np.flatnonzero(x)[0])
        want = _forward(W, q["b_final"], x)
        without = _forward(W, np.zeros(len(W)), x)
        others = [j for j in range(len(W)) if j != i]
        removed = [j for j in others if without[j] > 1e-9 and want[j] <= 1e-9]
        survived = [j for j in others if want[j] > 1e-9]
        above = [j for j in others if want[j] > want[i] + 1e-9]
        e = v.explanation
        ids = lambda js: ", ".join(map(str, js))  # noqa: E731
        assert (f"removes the small interference on feature(s) {ids(removed)}." in e) == bool(removed), (seed, e)
        assert (f"Interference on feature(s) {ids(survived)} is larger than the bias and survives." in e) == bool(survived)
        assert (f"Feature(s) {ids(above)}, absent from the input, even come out larger" in e) == bool(above), (seed, e)
        seen.add(bool(above))
    assert seen == {True, False}, "both cases occur over 100 seeds"
