"""superpos_core.model: init, forward against numpy, batch statistics."""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from superpos_core import Config, Model, default_device


def make(n_features=5, n_hidden=2, n_instances=4, **kw):
    kw.setdefault("device", "cpu")
    return Model(Config(n_features=n_features, n_hidden=n_hidden, n_instances=n_instances), **kw)


def test_import_does_not_pull_in_matplotlib():
    code = "import sys, superpos_core; assert 'torch' in sys.modules; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_config_fields():
    c = Config(n_features=5, n_hidden=2, n_instances=10)
    assert (c.n_features, c.n_hidden, c.n_instances) == (5, 2, 10)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_default_device_is_cpu_here():
    assert default_device() == "cpu"
    m = Model(Config(3, 2, 2))
    assert m.W.device.type == "cpu" and m.b_final.device.type == "cpu"
    assert m.feature_probability.device.type == "cpu" and m.importance.device.type == "cpu"


def test_parameters_shapes_and_defaults():
    m = make(7, 3, 4)
    assert isinstance(m.W, torch.nn.Parameter) and m.W.shape == (4, 7, 3)
    assert isinstance(m.b_final, torch.nn.Parameter) and m.b_final.shape == (4, 7)
    assert torch.all(m.b_final == 0)
    assert m.feature_probability.shape == () and m.feature_probability.item() == 1.0
    assert m.importance.shape == () and m.importance.item() == 1.0
    assert [n for n, _ in m.named_parameters()] == ["W", "b_final"]


def test_init_is_xavier_normal_from_the_seed():
    m = make(7, 3, 4, seed=3)
    ref = torch.empty(4, 7, 3)
    torch.nn.init.xavier_normal_(ref, generator=torch.Generator().manual_seed(3))
    assert torch.equal(m.W.detach(), ref)
    assert torch.equal(make(7, 3, 4, seed=3).W, m.W)
    assert not torch.equal(make(7, 3, 4, seed=4).W, m.W)
    g = torch.Generator().manual_seed(3)
    assert torch.equal(make(7, 3, 4, generator=g).W, m.W)


def test_init_std_uses_3d_fans():
    # fan_in = F * H, fan_out = I * H  (torch's rule for a 3-D tensor)
    I, F, H = 40, 300, 20
    W = make(F, H, I, seed=0).W.detach()
    expected = math.sqrt(2.0 / (F * H + I * H))
    assert abs(W.std().item() / expected - 1) < 0.01  # 240k samples: s.e. of std ~0.15%
    assert abs(W.mean().item()) < 5 * expected / math.sqrt(W.numel())


def test_seed_and_generator_together_rejected():
    with pytest.raises(ValueError):
        make(seed=1, generator=torch.Generator())


def np_forward(W, b, x):
    """relu(W W^T x + b) per instance, x: [..., I, F]."""
    W, b, x = (t.detach().double().numpy() for t in (W, b, x))
    out = np.empty(x.shape)
    for i in range(W.shape[0]):
        Wi = W[i]
        out[..., i, :] = np.maximum(x[..., i, :] @ Wi @ Wi.T + b[i], 0.0)
    return out


@pytest.mark.parametrize("lead", [(32,), (3, 4), ()])
def test_forward_against_numpy(lead):
    torch.manual_seed(0)
    m = make(6, 3, 4, seed=1)
    with torch.no_grad():
        m.b_final.copy_(torch.randn(4, 6) * 0.5)
    x = torch.randn(*lead, 4, 6)
    out = m(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.detach().double().numpy(), np_forward(m.W, m.b_final, x), rtol=1e-5, atol=1e-6)
    assert (out >= 0).all()


def test_probability_and_importance_broadcast():
    p = (20 ** -torch.linspace(0, 1, 4))[:, None]
    imp = (0.9 ** torch.arange(5))[None, :]
    m = make(5, 2, 4, feature_probability=p, importance=imp)
    assert torch.equal(m.feature_probability, p) and torch.equal(m.importance, imp)
    assert torch.equal(m._per_instance_feature(m.feature_probability), p.expand(4, 5))
    m2 = make(5, 2, 4, feature_probability=0.25, importance=[1, 2, 3, 4, 5])
    assert m2.feature_probability.item() == 0.25 and m2.importance.dtype == torch.float32
    with pytest.raises(ValueError):
        make(5, 2, 4, feature_probability=torch.ones(3, 1))
    with pytest.raises(ValueError):
        make(5, 2, 4, importance=torch.ones(2, 4, 5))


def test_generate_batch_statistics():
    ps = torch.tensor([1.0, 0.5, 0.1, 0.02, 0.0])
    I, F, B = len(ps), 8, 25_000
    m = make(F, 2, I, feature_probability=ps[:, None], seed=0)
    x = m.generate_batch(B)
    assert x.shape == (B, I, F) and x.dtype == torch.float32
    n = B * F
    present = x > 0
    for i, p in enumerate(ps.tolist()):
        frac = present[:, i].float().mean().item()
        # 6 binomial standard errors (+ one count): a miss has probability ~1e-9.
        assert abs(frac - p) <= 6 * math.sqrt(p * (1 - p) / n) + 1 / n, (i, frac, p)
    assert torch.all(x[:, 4] == 0)  # p = 0: never present
    v = x[present].double()
    assert v.min() >= 0 and v.max() < 1
    k = v.numel()
    assert abs(v.mean().item() - 0.5) < 6 * math.sqrt(1 / 12 / k)
    for i in range(I - 1):  # uniform within every instance, whatever its p
        vi = x[:, i][present[:, i]].double()
        assert abs(vi.mean().item() - 0.5) < 6 * math.sqrt(1 / 12 / vi.numel())
    counts = torch.histc(v, bins=10, min=0, max=1)
    expected = k / 10
    assert torch.all((counts - expected).abs() < 6 * math.sqrt(expected * 0.9)), counts


def test_generate_batch_reproducible():
    m = make(5, 2, 3, feature_probability=0.3)
    a = m.generate_batch(64, generator=torch.Generator().manual_seed(5))
    b = m.generate_batch(64, generator=torch.Generator().manual_seed(5))
    c = m.generate_batch(64, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    # a seeded model draws from its own generator by default
    m1, m2 = make(5, 2, 3, seed=9), make(5, 2, 3, seed=9)
    assert torch.equal(m1.generate_batch(16), m2.generate_batch(16))
