"""The paper's result in the notebook's exact setting.

5 features, 2 hidden dims, 10 instances, importance 0.9**i, feature probability
20**-linspace(0, 1, 10), 10,000 steps of AdamW (lr 1e-3) at batch 1024:

* the densest instance (p = 1) keeps the two most important features, each with
  a dimension of its own (dimensionality ~1), and drops the rest;
* the sparsest instance (p = 0.05) packs at least four features into the plane
  as antipodal pairs (dimensionality ~1/2 each).
"""

import pytest
import torch

from superpos_core import antipodal_pairs, feature_dimensionality, optimize, paper_model, represented


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_paper_result(seed):
    model = paper_model(device="cpu", seed=seed)
    assert torch.allclose(model.importance, (0.9 ** torch.arange(5))[None, :])
    assert torch.allclose(model.feature_probability, (20 ** -torch.linspace(0, 1, 10))[:, None])
    optimize(model, steps=10_000, n_batch=1024, progress=False)

    W = model.W.detach()
    rep = represented(W)
    D = feature_dimensionality(W)

    dense = torch.nonzero(rep[0]).flatten().tolist()
    assert dense == [0, 1], dense
    assert torch.allclose(D[0, [0, 1]], torch.ones(2), atol=0.1), D[0]

    sparse = torch.nonzero(rep[9]).flatten().tolist()
    assert len(sparse) >= 4, sparse
    pairs = antipodal_pairs(W[9])
    paired = sorted(f for pair in pairs for f in pair)
    assert len(pairs) >= 2 and len(set(paired)) == len(paired), pairs
    assert set(paired) <= set(sparse)
    assert torch.allclose(D[9, paired], torch.full((len(paired),), 0.5), atol=0.1), D[9]
