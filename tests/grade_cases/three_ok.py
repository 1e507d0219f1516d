"""The three contract exercises, solved; no header: found by function name."""
import math

import torch


def batched_matmul(a, b):
    return torch.einsum("bik,bkj->bij", a, b)


def forward(W, b_final, features):
    hidden = torch.einsum("bif,ifh->bih", features, W)
    out = torch.einsum("bih,ifh->bif", hidden, W)
    return torch.relu(out + b_final)


def cosine_decay_lr(step, steps):
    return math.cos(0.5 * math.pi * step / (steps - 1))
