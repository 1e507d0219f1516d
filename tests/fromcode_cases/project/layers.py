import torch
from einops import rearrange


def merge_heads(x):
    return rearrange(x, "b h s d -> b s (h d)")


def scores(q, k):
    return torch.einsum("bqd,bkd->bqk", q, k)
