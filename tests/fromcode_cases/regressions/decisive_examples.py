"""Write cards whose example used to fit two answers (issue 21): same arange values for every
operand and every axis of size 2, so a symmetric product printed the same numbers transposed."""
import torch
from einops import rearrange, repeat


def rotary(x, inv_freq):
    return torch.einsum('i,j->ij', x, inv_freq)


def gram(x):
    return torch.einsum('ia,ka->ik', x, x)


def heads(x):
    return rearrange(x, 'b (h d) -> b d h', h=3)


def tile(w):
    return repeat(w, 'd -> (r d)', r=2)


def batched_rotary(x, inv_freq):  # a shared axis kept and the others swapped: no template's answer (t21)
    return torch.einsum('bi,bj->bji', x, inv_freq)


def batched_gram(x):
    return torch.einsum('bia,bka->bik', x, x)
