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
"""Right solutions to every tensors code exercise, each in the exercise's rules."""
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
