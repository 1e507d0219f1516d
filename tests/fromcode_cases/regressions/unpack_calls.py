"""einops.unpack, as real code writes it: pieces into named variables, `_`, one piece."""
from einops import unpack


def f(x, ps):
    cls_tokens, patches = unpack(x, ps, "b * d")
    out, = unpack(x, ps, "* n")
    _, c = unpack(x, ps, "b h * d")
    return cls_tokens, patches, out, c
