"""superpos_core.analysis against numpy on hand-made weights; plots produce PNGs."""

import math

import numpy as np
import pytest
import torch

from superpos_core import (
    ANTIPODAL_COSINE,
    Config,
    Model,
    antipodal_pairs,
    dimensions_per_feature,
    feature_dimensionality,
    feature_geometry_png,
    feature_norms,
    gram,
    gram_heatmap_png,
    instance_summary,
    interference,
    n_represented,
    represented,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# One instance, 5 features in 3 dims: an antipodal pair (0, 1), a lone orthogonal
# feature 2, a dropped feature 3 and a weak orthogonal feature 4.
HAND = torch.tensor(
    [
        [1.0, 0.0, 0.0],
        [-1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.3],
    ]
)


def pentagon(r=1.0):
    a = 2 * math.pi * torch.arange(5) / 5
    return r * torch.stack([a.cos(), a.sin()], 1)


def np_reference(W, eps=1e-8):
    """Loops, straight from the definitions."""
    W = np.asarray(W, dtype=np.float64)
    I, F, _ = W.shape
    norms = np.zeros((I, F))
    interf = np.zeros((I, F))
    dim = np.zeros((I, F))
    for i in range(I):
        for f in range(F):
            n = np.linalg.norm(W[i, f])
            norms[i, f] = n
            unit = W[i, f] / (n + eps)
            proj = [float(unit @ W[i, j]) ** 2 for j in range(F)]
            interf[i, f] = sum(p for j, p in enumerate(proj) if j != f)
            dim[i, f] = n**2 / sum(proj) if sum(proj) > 0 else 0.0
    dpf = W.shape[2] / (W**2).sum(axis=(1, 2))
    return norms, interf, dim, dpf


def test_hand_made_instance():
    W = HAND
    np.testing.assert_allclose(feature_norms(W), [1, 1, 1, 0, 0.3], atol=1e-7)
    np.testing.assert_allclose(interference(W), [1, 1, 0, 0, 0], atol=1e-6)
    D = feature_dimensionality(W)
    assert D[0] == pytest.approx(0.5, abs=1e-6) and D[1] == pytest.approx(0.5, abs=1e-6)
    assert D[2] == pytest.approx(1.0, abs=1e-6) and D[4] == pytest.approx(1.0, abs=1e-6)
    assert D[3] == 0  # a zero row has no dimensionality, not NaN
    assert dimensions_per_feature(W).item() == pytest.approx(3 / 3.09)
    assert represented(W).tolist() == [True, True, True, False, False]
    assert n_represented(W).item() == 3
    assert antipodal_pairs(W) == [(0, 1)]
    np.testing.assert_allclose(gram(W), (HAND @ HAND.T).numpy())
    s = instance_summary(W)
    assert s["represented"] == [0, 1, 2] and s["antipodal_pairs"] == [(0, 1)]


def test_pentagon_is_not_antipodal():
    W = pentagon()
    np.testing.assert_allclose(feature_dimensionality(W), [0.4] * 5, atol=1e-6)
    assert antipodal_pairs(W) == []  # cos(144 deg) = -0.81 > ANTIPODAL_COSINE
    assert math.cos(math.radians(144)) > ANTIPODAL_COSINE
    assert dimensions_per_feature(W).item() == pytest.approx(0.4)


def test_batched_against_numpy_and_model_input():
    torch.manual_seed(0)
    W = torch.randn(4, 6, 3)
    W[1, 2] = 0  # a dropped feature
    norms, interf, dim, dpf = np_reference(W)
    np.testing.assert_allclose(feature_norms(W), norms, rtol=1e-5)
    np.testing.assert_allclose(interference(W), interf, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(feature_dimensionality(W), dim, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), dpf, rtol=1e-5)
    assert gram(W).shape == (4, 6, 6)
    np.testing.assert_allclose(gram(W), np.einsum("ifh,igh->ifg", W.numpy(), W.numpy()), rtol=1e-5, atol=1e-6)
    assert represented(W).dtype == torch.bool and represented(W).shape == (4, 6)
    assert torch.equal(n_represented(W), (torch.from_numpy(norms) > 0.5).sum(-1))
    assert torch.equal(n_represented(W, threshold=1.5), (torch.from_numpy(norms) > 1.5).sum(-1))
    # a Model works too, and single instances match their slice
    m = Model(Config(6, 3, 4), device="cpu", seed=0)
    with torch.no_grad():
        m.W.copy_(W)
    assert torch.equal(feature_dimensionality(m), feature_dimensionality(W))
    assert torch.equal(feature_dimensionality(W[2]), feature_dimensionality(W)[2])
    assert not feature_norms(m).requires_grad


def test_antipodal_threshold_parameter():
    W = torch.tensor([[1.0, 0.0], [-0.95, 0.31]])  # cos ~ -0.95
    assert antipodal_pairs(W) == [(0, 1)]
    assert antipodal_pairs(W, threshold=-0.99) == []
    assert antipodal_pairs(W * 0.4) == []  # not represented
    with pytest.raises(ValueError):
        antipodal_pairs(torch.zeros(2, 3, 2))


# -- plots --------------------------------------------------------------------------------
def test_gram_heatmap_png():
    png = gram_heatmap_png(HAND, title="instance 0")
    assert png[:8] == PNG_MAGIC and len(png) > 1000
    assert gram_heatmap_png(HAND, title="instance 0") == png  # deterministic bytes
    assert gram_heatmap_png(torch.zeros(3, 2))[:8] == PNG_MAGIC  # all-zero Gram matrix


def test_feature_geometry_png():
    png = feature_geometry_png(pentagon())
    assert png[:8] == PNG_MAGIC
    assert feature_geometry_png(pentagon()) == png
    W = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])  # includes a zero arrow
    assert feature_geometry_png(W, title="pair")[:8] == PNG_MAGIC
    with pytest.raises(ValueError):
        feature_geometry_png(HAND)  # n_hidden = 3
