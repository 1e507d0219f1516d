# cardgen: superposition.loss seed=0
# cardgen: superposition.dimensionality seed=0
# cardgen: superposition.forward_arena seed=0
# cardgen: superposition.hidden_relu seed=0
# cardgen: superposition.generate_batch seed=0
# cardgen: superposition.abs_model seed=0
"""Right solutions to the ARENA 1.3.1 code exercises of issue 24 (items 7, 8, 11), written
independently of the references (einops / plain torch, not superpos_core)."""
import einops
import torch


def importance_loss(out, features, importance):
    error = importance * (features - out) ** 2
    return einops.reduce(error, "b i f -> i", "mean").sum()


def feature_dimensionality(W):
    norms = W.norm(dim=-1, keepdim=True)
    overlaps = einops.einsum(W / norms, W, "i f h, i g h -> i f g")
    return norms[..., 0] ** 2 / (overlaps ** 2).sum(-1)


def forward(W, b_final, features):
    h = einops.einsum(W, features, "i h f, ... i f -> ... i h")
    out = einops.einsum(W, h, "i h f, ... i h -> ... i f")
    return torch.relu(out + b_final)


def neuron_forward(W, b_final, features):
    h = torch.relu(einops.einsum(features, W, "... i f, i f h -> ... i h"))
    return torch.relu(einops.einsum(h, W, "... i h, i f h -> ... i f") + b_final)


def generate_batch(values, u_feat, u_pair, p, kind):
    if kind == "uncorrelated":
        present = u_feat < p
    elif kind == "correlated":
        present = einops.repeat(u_pair < p, "b i g -> b i (g 2)")
    else:
        present = torch.stack([u_pair < p, (u_pair >= p) & (u_pair < 2 * p)], dim=-1).flatten(-2)
    return torch.where(present, values, 0.0)


def abs_forward(W1, W2, b_final, features):
    h = torch.relu(einops.einsum(W1, features, "i h f, ... i f -> ... i h"))
    return torch.relu(einops.einsum(W2, h, "i f h, ... i h -> ... i f") + b_final)
