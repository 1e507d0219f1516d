# cardgen: tensors.gather seed=2
# cardgen: tensors.where seed=2
# cardgen: tensors.masks seed=2
# cardgen: tensors.cumsum seed=2
# cardgen: tensors.softmax seed=2
"""Right results by forbidden means: each must fail on the exercise's rules, never pass."""
import torch
from torch import cumsum as where  # a forbidden function under an allowed name

_helper = torch.tril


def pick(x, idx):
    return x.gather(1, idx[:, None])[:, 0]  # gather is not a puzzle call


def clamp(x, lo, hi):
    out = x.clone()
    for i in range(out.numel()):
        out.view(-1)[i] = min(max(out.view(-1)[i], lo), hi)
    return out


def triu(n, k):
    return ~_helper(torch.ones(n, n, dtype=torch.bool), k - 1)  # through a module-level alias


def cumsum(a):
    return where(a, 0)


def softmax(x):
    y = (x - x.amax(-1, keepdim=True)).exp()
    return y / y.sum(-1, keepdim=True)  # two statements: not one line
