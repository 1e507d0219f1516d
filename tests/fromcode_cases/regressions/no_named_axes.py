"""Common idioms whose patterns name no axis: shape questions about them are meaningful."""
from einops import pack, rearrange


def f(x, y):
    a = rearrange(x, "... -> ... 1")
    b = rearrange(a, "1 ... -> ...")
    c, ps = pack([x, y], "*")
    return a, b, c, ps
