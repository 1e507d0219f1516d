"""superpos_core.sae: forward pass and loss against numpy, the hand-written gradient and the
training step against autograd + torch's Adam, resampling, metrics, the picture, and
feature recovery on models whose features are in superposition."""

import copy
import math

import numpy as np
import pytest
import torch

from superpos_core import Config, Model, analysis, cosine_decay_lr, optimize, sae_directions_png
from superpos_core.sae import (
    RECOVERED_COSINE,
    SAE,
    SAE_D_SAE,
    SAE_SEEDS,
    SAE_TRAINING,
    SAEConfig,
    feature_cosines,
    feature_recovery,
    hidden_activations,
    match_latents,
    optimize_sae,
    sae_forward,
    sae_loss,
    sae_loss_and_grads,
    sae_loss_terms,
    sae_metrics,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pentagon(r=1.0, phase=0.0):
    a = phase + 2 * math.pi * torch.arange(5) / 5
    return r * torch.stack([a.cos(), a.sin()], 1)


def random_sae(I=3, d_in=2, d_sae=4, seed=0, dtype=torch.float64):
    """An SAE with every parameter random and non-zero, so each term of the forward pass matters."""
    g = torch.Generator().manual_seed(seed)
    sae = SAE(SAEConfig(I, d_in, d_sae), device="cpu", dtype=dtype, seed=seed)
    with torch.no_grad():
        sae.W_enc.copy_(torch.randn(I, d_in, d_sae, generator=g, dtype=dtype))
        sae.b_enc.copy_(torch.randn(I, d_sae, generator=g, dtype=dtype) * 0.5)
        sae.b_dec.copy_(torch.randn(I, d_in, generator=g, dtype=dtype) * 0.5)
        sae.W_dec.copy_(torch.randn(I, d_sae, d_in, generator=g, dtype=dtype))
    sae.normalize_decoder_()
    return sae


def numpy_forward_loss(sae, h, l1_coeff):
    """Loops over instances and inputs, straight from the definitions."""
    W_enc, b_enc = sae.W_enc.detach().numpy(), sae.b_enc.detach().numpy()
    W_dec, b_dec = sae.W_dec.detach().numpy(), sae.b_dec.detach().numpy()
    h = h.numpy()
    B, I, d_in = h.shape
    d_sae = W_enc.shape[2]
    acts = np.zeros((B, I, d_sae))
    h_hat = np.zeros((B, I, d_in))
    rec, l1 = np.zeros(I), np.zeros(I)
    for i in range(I):
        for b in range(B):
            a = np.maximum(0.0, (h[b, i] - b_dec[i]) @ W_enc[i] + b_enc[i])
            acts[b, i] = a
            h_hat[b, i] = a @ W_dec[i] + b_dec[i]
            rec[i] += np.mean((h_hat[b, i] - h[b, i]) ** 2) / B
            l1[i] += np.sum(np.abs(a)) / B
    return acts, h_hat, rec, l1, rec + l1_coeff * l1


def sparse_model(W, p, seed=0, dtype=torch.float32):
    """A Model with the given weights ``[I, F, H]`` (hand-made or trained), feature probability p."""
    W = torch.as_tensor(W, dtype=dtype)
    I, F, H = W.shape
    m = Model(Config(F, H, I), feature_probability=p, device="cpu", seed=seed)
    with torch.no_grad():
        m.W.copy_(W)
    return m


# -- forward pass and loss ----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 2, 4), (2, 3, 7), (1, 2, 1), (4, 5, 3)])
def test_forward_and_loss_match_numpy(shape):
    I, d_in, d_sae = shape
    sae = random_sae(I, d_in, d_sae, seed=d_sae)
    h = torch.randn(64, I, d_in, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    acts_np, h_hat_np, rec_np, l1_np, loss_np = numpy_forward_loss(sae, h, 0.3)
    acts, h_hat = sae(h)
    assert (acts_np > 0).any() and (acts_np == 0).any()  # the ReLU is exercised both ways
    np.testing.assert_allclose(acts.detach().numpy(), acts_np, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_hat.detach().numpy(), h_hat_np, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sae.encode(h).detach().numpy(), acts_np, rtol=1e-12, atol=1e-12)
    rec, l1 = sae_loss_terms(h, h_hat, acts)
    np.testing.assert_allclose(rec.detach().numpy(), rec_np, rtol=1e-12)
    np.testing.assert_allclose(l1.detach().numpy(), l1_np, rtol=1e-12)
    np.testing.assert_allclose(sae_loss(h, h_hat, acts, 0.3).detach().numpy(), loss_np, rtol=1e-12)
    hand_loss, *_ = sae_loss_and_grads(sae, h, 0.3)
    np.testing.assert_allclose(hand_loss.numpy(), loss_np, rtol=1e-10)
    # the plain function, one instance at a time (what a code exercise calls)
    for i in range(I):
        a_i, h_hat_i = sae_forward(sae.W_enc[i], sae.b_enc[i], sae.W_dec[i], sae.b_dec[i], h[:, i])
        np.testing.assert_allclose(a_i.detach().numpy(), acts_np[:, i], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(h_hat_i.detach().numpy(), h_hat_np[:, i], rtol=1e-12, atol=1e-12)
        assert float(sae_loss(h[:, i], h_hat_i, a_i, 0.3).detach()) == pytest.approx(loss_np[i], rel=1e-12)


def test_b_dec_is_subtracted_before_encoding():
    """The classic bug (no ``- b_dec``) gives other activations: the reference would notice."""
    sae = random_sae(2, 2, 3, seed=5)
    h = torch.randn(32, 2, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    buggy = torch.relu(torch.einsum("bih,ihd->bid", h, sae.W_enc) + sae.b_enc)
    assert not torch.allclose(sae.encode(h), buggy)


def test_init_and_for_model():
    m = sparse_model(pentagon()[None].repeat(3, 1, 1), 0.05)
    sae = SAE.for_model(m, 7, seed=3)
    assert sae.config == SAEConfig(3, 2, 7)
    assert sae.W_enc.shape == (3, 2, 7) and sae.b_enc.shape == (3, 7)
    assert sae.W_dec.shape == (3, 7, 2) and sae.b_dec.shape == (3, 2)
    assert sae.W_dec.dtype == m.W.dtype and sae.W_dec.device == m.W.device
    torch.testing.assert_close(torch.linalg.vector_norm(sae.W_dec, dim=-1), torch.ones(3, 7))
    torch.testing.assert_close(sae.W_enc, sae.W_dec.transpose(1, 2))
    assert torch.equal(SAE.for_model(m, 7, seed=3).W_dec, sae.W_dec)
    assert not torch.equal(SAE.for_model(m, 7, seed=4).W_dec, sae.W_dec)
    with pytest.raises(ValueError, match="seed or generator"):
        SAE(SAEConfig(1, 2, 3), device="cpu", seed=1, generator=torch.Generator())
    with pytest.raises(ValueError, match=">= 1"):
        SAE(SAEConfig(1, 2, 0), device="cpu")


def test_hidden_activations_are_x_W():
    m = sparse_model(torch.randn(2, 5, 3), 0.3)
    x = m.generate_batch(16)
    h = hidden_activations(m, x)
    assert h.shape == (16, 2, 3)
    ref = np.stack([x[:, i].numpy() @ m.W[i].detach().numpy() for i in range(2)], axis=1)
    np.testing.assert_allclose(h.numpy(), ref, rtol=1e-5, atol=1e-6)


# -- gradient and the training step -----------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 2, 5), (2, 4, 3), (1, 2, 8)])
def test_hand_gradient_matches_autograd(shape):
    I, d_in, d_sae = shape
    sae = random_sae(I, d_in, d_sae, seed=I + d_sae)
    h = torch.randn(80, I, d_in, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    h[h.abs() < 0.5] = 0
    acts, h_hat = sae(h)
    sae_loss(h, h_hat, acts, 0.25).sum().backward()
    loss, gW_enc, gb_enc, gW_dec, gb_dec = sae_loss_and_grads(sae, h, 0.25)
    for hand, p in ((gW_enc, sae.W_enc), (gb_enc, sae.b_enc), (gW_dec, sae.W_dec), (gb_dec, sae.b_dec)):
        torch.testing.assert_close(hand, p.grad, rtol=1e-10, atol=1e-12)


def test_training_steps_equal_autograd_adam_with_renormalised_decoder():
    """optimize_sae's steps = torch.optim.Adam on the same batches + unit-norm decoder rows."""
    m = sparse_model(pentagon()[None].repeat(2, 1, 1), torch.tensor([[0.1], [0.3]]))
    ours = SAE.for_model(m, 6, seed=1)
    ref = copy.deepcopy(ours)
    batches = []
    optimize_sae(ours, m, l1_coeff=0.2, n_batch=128, steps=6, lr=1e-2, lr_scale=lambda s, n: 1 - s / n,
                 resample_window=None, progress=False, seed=0, hooks=[lambda d: batches.append(d["h"])])
    opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    for step, h in enumerate(batches):
        for group in opt.param_groups:
            group["lr"] = 1e-2 * (1 - step / 6)
        opt.zero_grad()
        acts, h_hat = ref(h)
        sae_loss(h, h_hat, acts, 0.2).sum().backward()
        opt.step()
        ref.normalize_decoder_()
    for p, q in zip(ours.parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(torch.linalg.vector_norm(ours.W_dec, dim=-1), torch.ones(2, 6))


def test_optimize_sae_hooks_seed_and_model_untouched():
    m = sparse_model(pentagon()[None].repeat(2, 1, 1), 0.1)
    W0 = m.W.detach().clone()
    seen = []
    a, b = SAE.for_model(m, 5, seed=0), SAE.for_model(m, 5, seed=0)
    la = optimize_sae(a, m, steps=30, n_batch=64, progress=False, seed=7, hooks=[seen.append])
    lb = optimize_sae(b, m, steps=30, n_batch=64, progress=False, seed=7)
    assert torch.equal(m.W, W0)
    assert la.shape == (2,) and torch.equal(la, lb)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = SAE.for_model(m, 5, seed=0)
    optimize_sae(c, m, steps=30, n_batch=64, progress=False, seed=8)
    assert not torch.equal(a.W_dec, c.W_dec)
    d = seen[-1]
    assert [x["step"] for x in seen] == list(range(30))
    assert d["h"].shape == (64, 2, 2) and d["h_hat"].shape == (64, 2, 2) and d["acts"].shape == (64, 2, 5)
    assert d["sae"] is a and d["model"] is m and isinstance(d["opt"], torch.optim.AdamW)
    assert float(d["loss"]) == pytest.approx(float(la.sum()), rel=1e-5)
    assert d["lr"] == pytest.approx(SAE_TRAINING["lr"] * math.cos(0.5 * math.pi))
    with pytest.raises(ValueError, match="does not fit"):
        optimize_sae(SAE(SAEConfig(3, 2, 5), device="cpu"), m, steps=1, progress=False)
    with pytest.raises(ValueError, match="steps"):
        optimize_sae(a, m, steps=0, progress=False)


def test_l1_coeff_per_instance_equals_separate_runs():
    """A sweep over l1_coeff as the instances of one run gives each instance exactly the
    run it would get alone (instances never interact)."""
    W = pentagon()[None].repeat(3, 1, 1)
    m = sparse_model(W, 0.05)
    h = hidden_activations(m, m.generate_batch(200, generator=torch.Generator().manual_seed(0))).double()
    sae = random_sae(3, 2, 6, seed=1)
    coeffs = torch.tensor([0.0, 0.1, 0.5])
    loss, *grads = sae_loss_and_grads(sae, h, coeffs)
    for k, c in enumerate(coeffs.tolist()):
        loss_k, *grads_k = sae_loss_and_grads(sae, h, c)
        assert float(loss[k]) == pytest.approx(float(loss_k[k]), rel=1e-12)
        for g, g_k in zip(grads, grads_k):
            torch.testing.assert_close(g[k], g_k[k], rtol=1e-12, atol=1e-15)
    acts, h_hat = sae(h)
    torch.testing.assert_close(loss, sae_loss(h, h_hat, acts, coeffs.double()).detach())
    trained = SAE.for_model(m, 6, seed=0)
    optimize_sae(trained, m, l1_coeff=coeffs, steps=200, progress=False)
    met = sae_metrics(trained, m, l1_coeff=coeffs)
    assert met.l0[0] > met.l0[1] > met.l0[2]  # more L1 pressure, fewer active latents
    assert met.reconstruction[0] < met.reconstruction[1] < met.reconstruction[2]
    torch.testing.assert_close(met.loss, met.reconstruction + coeffs * met.l1)
    with pytest.raises(ValueError, match="one per instance"):
        optimize_sae(trained, m, l1_coeff=[0.1, 0.2], steps=1, progress=False)


def test_fewer_latents_than_features():
    m = sparse_model(pentagon()[None], 0.05)
    sae = SAE.for_model(m, 2, seed=0)
    optimize_sae(sae, m, steps=300, progress=False)
    met = sae_metrics(sae, m)
    assert met.latent_feature.shape == (1, 2) and met.feature_cosine.shape == (1, 5)
    assert len(met.instance(0)["recovered"]) <= 2 and len(met.instance(0)["not_recovered"]) >= 3
    torch.testing.assert_close(torch.linalg.vector_norm(sae.W_dec, dim=-1), torch.ones(1, 2))


def test_progress_bar_runs(capsys):
    m = sparse_model(pentagon()[None], 0.1)
    optimize_sae(SAE.for_model(m, 5, seed=0), m, steps=5, n_batch=32, print_freq=2, progress=True)
    assert "5/5" in capsys.readouterr().err


def test_dead_latents_are_resampled_towards_badly_reconstructed_inputs():
    """Two latents fire for 3 steps, then are killed (b_enc = -100): the first window still
    saw them fire, the second did not, so they are resampled at its end: decoder row = the
    direction of an input of that batch, encoder column at 0.2 x the live latents' mean
    norm, bias 0, Adam moments (non-zero from the steps they fired) reset."""
    m = sparse_model(pentagon()[None].repeat(2, 1, 1), 0.05)
    sae = SAE.for_model(m, 5, seed=0)
    events = []

    def hook(d):
        s = d["sae"]
        if d["step"] == 2:
            with torch.no_grad():
                s.b_enc[:, 3:] = -100.0
            state = d["opt"].state
            assert state[s.W_dec]["exp_avg"][:, 3:].abs().sum() > 0  # they did fire: moments to reset
        if d["resampled"] is not None:
            state = d["opt"].state
            moments = [state[p][k] for p in (s.W_enc, s.b_enc, s.W_dec) for k in ("exp_avg", "exp_avg_sq")]
            events.append(
                dict(
                    step=d["step"],
                    mask=d["resampled"].clone(),
                    h=d["h"],
                    W_dec=s.W_dec.detach().clone(),
                    W_enc=s.W_enc.detach().clone(),
                    b_enc=s.b_enc.detach().clone(),
                    b_dec=s.b_dec.detach().clone(),
                    moments=[t.clone() for t in moments],
                )
            )

    optimize_sae(
        sae, m, steps=50, n_batch=256, resample_window=10, resample_until=1.0, progress=False, seed=0,
        hooks=[hook],
    )
    assert [e["step"] for e in events] == [9, 19, 29, 39, 49]
    assert not events[0]["mask"].any()
    first = events[1]
    expected = torch.zeros(2, 5, dtype=torch.bool)
    expected[:, 3:] = True
    assert torch.equal(first["mask"], expected)
    m_W_enc, v_W_enc, m_b_enc, v_b_enc, m_W_dec, v_W_dec = first["moments"]
    for i in range(2):
        hc = first["h"][:, i] - first["b_dec"][i]  # the inputs (centred) this step saw
        hc_unit = hc / torch.linalg.vector_norm(hc, dim=-1, keepdim=True).clamp_min(1e-12)
        live_norm = torch.linalg.vector_norm(first["W_enc"][i][:, :3], dim=0).mean()
        for j in (3, 4):
            # b_dec moved during the step; the new row matches an input direction closely
            assert float((hc_unit @ first["W_dec"][i, j]).max()) > 0.999
            torch.testing.assert_close(torch.linalg.vector_norm(first["W_enc"][i][:, j]), 0.2 * live_norm)
            assert float(first["b_enc"][i, j]) == 0.0
            reset = (m_W_dec[i, j], v_W_dec[i, j], m_W_enc[i, :, j], v_W_enc[i, :, j])
            reset += (m_b_enc[i, j], v_b_enc[i, j])
            assert all(torch.all(t == 0) for t in reset)
        assert m_W_dec[i, :3].abs().sum() > 0  # live latents keep theirs
    # once resampled they fire, so the next windows find nothing dead
    assert all(not bool(e["mask"].any()) for e in events[2:])


# -- metrics ---------------------------------------------------------------------------------
def test_feature_cosines_recovery_and_matching_on_hand_made_weights():
    W = torch.cat([pentagon(), torch.tensor([[0.05, 0.01]])])[None]  # 5 represented + 1 dropped feature
    dirs = pentagon()
    W_dec = torch.stack([dirs[2], dirs[0], -dirs[0], dirs[4] * 0.9 + dirs[3] * 0.1, dirs[1], dirs[1]])
    W_dec = (W_dec / torch.linalg.vector_norm(W_dec, dim=-1, keepdim=True))[None]
    cos = feature_cosines(W, W_dec)
    ref = np.array([[float(w @ d) / (np.linalg.norm(w) * np.linalg.norm(d)) for d in W_dec[0].numpy()]
                    for w in W[0].numpy()])
    np.testing.assert_allclose(cos[0].numpy(), ref, rtol=1e-5, atol=1e-6)
    assert feature_cosines(W[0], W_dec[0]).shape == (6, 6)
    best, latent = feature_recovery(W, W_dec)
    assert latent[0, :5].tolist() == [1, 4, 0, 2, 3]  # feature 3: -W_0 is 36 degrees off
    assert best[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert best[0, 3] == pytest.approx(math.cos(math.radians(36)), abs=1e-6)
    assert best[0, 3] < RECOVERED_COSINE
    alive = torch.tensor([[True, False, True, True, True, False]])
    best_alive, latent_alive = feature_recovery(W, W_dec, alive)
    assert latent_alive[0, 0] != 1 and best_alive[0, 0] < 0.5  # its latent is dead: not recovered
    assert feature_recovery(W, W_dec, torch.zeros(1, 6, dtype=torch.bool))[1].eq(-1).all()
    # the dropped feature 5 points like feature 0 but can never be matched
    assert match_latents(W, W_dec)[0].tolist() == [2, 0, -1, 4, 1, 1]
    assert match_latents(W, W_dec, alive)[0].tolist() == [2, -1, -1, 4, 1, -1]


def test_sae_metrics_against_numpy_on_the_same_batch():
    m = sparse_model(torch.stack([pentagon(), pentagon(0.3)]), torch.tensor([[0.05], [0.2]]))
    sae = SAE.for_model(m, 6, seed=0)
    with torch.no_grad():
        sae.W_dec[:, :5] = pentagon()
        sae.W_enc.copy_(sae.W_dec.transpose(1, 2))
        sae.b_enc.fill_(-0.1)
        sae.b_enc[0, 5] = -50.0  # never fires in instance 0
    met = sae_metrics(sae, m, l1_coeff=0.2, n_batch=512, seed=3)
    x = m.generate_batch(512, generator=torch.Generator().manual_seed(3))
    h = hidden_activations(m, x).double()
    acts, _, rec, l1, loss = numpy_forward_loss(copy.deepcopy(sae).double(), h, 0.2)
    np.testing.assert_allclose(met.l0.numpy(), (acts > 0).sum(-1).mean(0), rtol=1e-5)
    np.testing.assert_allclose(met.dead_fraction.numpy(), (~(acts > 0).any(0)).mean(-1), rtol=1e-6)
    assert met.dead_fraction[0] == pytest.approx(1 / 6)
    np.testing.assert_allclose(met.reconstruction.numpy(), rec, rtol=1e-4)
    np.testing.assert_allclose(met.l1.numpy(), l1, rtol=1e-4)
    np.testing.assert_allclose(met.loss.numpy(), loss, rtol=1e-4)
    assert met.represented.tolist() == [[True] * 5, [False] * 5]
    s0, s1 = met.instance(0), met.instance(1)
    assert s0["recovered"] == [0, 1, 2, 3, 4] and s0["not_recovered"] == [] and s0["dead_latents"] == [5]
    assert s0["feature_latent"] == [0, 1, 2, 3, 4] and s0["latent_feature"] == [0, 1, 2, 3, 4, -1]
    assert s1["represented"] == [] and s1["recovered"] == [] and s1["latent_feature"] == [-1] * 6
    assert set(s0) >= {"l0", "dead_fraction", "reconstruction", "l1", "loss", "feature_cosine"}


# -- the picture -----------------------------------------------------------------------------
def test_sae_directions_png():
    W_dec = torch.cat([pentagon(), pentagon()[:1], torch.tensor([[0.0, 1.0]])])
    png = sae_directions_png(pentagon(), W_dec, alive=[True] * 6 + [False], title="instance 3")
    assert png[:8] == PNG_MAGIC and len(png) > 2000
    assert sae_directions_png(pentagon(), W_dec, alive=[True] * 6 + [False], title="instance 3") == png
    assert sae_directions_png(pentagon(), W_dec) != png
    assert sae_directions_png(torch.zeros(5, 2), W_dec)[:8] == PNG_MAGIC  # nothing represented
    with pytest.raises(ValueError, match=r"\[rows, 2\]"):
        sae_directions_png(torch.zeros(5, 3), torch.zeros(4, 3))
    with pytest.raises(ValueError, match="alive"):
        sae_directions_png(pentagon(), W_dec, alive=[True])
    m = sparse_model(pentagon()[None], 0.1)
    with pytest.raises(ValueError, match="one instance"):
        sae_directions_png(m, W_dec)


# -- recovery --------------------------------------------------------------------------------
def assert_recovers_every_represented_feature(model, d_sae, seeds=SAE_SEEDS):
    for seed in seeds:
        sae = SAE.for_model(model, d_sae, seed=seed)
        optimize_sae(sae, model, progress=False)
        met = sae_metrics(sae, model)
        for i in range(model.config.n_instances):
            rep = met.represented[i]
            assert rep.any()
            worst = float(met.feature_cosine[i][rep].min())
            assert worst >= RECOVERED_COSINE, f"seed {seed}, instance {i}: worst cosine {worst:.3f}"
            assert met.instance(i)["not_recovered"] == []


def test_recovers_a_hand_made_pentagon():
    """5 features in 2 dims as a regular pentagon (any rotation), sparse inputs: every
    recommended training seed recovers all five features."""
    W = torch.stack([pentagon(1.0, 0.0), pentagon(1.0, 0.4), pentagon(1.2, 1.0)])
    model = sparse_model(W, torch.tensor([[0.05], [0.02], [0.1]]))
    assert_recovers_every_represented_feature(model, SAE_D_SAE)


@pytest.mark.slow
def test_recovers_the_features_of_trained_sparse_models():
    """Trained TMS models at high sparsity (a pentagon, or pairs when importance decays
    fast): every recommended seed recovers every represented feature."""
    probs = torch.tensor([[0.05], [0.02], [0.01], [0.05], [0.02]])
    importance = torch.tensor([[0.95**k for k in range(5)]] * 3 + [[0.7**k for k in range(5)]] * 2)
    m = Model(Config(5, 2, 5), feature_probability=probs, importance=importance, device="cpu", seed=0)
    optimize(m, n_batch=512, steps=2000, lr=2e-2, lr_scale=cosine_decay_lr, progress=False)
    n_rep = analysis.n_represented(m.W).tolist()
    assert n_rep[:3] == [5, 5, 5]  # the pentagons really are there
    assert_recovers_every_represented_feature(m, SAE_D_SAE)
