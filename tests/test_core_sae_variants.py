"""superpos_core.ste and superpos_core.sae_variants (issue 24, items 1-5): the straight-through
gradients checked against autograd where a true gradient exists and against the STE definition
(and what it estimates) where it does not; Gated and JumpReLU SAEs; set-up; resampling; shrinkage."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from superpos_core import Config, Model, sae_loss
from superpos_core.ste import Heaviside, JumpReLU, heaviside_backward, jumprelu_backward, rectangle
from superpos_core.sae_variants import (
    GatedSAE,
    JumpReLUSAE,
    THETA_INIT,
    VariantConfig,
    gated_sae_loss_terms,
    kaiming_uniform,
    kaiming_uniform_bound,
    loss_weighted_indices,
    loss_weighted_probs,
    normalize_decoder,
    optimal_activation,
    optimize_sae_variant,
    resample_loss_weighted,
    resample_simple,
)


def _zt(seed=0, shape=(5, 3, 4), eps=0.3):
    g = torch.Generator().manual_seed(seed)
    theta = 0.3 + torch.rand(shape[1:], generator=g, dtype=torch.float64)
    z = theta + eps * (2 * torch.rand(shape, generator=g, dtype=torch.float64) - 1)
    z[0] = 3 * torch.rand(shape[1:], generator=g, dtype=torch.float64)  # some far from θ
    return z, theta, torch.randn(shape, generator=g, dtype=torch.float64)


# ----------------------------------------------------------------------- straight-through gradients


def test_arena_examples_hold():
    """The worked examples of ARENA's Heaviside/JumpReLU exercises, batch handling included."""
    z = torch.tensor([[1.0, 1.4, 1.6, 2.0]], requires_grad=True)
    theta = torch.tensor([1.5, 1.5, 1.5, 1.5], requires_grad=True)
    out = Heaviside.apply(torch.cat([z, z]), theta, 0.5)
    out.backward(torch.ones_like(out))
    assert out[0].tolist() == [0.0, 0.0, 1.0, 1.0] and theta.grad.tolist() == [0.0, -4.0, -4.0, 0.0]
    assert z.grad.tolist() == [[0.0] * 4]
    theta.grad = z.grad = None
    out = JumpReLU.apply(z, theta, 0.5)
    out.backward(torch.ones_like(out))
    assert torch.allclose(out, torch.tensor([[0.0, 0.0, 1.6, 2.0]]))
    assert theta.grad.tolist() == [0.0, -3.0, -3.0, 0.0] and z.grad.tolist() == [[0.0, 0.0, 1.0, 1.0]]


def test_input_gradients_are_the_true_ones_autograd_gives():
    """Where a true gradient exists (with respect to z), the Functions give exactly autograd's."""
    z, theta, g = _zt()
    for fn, plain in ((JumpReLU, lambda z: z * (z > theta).to(z.dtype)), (Heaviside, lambda z: (z > theta).to(z.dtype))):
        a = z.clone().requires_grad_(True)
        fn.apply(a, theta, 0.3).backward(g)
        b = z.clone().requires_grad_(True)
        out = plain(b)
        if out.requires_grad:
            out.backward(g)
        want = torch.zeros_like(z) if b.grad is None else b.grad
        assert torch.equal(a.grad, want), fn.__name__
    # and JumpReLU's gradient for z passes torch's numerical check away from the jump
    zz = (theta + 0.2 + torch.rand_like(theta)).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: JumpReLU.apply(x, theta, 0.05), (zz,))


def test_theta_gradients_follow_the_ste_definition_entry_by_entry():
    """Where no true gradient exists (θ), the Functions give the pseudo-derivative as defined,
    written out here with loops: -(θ/ε) K((z-θ)/ε) (JumpReLU), -(1/ε) K(...) (Heaviside), summed
    over the batch; the plain backward functions agree with the Functions."""
    eps = 0.3
    z, theta, g = _zt(eps=eps)
    B, I, D = z.shape
    want_j = np.zeros((I, D))
    want_h = np.zeros((I, D))
    for b in range(B):
        for i in range(I):
            for d in range(D):
                inside = abs(float(z[b, i, d] - theta[i, d]) / eps) < 0.5
                want_j[i, d] += -float(theta[i, d]) / eps * inside * float(g[b, i, d])
                want_h[i, d] += -1 / eps * inside * float(g[b, i, d])
    assert 0 < np.count_nonzero(want_j) < I * D * 1.01
    for fn, want, plain in ((JumpReLU, want_j, jumprelu_backward), (Heaviside, want_h, heaviside_backward)):
        th = theta.clone().requires_grad_(True)
        fn.apply(z, th, eps).backward(g)
        assert np.allclose(th.grad.numpy(), want), fn.__name__
        assert torch.allclose(plain(z, theta, eps, g)[1], th.grad)


def test_the_heaviside_pseudo_derivative_estimates_the_expected_steps_derivative():
    """What the STE is for: averaged over inputs, -(1/ε) K((z-θ)/ε) estimates d/dθ E[1[z > θ]],
    here -p(θ) for z ~ U(0, 2) (density 1/2), which a finite difference of E[1[z > θ]] also gives."""
    g = torch.Generator().manual_seed(0)
    z = 2 * torch.rand(400_000, generator=g, dtype=torch.float64)
    theta = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    Heaviside.apply(z, theta, 0.05).mean().backward()
    with torch.no_grad():
        fd = ((z > 0.81).double().mean() - (z > 0.79).double().mean()) / 0.02
    assert abs(float(theta.grad) + 0.5) < 0.02 and abs(float(fd) + 0.5) < 0.02


def test_rectangle_kernel_and_bandwidth():
    assert rectangle(torch.tensor([-0.6, -0.5, -0.49, 0.0, 0.49, 0.5])).tolist() == [0, 0, 1, 1, 1, 0]
    with pytest.raises(ValueError, match="eps"):
        heaviside_backward(torch.ones(2), torch.ones(2), 0.0, torch.ones(2))


# ----------------------------------------------------------------------- Gated and JumpReLU SAEs


def _h(I=2, B=16, H=3, seed=1):
    return torch.randn(B, I, H, generator=torch.Generator().manual_seed(seed))


def test_gated_sae_forward_and_losses_match_a_numpy_reference():
    sae = GatedSAE(VariantConfig(2, 3, 5), device="cpu", seed=0)
    with torch.no_grad():
        for p in (sae.b_gate, sae.r_mag, sae.b_mag, sae.b_dec):
            p.normal_(generator=torch.Generator().manual_seed(p.numel()))
    h = _h()
    t = gated_sae_loss_terms(sae.W_gate, sae.b_gate, sae.r_mag, sae.b_mag, sae.W_dec, sae.b_dec, h)
    n = {k: v.detach().double().numpy() for k, v in dict(Wg=sae.W_gate, bg=sae.b_gate, r=sae.r_mag, bm=sae.b_mag,
                                                             Wd=sae.W_dec, bd=sae.b_dec, h=h).items()}
    hc = n["h"] - n["bd"]
    pg = np.einsum("bih,ihd->bid", hc, n["Wg"]) + n["bg"]
    pm = np.einsum("bih,ihd->bid", hc, np.exp(n["r"])[:, None, :] * n["Wg"]) + n["bm"]
    acts = (pg > 0) * np.maximum(pm, 0)
    h_hat = np.einsum("bid,idh->bih", acts, n["Wd"]) + n["bd"]
    via = np.einsum("bid,idh->bih", np.maximum(pg, 0), n["Wd"]) + n["bd"]
    assert np.allclose(t["acts"].detach(), acts, atol=1e-5) and np.allclose(t["h_hat"].detach(), h_hat, atol=1e-5)
    assert np.allclose(t["reconstruction"].detach(), ((h_hat - n["h"]) ** 2).mean((0, 2)), atol=1e-5)
    assert np.allclose(t["sparsity"].detach(), np.maximum(pg, 0).sum(-1).mean(0), atol=1e-5)
    assert np.allclose(t["aux"].detach(), ((via - n["h"]) ** 2).mean((0, 2)), atol=1e-5)


def test_gated_gradients_the_gate_learns_from_l1_and_aux_and_aux_leaves_the_decoder_alone():
    sae = GatedSAE(VariantConfig(2, 3, 5), device="cpu", seed=0)
    h = _h()
    t = sae.loss_terms(h)
    t["reconstruction"].sum().backward(retain_graph=True)
    assert sae.b_gate.grad is None or not sae.b_gate.grad.any()  # the step passes nothing to the gate...
    assert sae.r_mag.grad.abs().sum() > 0  # ...the magnitude path (W_mag = exp(r_mag) W_gate) learns
    sae.zero_grad()
    t["aux"].sum().backward(retain_graph=True)
    assert sae.b_gate.grad.abs().sum() > 0  # the auxiliary loss trains the gate
    assert sae._W_dec.grad is None  # with the decoder frozen (b_dec still learns as the input's centre)
    sae.zero_grad()
    t["sparsity"].sum().backward()
    assert sae.b_gate.grad.abs().sum() > 0 and sae.r_mag.grad is None


def test_jumprelu_sae_thresholds_learn_through_the_ste_only():
    sae = JumpReLUSAE(VariantConfig(2, 3, 5, eps=0.5), device="cpu", seed=0)
    assert torch.allclose(sae.theta, torch.full((2, 5), THETA_INIT))
    h = _h()
    t = sae.loss_terms(h)
    z = torch.relu(torch.einsum("bih,ihd->bid", h - sae.b_dec, sae.W_enc) + sae.b_enc)
    assert torch.equal(t["acts"], z * (z > sae.theta))
    assert torch.allclose(t["l0"], (z > sae.theta).float().sum(-1).mean(0))
    t["l0"].sum().backward()
    # d/dlog θ = θ · d/dθ, with the Heaviside's pseudo-derivative, averaged over the batch
    want = (sae.theta * (-(1 / 0.5) * rectangle((z - sae.theta) / 0.5)).mean(0)).detach()
    assert torch.allclose(sae.log_theta.grad, want) and want.abs().sum() > 0
    assert sae.W_enc.grad is None or not sae.W_enc.grad.any()  # the L0 has no true gradient


def test_both_train_on_the_shared_loop_and_reach_low_loss_with_unit_decoder_rows():
    model = Model(Config(n_features=5, n_hidden=2, n_instances=1), feature_probability=0.05, device="cpu", seed=0)
    with torch.no_grad():  # a pentagon: the sparse model's solution, without training it here
        ang = torch.arange(5) * 2 * math.pi / 5
        model.W.copy_(torch.stack([ang.cos(), ang.sin()], -1)[None])
    for cls, coeff in ((GatedSAE, 0.2), (JumpReLUSAE, 0.01)):
        sae = cls.for_model(model, 6, seed=0)
        seen = []
        last = optimize_sae_variant(sae, model, coeff, n_batch=256, steps=120, resample_window=50, seed=0,
                                    hooks=[lambda d: seen.append(float(d["loss"]))])
        assert len(seen) == 120 and last.shape == (1,)
        assert np.mean(seen[-10:]) < 0.5 * np.mean(seen[:10]), cls.__name__
        assert torch.allclose(sae.W_dec.norm(dim=-1), torch.ones(1, 6), atol=1e-5)


# ----------------------------------------------------------------------- set-up


@pytest.mark.parametrize("shape", [(4, 2, 5), (3, 7), (2, 3, 4, 5)])
def test_kaiming_bound_is_torchs(shape):
    t = torch.nn.init.kaiming_uniform_(torch.empty(shape), generator=torch.Generator().manual_seed(0))
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(t)
    b = kaiming_uniform_bound(shape)
    assert b == pytest.approx(math.sqrt(6 / fan_in))
    big = kaiming_uniform((64, *shape[1:]), generator=torch.Generator().manual_seed(0))
    assert big.abs().max() <= b and big.abs().max() > 0.9 * b


def test_decoder_normalisation_and_tied_decoder():
    W = torch.randn(2, 5, 3)
    W[0, 1] = 0
    n = normalize_decoder(W)
    assert torch.allclose(n[1].norm(dim=-1), torch.ones(5), atol=1e-6) and torch.equal(n[0, 1], torch.zeros(3))
    tied = GatedSAE(VariantConfig(2, 3, 5, tied=True), device="cpu", seed=0)
    assert tied._W_dec is None and torch.allclose(tied.W_dec, normalize_decoder(tied.W_gate.transpose(1, 2)))


# ----------------------------------------------------------------------- resampling


def test_resample_simple_changes_only_dead_latents():
    g = torch.Generator().manual_seed(0)
    W_enc, b_enc, W_dec = torch.randn(2, 3, 5, generator=g), -torch.rand(2, 5, generator=g), torch.randn(2, 5, 3,
                                                                                                          generator=g)
    dead = torch.tensor([[True, False, False, True, False], [False] * 5])
    dirs = 3 * torch.randn(2, 5, 3, generator=g)
    before = [t.clone() for t in (W_enc, b_enc, W_dec)]
    e, b, d = resample_simple(W_enc, b_enc, W_dec, dead, dirs, 0.5)
    assert all(torch.equal(x, y) for x, y in zip(before, (W_enc, b_enc, W_dec)))
    u = dirs[0, 0] / dirs[0, 0].norm()
    assert torch.allclose(d[0, 0], u) and torch.allclose(e[0, :, 0], 0.5 * u) and b[0, 0] == 0
    assert torch.equal(d[~dead], W_dec[~dead]) and torch.equal(b[~dead], b_enc[~dead])


def test_loss_weighted_draw_follows_squared_losses():
    losses = torch.tensor([0.1, 0.0, 0.3, 0.2], dtype=torch.float64)
    h = losses.sqrt()[:, None, None]  # one instance, d_in 1: per-input loss = h^2
    p = loss_weighted_probs(h, torch.zeros_like(h))[0]
    assert torch.allclose(p, losses ** 2 / (losses ** 2).sum())
    u = ((torch.arange(20_000, dtype=torch.float64) + 0.5) / 20_000)[None]
    idx = loss_weighted_indices(h, torch.zeros_like(h), u)[0]
    freq = torch.bincount(idx, minlength=4).double() / idx.numel()
    assert torch.allclose(freq, p, atol=1e-3) and freq[1] == 0
    # resampled latents point along the picked centred input, at resample_scale x the live mean norm
    H = torch.tensor([[[1.0, 0.0]], [[0.0, 2.0]]])
    W_enc = torch.tensor([[[2.0, 0.0, 0.3], [0.0, 0.0, 0.4]]])  # live norms 2 and 0.5
    W_dec, b_enc, b_dec = torch.eye(3, 2)[None], torch.tensor([[0.1, -5.0, 0.2]]), torch.tensor([[0.0, 1.0]])
    dead = torch.tensor([[False, True, False]])
    e, b, d = resample_loss_weighted(W_enc, b_enc, W_dec, b_dec, dead, H, torch.zeros_like(H),
                                     torch.tensor([[0.0, 0.99, 0.0]]), 0.2)
    want = torch.tensor([0.0, 1.0])  # input 1 (loss 2 > 0.5), centred: (0, 2) - (0, 1)
    assert torch.allclose(d[0, 1], want) and torch.allclose(e[0, :, 1], 0.2 * 1.25 * want) and b[0, 1] == 0


# ----------------------------------------------------------------------- shrinkage


@pytest.mark.parametrize("m,coeff,d_in", [(1.0, 0.2, 2), (0.3, 0.3, 3), (1.5, 0.05, 4)])
def test_optimal_activations_are_the_minima_of_the_real_loss(m, coeff, d_in):
    """Brute force: superpos_core.sae_loss of a one-latent SAE whose decoder row is the input's
    direction, over a grid of activations; the L0 cost added by hand (sae_loss has only an L1)."""
    d = torch.randn(d_in, dtype=torch.float64)
    d /= d.norm()
    a = torch.linspace(0, 2, 20001, dtype=torch.float64)
    h = (m * d).expand(1, len(a), d_in)  # the grid of activations as instances of one batch row
    h_hat, acts = a[None, :, None] * d, a[None, :, None]
    l1 = sae_loss(h, h_hat, acts, coeff)
    rec = sae_loss(h, h_hat, acts, 0.0)
    l0 = rec + coeff * (a > 0)
    assert float(a[l1.argmin()]) == pytest.approx(float(optimal_activation(m, coeff, d_in, "l1")), abs=2e-4)
    assert float(a[l0.argmin()]) == pytest.approx(float(optimal_activation(m, coeff, d_in, "l0")), abs=2e-4)
