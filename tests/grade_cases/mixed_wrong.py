# cardgen: einsum.batched_matmul seed=1
# cardgen: superposition.forward seed=2
# cardgen: superposition.cosine_decay_lr seed=3
# cardgen: einops.split_heads seed=4
"""Four typical slips in one file: printing, a missing ReLU, a misspelled name, a loop."""
import math

import torch
from einops import rearrange


def batched_matmul(a, b):
    print(torch.einsum("bik,bkj->bij", a, b).shape)  # prints instead of returning


def forward(W, b_final, features):
    hidden = torch.einsum("bif,ifh->bih", features, W)
    return torch.einsum("bih,ifh->bif", hidden, W) + b_final  # no ReLU


def cosine_decay(step, steps):  # should be cosine_decay_lr
    return math.cos(0.5 * math.pi * step / (steps - 1))


def split_heads(x, n_heads):
    heads = [rearrange(x, "b s (h d) -> b h s d", h=n_heads)[:, i] for i in range(n_heads)]
    return torch.stack(heads, dim=1)  # right values, but the rule says no loops
