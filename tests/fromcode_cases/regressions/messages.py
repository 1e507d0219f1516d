"""Calls whose skip messages must say what is really there."""
import numpy as np
import torch
from einops.layers.flax import Rearrange


def f(a, x):
    t = np.einsum("ii", [[1, 2], [3, 4]])  # expect: numpy.einsum (one array literal)
    s = np.einsum(a, [0, 1], [1])  # skip: the sublist form
    u = torch.einsum(f"ij->ji", x)  # expect: torch.einsum (an f-string with no placeholder)
    layer = Rearrange("b (h w) -> b h w", sizes={"h": 2})  # expect: einops.layers.Rearrange
    return t, s, u, layer
