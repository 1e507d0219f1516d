# cardgen: tensors.gather seed=2
# cardgen: tensors.where seed=2
# cardgen: tensors.masks seed=2
# cardgen: tensors.cumsum seed=2
# cardgen: tensors.softmax seed=2
# cardgen: tensors.roll seed=2
# cardgen: tensors.flip seed=2
# cardgen: tensors.pad_to seed=2
# cardgen: tensors.compress seed=2
# cardgen: tensors.bincount seed=2
# cardgen: tensors.scatter_add seed=2
# cardgen: tensors.linspace seed=2
# cardgen: tensors.vstack seed=2
# cardgen: tensors.sum seed=2
# cardgen: tensors.ones seed=2
# cardgen: superposition.loss seed=2
# cardgen: superposition.dimensionality seed=2
# cardgen: superposition.forward_arena seed=2
# cardgen: superposition.generate_batch seed=2
"""Right results by forbidden means (rules broken, an input changed in place): each must fail."""
import einops
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


def importance_loss(out, features, importance):
    total = 0.0
    for i in range(out.shape[1]):
        total = total + (importance[i] * (features[:, i] - out[:, i]) ** 2).mean()
    return total


def _one(Wi):
    n = Wi.norm(dim=-1, keepdim=True)
    return n[:, 0] ** 2 / (((Wi / n) @ Wi.T) ** 2).sum(-1)


def feature_dimensionality(W):
    return torch.stack([_one(Wi) for Wi in W])  # a loop over the instances


def forward_arena(W, b_final, features):
    features.mul_(1.0).clamp_(min=0)  # writes into the caller's tensor (a no-op here)
    features.add_(1.0)
    h = torch.einsum("ihf,...if->...ih", W, features - 1.0)
    out = torch.relu(torch.einsum("ihf,...ih->...if", W, h) + b_final)
    return out


def generate_batch(values, u_feat, u_pair, p, kind):
    out = torch.zeros_like(values)
    for b in range(values.shape[0]):
        for i in range(values.shape[1]):
            for f in range(values.shape[2]):
                g = f // 2
                if kind == "uncorrelated":
                    on = u_feat[b, i, f] < p
                elif kind == "correlated":
                    on = u_pair[b, i, g] < p
                else:
                    on = (f % 2) * p <= u_pair[b, i, g] < (f % 2 + 1) * p
                out[b, i, f] = values[b, i, f] if on else 0.0
    return out


def roll(a):
    return torch.roll(a, -1)  # the function the puzzle rebuilds


def flip(a):
    return torch.stack([a[a.shape[0] - 1 - i] for i in range(a.shape[0])])  # a loop


def pad_to(a, j):
    return torch.nn.functional.pad(a[:j], (0, max(0, j - a.shape[0])))


def compress(g, v):
    return torch.cat([v[g], torch.zeros(int((~g).sum()))])


def bincount(a, j):
    return torch.bincount(a, minlength=j)


def scatter_add(values, link, j):
    out = torch.zeros(j)
    for i in range(values.shape[0]):
        out[link[i]] += values[i]
    return out


def linspace(i, j, n):
    return torch.linspace(i, j, n)


def vstack(a, b):
    return torch.vstack([a, b])


def sum(a):  # noqa: A001 - the puzzle's name
    return a.sum(0, keepdim=True)  # a method call


def ones(i):
    return torch.ones(i, dtype=torch.long)
