"""Every call form and import alias `cardgen from-code` supports (a test input, never run).

Each supported call carries an "expect" comment (API | pattern) on the line where the call
starts; a call it must list as skipped carries a "skip" comment with words of the reason.
The test reads these comments, so moving lines around keeps it right.
"""
import numpy as np
import torch
import torch as t
import einops
import einops as E
from einops import rearrange as r, reduce, repeat, pack
from einops import einsum as ein
from einops.layers.torch import Rearrange, Reduce
from torch import einsum


def attention(q, k, v, n_heads):
    q = E.rearrange(q, "b s (h d) -> b h s d", h=n_heads)  # expect: einops.rearrange | b s (h d) -> b h s d
    scores = torch.einsum("bhqd,bhkd->bhqk", q, k)  # expect: torch.einsum | bhqd,bhkd->bhqk
    weights = scores.softmax(-1)
    out = t.einsum("bhqk,bhkd->bhqd", weights, v)  # expect: torch.einsum | bhqk,bhkd->bhqd
    return r(out, "b h s d -> b s (h d)")  # expect: einops.rearrange | b h s d -> b s (h d)


def pooling(images):
    pooled = reduce(images, "b c (h 2) (w 2) -> b c h w", "max")  # expect: einops.reduce | b c (h 2) (w 2) -> b c h w
    means = einops.reduce(images, "b c h w -> b c", reduction="mean")  # expect: einops.reduce | b c h w -> b c
    tiled = repeat(means, "b c -> b c copies", copies=3)  # expect: einops.repeat | b c -> b c copies
    return pooled, tiled


def numpy_and_friends(a, b, x, cls_token, patches):
    gram = np.einsum("ij,kj->ik", a, a)  # expect: numpy.einsum | ij,kj->ik
    outer = einsum("i,j->ij", x, x)  # expect: torch.einsum | i,j->ij
    trace = np.einsum("ii", b)  # expect: numpy.einsum | ii
    mixed = ein(a, b, "batch d_in, d_in d_out -> batch d_out")  # expect: einops.einsum | batch d_in, d_in d_out -> batch d_out
    packed, ps = pack([cls_token, patches], "b * d")  # expect: einops.pack | b * d
    listed = torch.einsum("ij,jk->ik", [a, b])  # expect: torch.einsum | ij,jk->ik
    multi = torch.einsum(  # expect: torch.einsum | ...ij,...jk->...ik
        "...ij,...jk->...ik",
        a,
        b,
    )
    return gram, outer, trace, mixed, packed, ps, listed, multi


class Patches(torch.nn.Module):
    def __init__(self, p):
        super().__init__()
        self.to_patches = Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=p, p2=p)  # expect: einops.layers.Rearrange | b c (h p1) (w p2) -> b (h w) (p1 p2 c)
        self.pool = Reduce("b n d -> b d", "mean")  # expect: einops.layers.Reduce | b n d -> b d

    def forward(self, x):
        import numpy as numerical

        return numerical.einsum("bnd,d->bn", x, x[0, 0])  # expect: numpy.einsum | bnd,d->bn


def not_literal(x, pattern, n):
    a = einops.rearrange(x, pattern)  # skip: a variable
    b = torch.einsum(f"i{'j' * n}->i", x)  # skip: an f-string
    c = E.rearrange(x, "b ((h) d) -> b h d")  # skip: nested parentheses
    d = einops.unpack(x, [[2], [3]], "b *")  # expect: einops.unpack | b *
    e = torch.einsum("ij,jk->ik", x)  # skip: passes 1 tensor
    return a, b, c, d, e


def lookalikes(x):
    # Not einops or torch: a name never imported from einops, a method, an unrelated module (listed as skipped).
    import mylib

    return rearrange(x, "a b -> b a"), x.einsum("ij->ji"), mylib.einsum("ij->ji", x)  # noqa: F821  # skip: not torch's, numpy's or einops'


top_level = einops.rearrange(np.zeros((2, 3)), "a b -> b a")  # expect: einops.rearrange | a b -> b a
