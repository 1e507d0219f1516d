"""The paper's result in the notebook's exact setting.

5 features, 2 hidden dims, 10 instances, importance 0.9**i, feature probability
20**-linspace(0, 1, 10), 10,000 steps of AdamW (lr 1e-3) at batch 1024:

* the densest instance (p = 1) keeps the two most important features, each with
  a dimension of its own (dimensionality ~1), and drops the rest;
* the sparsest instance (p = 0.05) packs at least four features into the plane,
  in superposition: either two antipodal pairs (dimensionality ~1/2 each) or all
  five as a pentagon (~2/5 each, the paper's Figure for high sparsity).

Which of the two the sparsest instance settles in is decided by the initial W,
for the notebook's own loop as much as for ours: over seeds 0-8 both gave two
antipodal pairs for seeds 0 and 8 (the same pairs) and a pentagon for 1-7, from
independent batch streams. The pentagon has the lower loss (~0.0015 vs ~0.003).
Seed 0 exercises the pairs branch, seed 1 the pentagon.
"""

import math

import pytest
import torch

from superpos_core import antipodal_pairs, feature_dimensionality, optimize, paper_model, represented


def angle_gaps(W2):
    """Sorted angular gaps (degrees) between consecutive feature directions in the plane."""
    ang = sorted(math.degrees(math.atan2(y, x)) % 360 for x, y in W2.tolist())
    return [(b - a) % 360 for a, b in zip(ang, ang[1:] + ang[:1])]


@pytest.mark.slow
@pytest.mark.parametrize("seed, arrangement", [(0, "pairs"), (1, "pentagon")])
def test_paper_result(seed, arrangement):
    model = paper_model(device="cpu", seed=seed)
    assert torch.allclose(model.importance, (0.9 ** torch.arange(5))[None, :])
    assert torch.allclose(model.feature_probability, (20 ** -torch.linspace(0, 1, 10))[:, None])
    optimize(model, steps=10_000, n_batch=1024, progress=False)

    W = model.W.detach()
    rep = represented(W)
    D = feature_dimensionality(W)

    # densest: features 0 and 1, a dimension each
    dense = torch.nonzero(rep[0]).flatten().tolist()
    assert dense == [0, 1], dense
    assert torch.allclose(D[0, [0, 1]], torch.ones(2), atol=0.1), D[0]

    # sparsest: >= 4 features in superposition
    sparse = torch.nonzero(rep[9]).flatten().tolist()
    assert len(sparse) >= 4, sparse
    pairs = antipodal_pairs(W[9])
    found = "pairs" if len(sparse) == 4 else "pentagon"
    assert found == arrangement, (sparse, pairs, D[9])
    if found == "pairs":
        paired = sorted(f for pair in pairs for f in pair)
        assert len(pairs) == 2 and paired == sparse, pairs  # two disjoint pairs, all features
        assert torch.allclose(D[9, paired], torch.full((4,), 0.5), atol=0.1), D[9]
    else:
        assert pairs == []
        assert torch.allclose(D[9], torch.full((5,), 0.4), atol=0.1), D[9]
        gaps = angle_gaps(W[9])
        assert all(abs(g - 72) < 10 for g in gaps), gaps
