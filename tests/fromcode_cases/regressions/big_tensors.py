"""Calls whose drawn tensors can get too big: the deck skips them with a reason, never a traceback."""
import torch
from einops import rearrange
from einops.layers.torch import Rearrange

patch = Rearrange("b c (f pf) (h p1) (w p2) -> b (f h w) (pf p1 p2 c)", p1=4, p2=4, pf=2)


def many(x, y):
    return torch.einsum("...abcdefg,...abcdefg->...", x, y), rearrange(x, "... a b c d e f -> ... (a b c d e f)")
