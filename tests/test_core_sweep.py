"""superpos_core.sweep: grids trained as one batched model, the 2-features-in-1-dimension phase
diagram, its data form and its picture."""

import json

import numpy as np
import pytest
import torch

import superpos_core.train as train
from superpos_core import (
    PHASES,
    Config,
    Model,
    Sweep,
    classify_phase,
    model_class,
    phase_diagram,
    phase_grid,
    train_size_sweep,
    train_sweep,
)
from superpos_core.plots import phase_diagram_png, sweep_heatmap_png
from superpos_core.sweep import (
    default_importances,
    default_probabilities,
    evaluate_losses,
    phases,
)


# -- classification -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "W, phase",
    [
        ([[1.0], [0.0]], "ignored"),
        ([[-0.9], [0.3]], "ignored"),
        ([[0.1], [1.0]], "dedicated"),
        ([[1.0], [-1.0]], "superposed"),
        ([[-0.7], [0.8]], "superposed"),
        ([[1.0], [0.9]], "other"),  # same side: not a phase of the paper
        ([[0.1], [0.2]], "other"),
        ([[1.0, 0.0], [0.0, 1.0]], "other"),  # orthogonal in 2 dimensions: not superposed
        ([[1.0, 0.1], [-1.0, -0.05]], "superposed"),
    ],
)
def test_classify_phase(W, phase):
    assert classify_phase(torch.tensor(W)) == phase
    assert classify_phase(W) == phase  # plain lists too


def test_classify_phase_needs_two_features():
    with pytest.raises(ValueError, match="2 features"):
        classify_phase([[1.0], [0.0], [0.0]])


def synthetic(W, eval_loss):
    """A 2 x 2 x 2 Sweep with hand-made weights (no training)."""
    R, C, S = 2, 2, 2
    return Sweep(
        kind="relu",
        n_features=2,
        n_hidden=1,
        row_name="feature_probability",
        row_values=[1.0, 0.01],
        col_name="importance",
        col_values=[0.2, 5.0],
        n_seeds=S,
        steps=1,
        n_batch=1,
        lr=1e-3,
        seed=0,
        importance=[[[1.0, c] for c in (0.2, 5.0)] for _ in range(R)],
        feature_probability=[[[p, p] for _ in range(C)] for p in (1.0, 0.01)],
        W=W,
        b_final=[[[[0.0, 0.0]] * S] * C] * R,
        loss=[[[0.0] * S] * C] * R,
        eval_loss=eval_loss,
    )


IGN, DED, SUP, OTH = [[1.0], [0.0]], [[0.0], [1.0]], [[1.0], [-1.0]], [[1.0], [0.9]]


def test_phase_grid_modes():
    sw = synthetic(
        W=[[[IGN, IGN], [DED, OTH]], [[SUP, IGN], [SUP, SUP]]],
        eval_loss=[[[0.1, 0.2], [0.5, 0.1]], [[0.3, 0.1], [0.2, 0.2]]],
    )
    assert phases(sw) == [[["ignored"] * 2, ["dedicated", "other"]], [["superposed", "ignored"], ["superposed"] * 2]]
    assert phase_grid(sw, "all") == [["ignored", None], [None, "superposed"]]
    assert phase_grid(sw, "best") == [["ignored", "other"], ["ignored", "superposed"]]
    assert phase_grid(sw) == phase_grid(sw, "best")
    assert phase_grid(sw, "majority") == [["ignored", "dedicated"], ["ignored", "superposed"]]  # ties: PHASES order
    with pytest.raises(ValueError):
        phase_grid(sw, "any")


def test_sweep_round_trips_through_json():
    sw = synthetic(W=[[[IGN, DED], [SUP, OTH]], [[IGN, IGN], [SUP, SUP]]], eval_loss=[[[0.1, 0.2]] * 2] * 2)
    back = Sweep.from_dict(json.loads(json.dumps(sw.to_dict())))
    assert back == sw and back.shape == (2, 2, 2)
    assert torch.equal(back.instance(0, 1, 1), torch.tensor(OTH)) and back.W_tensor().shape == (2, 2, 2, 2, 1)
    d = sw.to_dict()
    del d["eval_loss"]
    with pytest.raises(ValueError, match="missing eval_loss"):
        Sweep.from_dict(d)


def test_pictures_are_deterministic_pngs():
    sw = synthetic(W=[[[IGN, IGN], [DED, OTH]], [[SUP, IGN], [SUP, SUP]]], eval_loss=[[[0.1, 0.2]] * 2] * 2)
    png = phase_diagram_png(sw)
    assert png.startswith(b"\x89PNG") and png == phase_diagram_png(sw)
    assert png != phase_diagram_png(synthetic(W=[[[DED, DED]] * 2] * 2, eval_loss=[[[0.1, 0.2]] * 2] * 2))
    marked = phase_diagram_png(sw, marks=[(1, 0), (0, 1)])
    assert marked != png and marked == phase_diagram_png(sw, marks=[(1, 0), (0, 1)])
    blank = phase_diagram_png(sw, marks=[(1, 0)], colors=False)
    assert blank == phase_diagram_png(synthetic(W=[[[DED, DED]] * 2] * 2, eval_loss=[[[0.1, 0.2]] * 2] * 2), marks=[(1, 0)], colors=False)
    heat = sweep_heatmap_png(sw, [[1, 2], [3, 4]], title="n represented")
    assert heat.startswith(b"\x89PNG") and heat == sweep_heatmap_png(sw, [[1, 2], [3, 4]], title="n represented")
    with pytest.raises(ValueError, match="do not match"):
        sweep_heatmap_png(sw, [[1, 2, 3]])


# -- training a grid ------------------------------------------------------------------------
def test_train_sweep_lays_the_grid_along_instances(monkeypatch):
    """Cell (r, c), seed s is instance (r * cols + c) * seeds + s, with the cell's settings;
    the Sweep holds exactly that instance's trained weights."""
    seen = {}
    real = train.optimize

    def spy(model, **kw):
        seen["model"] = model
        return real(model, **kw)

    monkeypatch.setattr(train, "optimize", spy)
    rows, cols, S = [0.5, 0.1, 0.02], [1.0, 3.0], 2
    sw = train_sweep(
        3, 2, "p", rows, "imp", cols, lambda p, r: ([1.0, r, r * r], p), n_seeds=S, steps=3, n_batch=16, device="cpu"
    )
    m = seen["model"]
    assert m.config == Config(3, 2, 12) and sw.shape == (3, 2, 2)
    imp = m._per_instance_feature(m.importance)
    prob = m._per_instance_feature(m.feature_probability)
    for r, p in enumerate(rows):
        for c, ri in enumerate(cols):
            assert sw.importance[r][c] == [1.0, ri, ri * ri] and sw.feature_probability[r][c] == [p] * 3
            for s in range(S):
                i = (r * 2 + c) * S + s
                np.testing.assert_allclose(imp[i].numpy(), [1.0, ri, ri * ri], rtol=1e-6)
                np.testing.assert_allclose(prob[i].numpy(), [p] * 3, rtol=1e-6)
                assert torch.equal(sw.instance(r, c, s), m.W[i].detach())
                assert sw.b_final[r][c][s] == m.b_final[i].tolist()
    with pytest.raises(ValueError, match="gave 2 importance values for 3 features"):
        train_sweep(3, 2, "p", [0.5], "imp", [1.0], lambda p, r: ([1.0, r], p), steps=1, n_batch=4, device="cpu")
    with pytest.raises(ValueError, match="unknown model kind"):
        train_sweep(3, 2, "p", [0.5], "imp", [1.0], lambda p, r: (1.0, p), kind="gelu", steps=1, device="cpu")


def test_evaluate_losses_against_numpy():
    """The loss on fresh batches, per instance, for each model kind; the batches are the
    training step's (same generator, same draws), the loss is recomputed in numpy."""
    for kind in ("relu", "linear", "hidden_relu"):
        m = model_class(kind)(Config(4, 2, 3), feature_probability=torch.tensor([[1.0], [0.3], [0.05]]), device="cpu", seed=5)
        with torch.no_grad():
            m.b_final.copy_(torch.randn(3, 4, generator=torch.Generator().manual_seed(0)) * 0.2)
        got = evaluate_losses(m, n_rows=3000, chunk=1024, generator=torch.Generator().manual_seed(11))  # 3 chunks
        tr = train._Trainer(m, 1024, with_opt=False, generator=torch.Generator().manual_seed(11))
        chunks = [(-tr.sample()).permute(2, 0, 1).double().numpy().copy() for _ in range(3)]  # [B, I, F]
        tr.close()
        W, b = m.W.detach().double().numpy(), m.b_final.detach().double().numpy()
        ref = np.zeros(3)
        for x in chunks:
            for i in range(3):
                h = x[:, i] @ W[i]
                h = np.maximum(h, 0) if kind == "hidden_relu" else h
                out = h @ W[i].T + b[i]
                out = out if kind == "linear" else np.maximum(out, 0)
                ref[i] += ((x[:, i] - out) ** 2).mean() / 3
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-4)  # float32 arithmetic


def test_default_axes():
    imps, probs = default_importances(), default_probabilities()
    assert len(imps) == len(probs) == 20
    assert imps[0] == pytest.approx(0.1) and imps[-1] == pytest.approx(10) and imps == sorted(imps)
    assert probs[0] == 1.0 and probs[-1] == pytest.approx(0.01) and probs == sorted(probs, reverse=True)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_phase_diagram_clear_points(seed):
    """One clear point of each phase, for every replicate, at the default training budget:
    dense (p = 1) and extra feature 5x less important -> ignored; dense and 5x more
    important -> dedicated; sparse (p = 0.01) -> superposed, whether the extra feature is
    5x less or 5x more important."""
    sw = phase_diagram(importances=[0.2, 5.0], probabilities=[1.0, 0.01], seed=seed, device="cpu")
    assert sw.steps == 5000 and sw.n_batch == 512 and sw.n_seeds == 3
    got = phases(sw)
    assert got[0][0] == ["ignored"] * 3, sw.W[0][0]
    assert got[0][1] == ["dedicated"] * 3, sw.W[0][1]
    assert got[1][0] == ["superposed"] * 3, sw.W[1][0]
    assert got[1][1] == ["superposed"] * 3, sw.W[1][1]
    assert set(PHASES) == {p for row in phase_grid(sw) for p in row}


def test_single_thread_changes_speed_not_results():
    kw = dict(importances=[0.3, 3.0], probabilities=[1.0, 0.1], n_seeds=2, steps=30, n_batch=512, device="cpu")
    threads = torch.get_num_threads()
    a = phase_diagram(single_thread=True, **kw)
    assert torch.get_num_threads() == threads  # restored
    b = phase_diagram(single_thread=False, **kw)
    assert a == b


def test_phase_diagram_settings():
    """Feature 0 has importance 1, feature 1 the column's; both the row's probability, or
    feature 0 a fixed one; a correlation is passed to the model and recorded."""
    sw = phase_diagram(importances=[0.5, 2.0], probabilities=[0.3], n_seeds=1, steps=2, n_batch=8, device="cpu")
    assert sw.importance == [[[1.0, 0.5], [1.0, 2.0]]] and sw.feature_probability == [[[0.3, 0.3]] * 2]
    assert (sw.row_name, sw.col_name, sw.kind, sw.n_features, sw.n_hidden) == ("feature_probability", "importance", "relu", 2, 1)
    fixed = phase_diagram(importances=[0.5], probabilities=[0.3, 0.1], n_seeds=1, steps=2, n_batch=8, first_probability=0.9, device="cpu")
    assert fixed.feature_probability == [[[0.9, 0.3]], [[0.9, 0.1]]]
    anti = train_sweep(2, 1, "p", [0.3], "r", [1.0], lambda p, r: (1.0, p), correlation="anticorrelated", steps=2, n_batch=8, device="cpu")
    assert anti.correlation == "anticorrelated" and Sweep.from_dict(anti.to_dict()) == anti


# -- sweeps over sizes ------------------------------------------------------------------------
def test_padded_model_trains_like_the_small_one():
    """A 3-feature, 2-hidden model embedded in a 5 x 4 one (extra features never present,
    importance 0; extra W entries 0 and masked): same loss and gradient up to the factor
    3/5 of the mean over features, zero gradient on the masked entries."""
    from superpos_core import loss_and_grads

    small = Model(Config(3, 2, 1), importance=torch.tensor([[1.0, 0.7, 0.3]]), device="cpu", seed=1)
    big = Model(Config(5, 4, 1), importance=torch.tensor([[1.0, 0.7, 0.3, 0.0, 0.0]]), device="cpu", seed=2)
    mask = torch.zeros(1, 5, 4)
    mask[:, :3, :2] = 1
    big.W_mask = mask
    with torch.no_grad():
        big.W.zero_()
        big.W[:, :3, :2] = small.W
        small.b_final.copy_(torch.tensor([[0.1, -0.2, 0.05]]))
        big.b_final[:, :3] = small.b_final
    x = torch.rand(64, 1, 3) * (torch.rand(64, 1, 3) < 0.4)
    l_s, gW_s, gb_s = loss_and_grads(small, x)
    l_b, gW_b, gb_b = loss_and_grads(big, torch.cat([x, torch.zeros(64, 1, 2)], dim=-1))
    torch.testing.assert_close(l_b, l_s * 3 / 5)
    torch.testing.assert_close(gW_b[:, :3, :2], gW_s * 3 / 5)
    torch.testing.assert_close(gb_b[:, :3], gb_s * 3 / 5)
    assert torch.all(gW_b * (1 - mask) == 0) and torch.all(gb_b[:, 3:] == 0)


def test_train_size_sweep(monkeypatch):
    seen = {}
    real = train.optimize

    def spy(model, **kw):
        seen["model"] = model
        return real(model, **kw)

    monkeypatch.setattr(train, "optimize", spy)
    sw = train_size_sweep([2, 5], [1, 3], lambda f, h: (0.9 ** torch.arange(f), 0.1), n_seeds=2, steps=20, n_batch=32, device="cpu")
    m = seen["model"]
    assert m.config == Config(5, 3, 8) and sw.shape == (2, 2, 2)
    assert (sw.row_name, sw.row_values, sw.col_name, sw.col_values) == ("n_features", [2.0, 5.0], "n_hidden", [1.0, 3.0])
    for r, nf in enumerate((2, 5)):
        for c, nh in enumerate((1, 3)):
            np.testing.assert_allclose(sw.importance[r][c], 0.9 ** np.arange(nf), rtol=1e-6)  # float32 powers
            for s in range(2):
                i = (r * 2 + c) * 2 + s
                assert sw.instance(r, c, s).shape == (nf, nh)
                assert torch.equal(sw.instance(r, c, s), m.W[i, :nf, :nh].detach())
                outside = m.W[i].detach().clone()
                outside[:nf, :nh] = 0
                assert torch.all(outside == 0)  # padding stayed exactly zero through training
                assert torch.all(m.feature_probability.expand(8, 5)[i, nf:] == 0)
    assert not torch.equal(m.W[0, :2, :1], torch.zeros(2, 1))  # and the real block trained


def test_absent_features_never_nan(monkeypatch):
    """A feature of probability 0 (the padding of a size sweep) stays 0 even when the
    uniform draw is exactly 0 (float32: once in 2**24 draws), where 0 / -0 used to give a
    NaN that threshold_ kept and training spread to all of W."""
    m = Model(Config(3, 2, 2), feature_probability=torch.tensor([[0.5, 0.0, 1.0]]), device="cpu", seed=0)
    init = train._UniformSource.__init__

    def zeros(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.fill = lambda: self.tensors[0].zero_()

    monkeypatch.setattr(train._UniformSource, "__init__", zeros)
    tr = train._Trainer(m, 8)
    x = -tr.sample()
    tr.close()
    assert not torch.isnan(x).any() and torch.all(x == 0)
    train.optimize(m, steps=3, n_batch=8, progress=False)
    assert not torch.isnan(m.W).any()


@pytest.mark.slow
def test_size_sweep_reproduces_the_pentagon():
    """Sparse (p = 0.02), equally important features in 2 dimensions, as cells of one
    padded model: 2 features get a dimension each; 5 form a pentagon (dimensionality 2/5
    each) -- for every replicate."""
    from superpos_core import feature_dimensionality

    sw = train_size_sweep([2, 5], [2], lambda f, h: (1.0, 0.02), n_seeds=3, steps=10_000, device="cpu")
    for s in range(3):
        torch.testing.assert_close(feature_dimensionality(sw.instance(0, 0, s)), torch.ones(2), atol=0.05, rtol=0)
        torch.testing.assert_close(feature_dimensionality(sw.instance(1, 0, s)), torch.full((5,), 0.4), atol=0.05, rtol=0)
