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
"""Each tensors code exercise answered with its classic mistake, written as a learner would."""
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
