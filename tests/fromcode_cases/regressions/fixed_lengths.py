"""A new axis whose length the code fixes (t21c; x-transformers' tests and einops' own): with
the other axes of size 2, the example's result (4, 2) places `b` by its size, and a careful
size-matcher answered the card. Every other axis now takes that length, so only the values
say where the copies go."""
import torch
from einops import repeat


def positions(x):
    pos = repeat(torch.arange(0, 4), "n -> b n", b=4)
    flat = repeat(x, "...  -> b (...)", b=3)
    return pos, flat
