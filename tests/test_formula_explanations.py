"""Every number an untrained formula family's explanation states is the variant's own (issue 20).

For the formula families whose explanation walks through the computation (dims_per_feature,
dimensionality, interference, all_zero_prob, expected_present), 100 seeds each: every stated
intermediate and result is recomputed here with numpy from the variant's params (not with the
family's code) and must agree to the precision it is printed with."""
from __future__ import annotations

import re

import numpy as np
import pytest

from exercises import get_family

SEEDS = range(100)
NUM = r"(-?\d+(?:\.\d+)?)"


def _variants(name):
    fam = get_family(f"superposition.{name}")
    return [v for v in (fam.variant(seed=s) for s in SEEDS) if v.form == "value"]


def _close(text: str, value: float) -> bool:
    """``text`` is ``value`` to the precision it is printed with (last digit rounded)."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value) <= 0.5 * 10 ** -decimals + 1e-9


def test_dims_per_feature_states_the_frobenius_norm_and_the_ratio():
    vs = _variants("dims_per_feature")
    assert len(vs) >= 50
    for v in vs:
        W = np.asarray(v.params["W"], dtype=float)
        m = re.search(rf"sum of all squared entries, {NUM}, so \\\(D\^\* = (\d+) / {NUM} \\approx {NUM}\\\)", v.explanation)
        assert m, v.explanation
        fro = (W ** 2).sum()
        assert _close(m.group(1), fro) and m.group(3) == m.group(1), (v.key, fro)
        assert int(m.group(2)) == W.shape[1], "D* = m / ||W||_F^2 with m the hidden size"
        assert _close(m.group(4), W.shape[1] / fro) and _close(m.group(4), float(v.answer)), v.key


def test_dimensionality_states_the_norm_and_the_projections():
    vs = _variants("dimensionality")
    assert len(vs) >= 50
    for v in vs:
        W, i = np.asarray(v.params["W"], dtype=float), int(v.params["feature"])
        m = re.search(rf"\\\(\\\|W_\{{{i}\}}\\\|\^2 = {NUM}\\\) and the projections squared add up to {NUM}, "
                      rf"so \\\(D_\{{{i}\}} \\approx {NUM}\\\)", v.explanation)
        assert m, v.explanation
        n2 = W[i] @ W[i]
        proj = sum((W[i] @ W[j]) ** 2 / n2 for j in range(len(W)))  # sum_j (W^_i . W_j)^2, j = i included
        assert _close(m.group(1), n2) and _close(m.group(2), proj), (v.key, n2, proj)
        assert _close(m.group(3), n2 / proj) and _close(m.group(3), float(v.answer)), v.key


def test_interference_states_the_sum_of_squared_projections():
    vs = _variants("interference")
    assert len(vs) >= 50
    for v in vs:
        W, i = np.asarray(v.params["W"], dtype=float), int(v.params["feature"])
        m = re.search(rf"onto feature {i}'s unit direction and add the squares: {NUM}\.", v.explanation)
        assert m, v.explanation
        u = W[i] / np.linalg.norm(W[i])
        value = sum((u @ W[j]) ** 2 for j in range(len(W)) if j != i)
        assert _close(m.group(1), value), (v.key, value)


def test_all_zero_prob_states_the_absent_probability_and_the_power():
    vs = _variants("all_zero_prob")
    assert len(vs) >= 50
    for v in vs:
        n, k = int(v.params["n_features"]), int(v.params["instance"])
        q = 1 - float(v.params["feature_probability"][k])
        m = re.search(rf"Each of the (\d+) features? (?:is|are) absent independently with probability {NUM}, so the "
                      rf"row is empty with probability \\\({NUM}\^\{{(\d+)\}} \\approx {NUM}\\\)", v.explanation)
        assert m, v.explanation
        assert int(m.group(1)) == n == int(m.group(4)) and _close(m.group(2), q) and m.group(3) == m.group(2)
        assert _close(m.group(5), q ** n), (v.key, q ** n)


def test_expected_present_states_the_entry_count_and_the_product():
    vs = _variants("expected_present")
    assert len(vs) >= 50
    for v in vs:
        p = v.params
        b, i, f, prob = int(p["n_batch"]), int(p["n_instances"]), int(p["n_features"]), float(p["feature_probability"])
        m = re.search(rf"Each of the (\d+)·(\d+)·(\d+) = (\d+) entries is present independently with probability "
                      rf"{NUM}, so by linearity of expectation the count is (\d+)·{NUM} = {NUM}\.", v.explanation)
        assert m, v.explanation
        assert [int(x) for x in m.group(1, 2, 3)] == [b, i, f] and int(m.group(4)) == b * i * f == int(m.group(6))
        assert _close(m.group(5), prob) and m.group(7) == m.group(5)
        assert _close(m.group(8), b * i * f * prob), v.key


@pytest.mark.parametrize("name", ["dims_per_feature", "dimensionality", "interference", "all_zero_prob",
                                  "expected_present"])
def test_the_stated_result_is_the_answer(name):
    """The explanation's last number is the card's answer, at the card's precision."""
    for v in _variants(name)[:30]:
        last = re.findall(NUM, v.explanation.replace("·", " "))
        assert any(_close(x, float(v.answer)) for x in last), (v.key, v.explanation)
