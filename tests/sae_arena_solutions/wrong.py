# One classic mistake per ARENA SAE code exercise (issue 24): the grader must name each.
# cardgen: superposition.sae_ste seed=0
# cardgen: superposition.sae_jumprelu seed=0
# cardgen: superposition.sae_gated seed=0
# cardgen: superposition.sae_setup seed=0
# cardgen: superposition.sae_resample seed=0
# cardgen: superposition.sae_shrinkage seed=0
# cardgen: superposition.sae_resample_loss seed=0
# cardgen: superposition.asymmetric_motif seed=0
import torch
import torch.nn.functional as F


def jumprelu_backward(z, theta, eps, grad_output):
    # the pseudo-derivative sent to the input
    window = ((z - theta) / eps).abs() < 0.5
    return -(theta / eps) * window * grad_output, torch.zeros_like(theta)


def jumprelu_sae_loss(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = F.relu(torch.einsum("bih,ihd->bid", h - b_dec, W_enc) + b_enc)
    fires = z > log_theta  # log θ used as θ
    acts = torch.where(fires, z, 0.0)
    h_hat = torch.einsum("bid,idh->bih", acts, W_dec) + b_dec
    return acts, h_hat, ((h_hat - h) ** 2).mean((0, 2)) + l0_coeff * fires.float().sum(-1).mean(0)


def gated_sae_loss(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    x = h - b_dec
    pg = torch.einsum("bih,ihd->bid", x, W_gate) + b_gate
    pm = torch.einsum("bih,ihd->bid", x, W_gate * r_mag.exp()[:, None, :]) + b_mag
    acts = (pg > 0).float() * pm.relu()
    h_hat = torch.einsum("bid,idh->bih", acts, W_dec) + b_dec
    return acts, h_hat, ((h_hat - h) ** 2).mean((0, 2)) + l1_coeff * pg.relu().sum(-1).mean(0)  # no aux


def normalize_decoder(W_dec, eps):
    return W_dec / (W_dec.norm(dim=1, keepdim=True) + eps)  # over the latents


def resample_simple(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    W_enc, b_enc, W_dec = W_enc.clone(), b_enc.clone(), W_dec.clone()
    u = directions / (directions.norm(dim=-1, keepdim=True) + 1e-8)
    W_dec[dead] = u[dead]
    W_enc.transpose(1, 2)[dead] = resample_scale * u[dead]
    return W_enc, b_enc, W_dec  # b_enc kept


def l1_optimal_activation(m, l1_coeff, d_in):
    return (m - l1_coeff * d_in).clamp(min=0)


def resample_advanced(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    W_enc, b_enc, W_dec = W_enc.clone(), b_enc.clone(), W_dec.clone()
    losses = ((h_hat - h) ** 2).mean(-1)
    for i in range(h.shape[1]):
        live = ~dead[i]
        norm = W_enc[i][:, live].norm(dim=0).mean() if live.any() else torch.tensor(1.0)
        probs = losses[:, i] / losses[:, i].sum()  # proportional to the loss, not its square
        cdf = probs.cumsum(0)
        for j in torch.nonzero(dead[i]).flatten().tolist():
            b = min(int((cdf <= u[i, j]).sum()), len(cdf) - 1)
            v = h[b, i] - b_dec[i]
            v = v / (v.norm() + 1e-8)
            W_dec[i, j] = v
            W_enc[i, :, j] = v * resample_scale * norm
            b_enc[i, j] = 0.0
    return W_enc, b_enc, W_dec


def one_hot_response(W1, W2, b_final, value):
    # the main model's habit, W2 W1 as one linear map: no hidden ReLU
    return torch.relu(W2 @ (W1 * value) + b_final[..., None])
