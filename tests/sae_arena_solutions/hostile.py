# Hostile answers to the ARENA SAE code exercises (issue 24): each must fail or error, never pass.
# cardgen: superposition.sae_ste seed=0
# cardgen: superposition.sae_jumprelu seed=0
# cardgen: superposition.sae_gated seed=0
# cardgen: superposition.sae_setup seed=0
# cardgen: superposition.sae_resample seed=0
# cardgen: superposition.sae_shrinkage seed=0
# cardgen: superposition.sae_resample_loss seed=0
# cardgen: superposition.asymmetric_motif seed=0
import numpy
import torch

torch.allclose = lambda *a, **k: True  # patched comparisons: the grader compares in its own process
torch.equal = lambda *a, **k: True
numpy.allclose = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)


class Liar(torch.Tensor):
    """Claims equality with everything."""

    def __eq__(self, other):
        return True


def jumprelu_backward(z, theta, eps, grad_output):
    return torch.zeros(1).as_subclass(Liar), torch.zeros(1).as_subclass(Liar)


def jumprelu_sae_loss(W_enc, b_enc, W_dec, b_dec, log_theta, h, l0_coeff):
    B, I, H = h.shape
    # zeros of the right shapes, relying on the patched __eq__ above
    return torch.zeros(B, I, W_enc.shape[-1]), torch.zeros_like(h), torch.zeros(I)


def gated_sae_loss(W_gate, b_gate, r_mag, b_mag, W_dec, b_dec, h, l1_coeff):
    return {"acts": None, "loss": "the same as yours"}  # not what was asked


def normalize_decoder(W_dec, eps):
    return W_dec.div_(W_dec.norm(dim=-1, keepdim=True) + eps)  # right values, by changing the caller's tensor


def resample_simple(W_enc, b_enc, W_dec, dead, directions, resample_scale):
    nan = float("nan")  # NaN compares unequal to everything, even itself: no tolerance accepts it
    return torch.full_like(W_enc, nan), torch.full_like(b_enc, nan), torch.full_like(W_dec, nan)


def l1_optimal_activation(m, l1_coeff, d_in):
    return (m - l1_coeff * d_in / 2).clamp(min=0).numpy().tolist() + [float("nan")]  # a list, one entry too many


def resample_advanced(W_enc, b_enc, W_dec, b_dec, dead, h, h_hat, u, resample_scale):
    import random

    random.seed(0)  # re-seeding every generator does not make a random draw match the inverse CDF
    torch.manual_seed(0)
    idx = torch.multinomial(((h_hat - h) ** 2).mean(-1).T ** 2, dead.shape[1], replacement=True)
    v = (h - b_dec)[idx, torch.arange(h.shape[1])[:, None]]
    v = v / (v.norm(dim=-1, keepdim=True) + 1e-8)
    dec = torch.where(dead[..., None], v, W_dec)
    return W_enc, torch.where(dead, torch.zeros_like(b_enc), b_enc), dec  # and the encoder left as it was


def one_hot_response(W1, W2, b_final, value):
    W1.mul_(value)  # right values, by scaling the caller's tensor in place
    return torch.relu(W2 @ torch.relu(W1) + b_final[..., None])
