# Right solutions of the ARENA SAE code exercises (issue 24): graded by tests/test_families_sae_arena.py.
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


class JumpReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, theta, eps):
        ctx.save_for_backward(z, theta)
        ctx.eps = eps
        return z * (z > theta)

    @staticmethod
    def backward(ctx, g):
        z, theta = ctx.saved_tensors
        window = ((z - theta) / ctx.eps).abs() < 0.5
        gt = -(theta / ctx.eps) * window * g
        while gt.ndim > theta.ndim:
            gt = gt.sum(0)
        return (z > theta) * g, gt, None


def jumprelu_backward(z, theta, eps, grad_output):
    z = z.clone().requires_grad_(True)
    theta = theta.clone().requires_grad_(True)
    with torch.enable_grad():
        JumpReLU.apply(z, theta, eps).backward(grad_output)
    return z.grad, theta.grad


def jumprelu_sae_loss(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    z = F.relu(torch.einsum("bih,ihd->bid", h - b_dec, W_enc) + b_enc)
    fires = z > log_theta.exp()
    acts = torch.where(fires, z, 0.0)
    h_hat = torch.einsum("bid,idh->bih", acts, W_dec) + b_dec
    return acts, h_hat, ((h_hat - h) ** 2).mean((0, 2)) + l0_coeff * fires.float().sum(-1).mean(0)


def gated_sae_loss(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    x = h - b_dec
    pg = torch.einsum("bih,ihd->bid", x, W_gate) + b_gate
    pm = torch.einsum("bih,ihd->bid", x, W_gate * r_mag.exp()[:, None, :]) + b_mag
    acts = (pg > 0).float() * pm.relu()
    h_hat = torch.einsum("bid,idh->bih", acts, W_dec) + b_dec
    via = torch.einsum("bid,idh->bih", pg.relu(), W_dec.detach()) + b_dec.detach()
    loss = ((h_hat - h) ** 2).mean((0, 2)) + l1_coeff * pg.relu().sum(-1).mean(0) + ((via - h) ** 2).mean((0, 2))
    return acts, h_hat, loss


def normalize_decoder(W_dec, eps):
    return W_dec / (W_dec.norm(dim=-1, keepdim=True) + eps)


def resample_simple(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    W_enc, b_enc, W_dec = W_enc.clone(), b_enc.clone(), W_dec.clone()
    u = directions / (directions.norm(dim=-1, keepdim=True) + 1e-8)
    W_dec[dead] = u[dead]
    W_enc.transpose(1, 2)[dead] = resample_scale * u[dead]
    b_enc[dead] = 0
    return W_enc, b_enc, W_dec


def l1_optimal_activation(m, l1_coeff, d_in):
    return (m - l1_coeff * d_in / 2).clamp(min=0)


def resample_advanced(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    W_enc, b_enc, W_dec = W_enc.clone(), b_enc.clone(), W_dec.clone()
    losses = ((h_hat - h) ** 2).mean(-1)  # [batch, instances]
    for i in range(h.shape[1]):
        live = ~dead[i]
        norm = W_enc[i][:, live].norm(dim=0).mean() if live.any() else torch.tensor(1.0)
        probs = losses[:, i] ** 2 / (losses[:, i] ** 2).sum()
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
    # column k of W1 * value is what the hidden layer receives when feature k alone is present
    hidden = torch.relu(W1 * value)  # [instances, hidden, features (in)]
    return torch.relu(W2 @ hidden + b_final[..., None])  # [instances, features (out), features (in)]
