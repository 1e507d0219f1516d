# cardgen: tensors.gather seed=0
# cardgen: tensors.broadcast seed=0
# cardgen: tensors.where seed=0
# cardgen: tensors.masks seed=0
# cardgen: tensors.cumsum seed=0
# cardgen: tensors.softmax seed=0
# cardgen: tensors.cross_entropy seed=0
# cardgen: tensors.accuracy seed=0
# cardgen: tensors.sample seed=0
# cardgen: tensors.normalise seed=0
# cardgen: tensors.roll seed=0
# cardgen: tensors.flip seed=0
# cardgen: tensors.pad_to seed=0
# cardgen: tensors.compress seed=0
# cardgen: tensors.bincount seed=0
# cardgen: tensors.scatter_add seed=0
# cardgen: tensors.linspace seed=0
# cardgen: tensors.vstack seed=0
# cardgen: tensors.sum seed=0
# cardgen: tensors.ones seed=0
# cardgen: superposition.loss seed=0
# cardgen: superposition.dimensionality seed=0
# cardgen: superposition.forward_arena seed=0
# cardgen: superposition.hidden_relu seed=0
# cardgen: superposition.generate_batch seed=0
# cardgen: superposition.abs_model seed=0
"""Right solutions to every code exercise issue 24 added (tensors, ARENA 1.3.1), each in its rules."""
import einops
import torch


def pick(x, idx):
    return x[torch.arange(x.shape[0]), idx]


def pairwise_sq_dists(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def clamp(x, lo, hi):
    return torch.where(x < lo, lo, torch.where(x > hi, hi, x))


def triu(n, k):
    return torch.arange(n) - torch.arange(n)[:, None] >= k


def cumsum(a):
    return a @ torch.where(torch.arange(a.shape[0])[:, None] <= torch.arange(a.shape[0]), 1.0, 0.0)


def softmax(x):
    return (x - x.amax(-1, keepdim=True)).exp() / (x - x.amax(-1, keepdim=True)).exp().sum(-1, keepdim=True)


def cross_entropy(logits, labels):
    return (logits.logsumexp(-1) - logits[torch.arange(len(labels)), labels]).mean()


def accuracy(logits, labels):
    return (logits.argmax(-1) == labels).float().mean()


def sample(probs, u):
    return (probs.cumsum(-1) <= u[:, None]).sum(-1)


def normalise_rows(x):
    return x / (x ** 2).sum(-1, keepdim=True).sqrt()


def importance_loss(out, features, importance):
    error = importance * (features - out) ** 2
    return einops.reduce(error, "b i f -> i", "mean").sum()


def feature_dimensionality(W):
    norms = W.norm(dim=-1, keepdim=True)
    overlaps = einops.einsum(W / norms, W, "i f h, i g h -> i f g")
    return norms[..., 0] ** 2 / (overlaps ** 2).sum(-1)


def forward_arena(W, b_final, features):
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


def roll(a):
    return a[(torch.arange(a.shape[0]) + 1) % a.shape[0]]


def flip(a):
    return a[a.shape[0] - 1 - torch.arange(a.shape[0])]


def pad_to(a, j):
    return torch.where(torch.arange(j) < a.shape[0], a[torch.arange(j) % a.shape[0]], 0.0)


def compress(g, v):
    return v @ torch.where(g[:, None] & ((torch.where(g, 1, 0) @ torch.where(torch.arange(g.shape[0])[:, None] < torch.arange(g.shape[0]), 1, 0))[:, None] == torch.arange(g.shape[0])), 1.0, 0.0)  # noqa: E501


def bincount(a, j):
    return torch.where(torch.arange(a.shape[0]) >= 0, 1, 0) @ torch.where(a[:, None] == torch.arange(j), 1, 0)


def scatter_add(values, link, j):
    return values @ torch.where(link[:, None] == torch.arange(j), 1.0, 0.0)


def linspace(i, j, n):
    return i + (j - i) * torch.arange(n) / (n - 1 + (n == 1))


def vstack(a, b):
    return torch.where(torch.arange(2)[:, None] == 0, a, b)


def sum(a):  # noqa: A001 - the puzzle's name
    return a @ torch.where(torch.arange(a.shape[0]) >= 0, 1.0, 0.0)[:, None]


def ones(i):
    return torch.where(torch.arange(i) >= 0, 1, 0)
