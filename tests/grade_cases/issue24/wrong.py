# cardgen: tensors.gather seed=1
# cardgen: tensors.broadcast seed=1
# cardgen: tensors.where seed=1
# cardgen: tensors.masks seed=1
# cardgen: tensors.cumsum seed=1
# cardgen: tensors.softmax seed=1
# cardgen: tensors.cross_entropy seed=1
# cardgen: tensors.accuracy seed=1
# cardgen: tensors.sample seed=1
# cardgen: tensors.normalise seed=1
# cardgen: tensors.roll seed=1
# cardgen: tensors.flip seed=1
# cardgen: tensors.pad_to seed=1
# cardgen: tensors.compress seed=1
# cardgen: tensors.bincount seed=1
# cardgen: tensors.scatter_add seed=1
# cardgen: tensors.linspace seed=1
# cardgen: tensors.vstack seed=1
# cardgen: tensors.sum seed=1
# cardgen: tensors.ones seed=1
# cardgen: superposition.loss seed=1
# cardgen: superposition.dimensionality seed=1
# cardgen: superposition.forward_arena seed=1
# cardgen: superposition.hidden_relu seed=1
# cardgen: superposition.generate_batch seed=1
# cardgen: superposition.abs_model seed=1
"""Each code exercise of issue 24 answered with its classic mistake, as a learner writes it."""
import einops
import torch


def pick(x, idx):
    return x[:, idx]  # whole columns


def pairwise_sq_dists(x, y):
    return ((y[:, None, :] - x[None, :, :]) ** 2).sum(-1)  # transposed


def clamp(x, lo, hi):
    return torch.where(x < lo, lo, x)  # forgot the upper bound


def triu(n, k):
    return torch.arange(n) - torch.arange(n)[:, None] > k  # strict


def cumsum(a):
    return a @ torch.where(torch.arange(a.shape[0])[:, None] < torch.arange(a.shape[0]), 1.0, 0.0)  # exclusive


def softmax(x):
    return x.exp() / x.exp().sum(-1, keepdim=True)  # no max subtracted


def cross_entropy(logits, labels):
    return -logits[torch.arange(len(labels)), labels].mean()  # no logsumexp


def accuracy(logits, labels):
    return (logits.argmax(-1) == labels).float().sum()  # a count


def sample(probs, u):
    return (probs.cumsum(-1) < u[:, None]).sum(-1)  # strict


def normalise_rows(x):
    return x / x.norm(dim=-1)  # no keepdim


def importance_loss(out, features, importance):
    return (importance * (features - out) ** 2).mean()  # averaged over the instances too


def feature_dimensionality(W):
    overlaps = einops.einsum(W, W, "i f h, i g h -> i f g")  # W_f not normalised
    return (W ** 2).sum(-1) / (overlaps ** 2).sum(-1)


def forward_arena(W, b_final, features):  # W read as [instances, features, hidden]
    h = einops.einsum(features, W, "... i f, i f h -> ... i h")
    return torch.relu(einops.einsum(h, W, "... i h, i f h -> ... i f") + b_final)


def neuron_forward(W, b_final, features):  # no ReLU on the hidden layer
    h = einops.einsum(features, W, "... i f, i f h -> ... i h")
    return torch.relu(einops.einsum(h, W, "... i h, i f h -> ... i f") + b_final)


def generate_batch(values, u_feat, u_pair, p, kind):
    if kind == "uncorrelated":
        present = u_feat < p
    elif kind == "correlated":
        present = einops.repeat(u_pair < p, "b i g -> b i (2 g)")  # halves, not neighbours
    else:
        present = torch.cat([u_pair < p, (u_pair >= p) & (u_pair < 2 * p)], dim=-1)
    return torch.where(present, values, 0.0)


def abs_forward(W1, W2, b_final, features):  # tied weights, as in the main model
    h = torch.relu(einops.einsum(W1, features, "i h f, ... i f -> ... i h"))
    return torch.relu(einops.einsum(W1, h, "i h f, ... i h -> ... i f") + b_final)


def roll(a):
    return a[(torch.arange(a.shape[0]) - 1) % a.shape[0]]  # rolled towards the end


def flip(a):
    return a[-torch.arange(a.shape[0])]  # a[0] stays first


def pad_to(a, j):
    return a[torch.arange(j) % a.shape[0]]  # no zeros: wraps around


def compress(g, v):
    return torch.where(g, v, 0.0)  # not packed to the front


def bincount(a, j):
    return torch.where(torch.arange(a.shape[0]) >= 0, 1, 0) @ torch.where(a[:, None] == torch.arange(j), a[:, None], 0)


def scatter_add(values, link, j):
    return torch.where(torch.arange(values.shape[0]) >= 0, 1.0, 0.0) @ torch.where(link[:, None] == torch.arange(j), 1.0, 0.0)


def linspace(i, j, n):
    return i + (j - i) * torch.arange(n) / n  # n steps: misses j


def vstack(a, b):
    return torch.where(torch.arange(2)[:, None] == 1, a, b)  # b on top


def sum(a):  # noqa: A001 - the puzzle's name
    return a @ torch.where(torch.arange(a.shape[0]) >= 0, 1.0, 0.0)  # a scalar, not shape [1]


def ones(i):
    return torch.where(torch.arange(i) > 0, 1, 0)  # index 0 left out
