"""superpos_core.train: schedules, hand-written gradient, optimize() vs the notebook loop."""

import copy
import math

import einops
import numpy as np
import pytest
import torch

import superpos_core.train as train
from superpos_core import (
    Config,
    Model,
    constant_lr,
    cosine_decay_lr,
    linear_lr,
    loss_and_grads,
    optimize,
)


def make(n_features=5, n_hidden=2, n_instances=4, seed=0, **kw):
    kw.setdefault("feature_probability", (20 ** -torch.linspace(0, 1, n_instances))[:, None])
    kw.setdefault("importance", (0.9 ** torch.arange(n_features))[None, :])
    return Model(Config(n_features, n_hidden, n_instances), device="cpu", seed=seed, **kw)


def notebook_loss(model, batch):
    out = model(batch)
    error = model.importance * (batch.abs() - out) ** 2
    return einops.reduce(error, "b i f -> i", "mean")


def notebook_step(model, opt, batch, lr):
    for group in opt.param_groups:
        group["lr"] = lr
    opt.zero_grad(set_to_none=True)
    losses = notebook_loss(model, batch)
    losses.sum().backward()
    opt.step()
    return losses.detach()


# -- schedules ----------------------------------------------------------------------------
def test_lr_schedules():
    assert constant_lr(3, 10) == 1.0 and constant_lr() == 1.0
    assert linear_lr(0, 10) == 1.0
    assert linear_lr(5, 10) == 0.5
    assert linear_lr(9, 10) == pytest.approx(0.1)
    assert cosine_decay_lr(0, 10) == 1.0
    assert cosine_decay_lr(9, 10) == pytest.approx(0.0, abs=1e-15)  # cos(pi/2): (steps - 1) in the formula
    assert cosine_decay_lr(3, 7) == pytest.approx(math.cos(math.pi / 4))  # 0.5*pi*3/6
    assert cosine_decay_lr(2, 5) == pytest.approx(math.sqrt(0.5))


# -- gradient -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 2, 10), (7, 3, 4), (40, 6, 3), (3, 1, 2)])
def test_hand_gradient_matches_autograd(shape):
    F, H, I = shape
    torch.manual_seed(F)
    m = make(F, H, I, importance=torch.rand(I, F) + 0.1)
    with torch.no_grad():
        m.b_final.copy_(torch.randn(I, F) * 0.3)
    batch = torch.randn(96, I, F)  # negative entries too: target |x|, input x
    batch[batch.abs() < 0.3] = 0
    losses = notebook_loss(m, batch)
    losses.sum().backward()
    l, gW, gb = loss_and_grads(m, batch)
    torch.testing.assert_close(l, losses.detach(), rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(gW, m.W.grad, rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(gb, m.b_final.grad, rtol=1e-4, atol=1e-7)


def test_trainer_steps_equal_notebook_steps():
    ref = make(6, 2, 3, seed=4)
    with torch.no_grad():
        ref.b_final.copy_(torch.randn(3, 6) * 0.1)
    ours = copy.deepcopy(ref)
    opt = torch.optim.AdamW(list(ref.parameters()), lr=1e-3)
    tr = train._Trainer(ours, 128)
    g = torch.Generator().manual_seed(0)
    for step in range(5):
        batch = ref.generate_batch(128, generator=g)
        lr = 1e-3 * cosine_decay_lr(step, 5)
        l_ref = notebook_step(ref, opt, batch, lr)
        l_ours = tr.step_on_batch(batch, lr)
        torch.testing.assert_close(l_ours, l_ref, rtol=1e-5, atol=1e-8)
        torch.testing.assert_close(ours.W, ref.W, rtol=0, atol=1e-7)
        torch.testing.assert_close(ours.b_final, ref.b_final, rtol=0, atol=1e-7)
    # the optimiser state is torch's own
    for p_ref, p_ours in zip(ref.parameters(), ours.parameters()):
        s_ref, s_ours = opt.state[p_ref], tr.opt.state[p_ours]
        assert s_ours["step"].item() == s_ref["step"].item() == 5
        torch.testing.assert_close(s_ours["exp_avg"], s_ref["exp_avg"], rtol=1e-5, atol=1e-9)
        torch.testing.assert_close(s_ours["exp_avg_sq"], s_ref["exp_avg_sq"], rtol=1e-5, atol=1e-12)


def test_optimize_step_equals_notebook_step(monkeypatch):
    """optimize() end to end (sampling included) against the notebook's loop, given
    the same uniform numbers."""
    I, F, B = 4, 5, 64
    ref = make(F, 2, I, seed=2)
    ours = copy.deepcopy(ref)
    u = torch.rand(I, F, B, generator=torch.Generator().manual_seed(1))
    init = train._UniformSource.__init__

    def fixed(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.fill = lambda: self.tensors[0].copy_(u)

    monkeypatch.setattr(train._UniformSource, "__init__", fixed)
    losses = optimize(ours, n_batch=B, steps=1, progress=False, lr=1e-2)
    p = ref.feature_probability.expand(I, F)
    ub = u.permute(2, 0, 1)  # [B, I, F]
    batch = torch.where(ub < p, ub / p, torch.zeros(()))
    opt = torch.optim.AdamW(list(ref.parameters()), lr=1e-2)
    l_ref = notebook_step(ref, opt, batch, 1e-2)
    torch.testing.assert_close(losses, l_ref, rtol=1e-5, atol=1e-8)
    torch.testing.assert_close(ours.W, ref.W, rtol=0, atol=1e-7)
    torch.testing.assert_close(ours.b_final, ref.b_final, rtol=0, atol=1e-7)


def test_internal_batches_have_the_right_distribution():
    ps = torch.tensor([1.0, 0.3, 0.05, 0.0])
    m = make(8, 2, 4, feature_probability=ps[:, None])
    tr = train._Trainer(m, 20_000, generator=torch.Generator().manual_seed(0))
    x = -tr.sample().transpose(1, 2)  # [I, B, F]
    tr.close()
    n = x[0].numel()
    for i, p in enumerate(ps.tolist()):
        frac = (x[i] > 0).float().mean().item()
        assert abs(frac - p) <= 6 * math.sqrt(p * (1 - p) / n) + 1 / n
    v = x[x > 0].double()
    assert v.min() > 0 and v.max() < 1
    assert abs(v.mean().item() - 0.5) < 6 * math.sqrt(1 / 12 / v.numel())
    counts = torch.histc(v, bins=10, min=0, max=1)
    assert torch.all((counts - v.numel() / 10).abs() < 6 * math.sqrt(v.numel() / 10))


def test_chunked_sampling_independent_of_thread_count():
    m = make(100, 4, 3)  # 3 * 1024 * 100 entries: two random streams
    threads = torch.get_num_threads()
    out = []
    try:
        for t in (1, 2):
            torch.set_num_threads(t)
            tr = train._Trainer(m, 1024, generator=torch.Generator().manual_seed(3))
            assert len(tr.sample().flatten()) > train._CHUNK
            out.append(tr.xn.clone())
            tr.close()
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(out[0], out[1])
    assert not torch.equal(out[0][:, :10], out[0][:, -10:])


def test_prefetching_gives_the_same_numbers():
    a = train._UniformSource((3, 5, 64), torch.device("cpu"), torch.float32, torch.Generator().manual_seed(1))
    b = train._UniformSource(
        (3, 5, 64), torch.device("cpu"), torch.float32, torch.Generator().manual_seed(1), prefetch=True
    )
    try:
        for _ in range(3):
            assert torch.equal(a.fill(), b.fill())
    finally:
        a.close()
        b.close()


# -- optimize -----------------------------------------------------------------------------
def test_hooks_every_step_with_the_notebook_keys():
    m = make()
    seen = []

    def hook(d):
        assert set(d) == {"model", "step", "opt", "error", "loss", "lr"}
        assert d["model"] is m and isinstance(d["opt"], torch.optim.AdamW)
        assert d["error"].shape == (32, 4, 5)  # [batch, instance, feature]
        # loss = sum over instances of the mean over (batch, feature)
        torch.testing.assert_close(d["loss"], d["error"].mean(dim=(0, 2)).sum())
        seen.append((d["step"], d["lr"]))

    optimize(m, n_batch=32, steps=7, lr=0.01, lr_scale=linear_lr, hooks=[hook], progress=False)
    assert [s for s, _ in seen] == list(range(7))
    for s, lr in seen:
        assert lr == pytest.approx(0.01 * (1 - s / 7))


def test_hook_may_reset_grads():
    a, b = make(seed=1), make(seed=1)
    optimize(a, n_batch=32, steps=5, progress=False, seed=0, hooks=[lambda d: d["opt"].zero_grad(set_to_none=True)])
    optimize(b, n_batch=32, steps=5, progress=False, seed=0)
    assert torch.equal(a.W, b.W) and torch.equal(a.b_final, b.b_final)


def test_optimize_returns_losses_and_trains():
    m = make(5, 2, 6, seed=1)
    first = []
    W0 = m.W.detach().clone()
    out = optimize(
        m, n_batch=256, steps=400, lr=1e-2, progress=False, seed=0,
        hooks=[lambda d: first.append(d["error"].mean(dim=(0, 2))) if d["step"] == 0 else None],
    )  # fmt: skip
    assert out.shape == (6,) and out.device.type == "cpu" and not out.requires_grad
    assert not torch.equal(W0, m.W.detach())  # the model's own parameters were trained
    assert torch.all(out < first[0])
    assert out.sum() < 0.7 * first[0].sum()


def test_optimize_uses_the_models_probability_and_importance():
    # importance 0 on every feature: zero gradient, only weight decay moves W
    m = make(importance=torch.zeros(()))
    W0 = m.W.detach().clone()
    out = optimize(m, n_batch=32, steps=3, progress=False)
    assert torch.all(out == 0)
    torch.testing.assert_close(m.W.detach(), W0 * (1 - 1e-3 * 0.01) ** 3)
    # probability 0: all-zero batches, so zero loss and no gradient from the data
    m = make(feature_probability=0.0)
    assert torch.all(optimize(m, n_batch=32, steps=3, progress=False) == 0)


def test_same_seed_same_result():
    a, b, c = make(seed=5), make(seed=5), make(seed=5)
    la = optimize(a, n_batch=64, steps=50, progress=False, seed=11)
    lb = optimize(b, n_batch=64, steps=50, progress=False, seed=11)
    lc = optimize(c, n_batch=64, steps=50, progress=False, seed=12)
    assert torch.equal(la, lb) and torch.equal(a.W, b.W) and torch.equal(a.b_final, b.b_final)
    assert not torch.equal(a.W, c.W) and not torch.equal(la, lc)
    # a seeded Model is reproducible without passing a seed to optimize
    d, e = make(seed=5), make(seed=5)
    assert torch.equal(optimize(d, n_batch=64, steps=20, progress=False), optimize(e, n_batch=64, steps=20, progress=False))
    # and torch.manual_seed governs an unseeded one
    f = make(seed=None)
    g = copy.deepcopy(f)
    torch.manual_seed(0)
    lf = optimize(f, n_batch=64, steps=5, progress=False)
    torch.manual_seed(0)
    lg = optimize(g, n_batch=64, steps=5, progress=False)
    assert torch.equal(lf, lg)


def test_progress_false_prints_nothing(capsys):
    optimize(make(), n_batch=32, steps=20, print_freq=5, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_true_shows_loss_and_lr(capsys):
    optimize(make(), n_batch=32, steps=20, print_freq=5, progress=True)
    captured = capsys.readouterr()
    assert "loss=" in captured.err and "lr=" in captured.err and "20/20" in captured.err


def test_thread_setting_restored_and_bad_steps():
    threads = torch.get_num_threads()
    optimize(make(), n_batch=32, steps=3, progress=False)
    assert torch.get_num_threads() == threads
    with pytest.raises(ValueError):
        optimize(make(), steps=0, progress=False)
    with pytest.raises(ValueError):
        optimize(make(), steps=1, seed=1, generator=torch.Generator(), progress=False)


def test_loss_curve_matches_notebook_loop():
    """Same init, independent batches: the two loops optimise the same objective."""
    init = make(5, 2, 4, seed=3)
    ref, ours = copy.deepcopy(init), copy.deepcopy(init)
    opt = torch.optim.AdamW(list(ref.parameters()), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    ref_losses, our_losses = [], []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: one thread is faster, and much faster on a busy machine
    try:
        for step in range(300):
            ref_losses.append(notebook_step(ref, opt, ref.generate_batch(512, generator=g), 1e-2).sum().item())
    finally:
        torch.set_num_threads(threads)
    optimize(ours, n_batch=512, steps=300, lr=1e-2, progress=False, seed=1,
             hooks=[lambda d: our_losses.append(d["loss"].item())])  # fmt: skip
    a, b = np.mean(ref_losses[-100:]), np.mean(our_losses[-100:])
    assert abs(a - b) / a < 0.05
