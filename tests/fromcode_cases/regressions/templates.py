"""Write cards a template answers (t21): the card must print the operands' axes, and the
result is those axes in order, less the summed ones (a trace), the ones only one operand has
(implicit mode's rule), all of them, or the input's axes regrouped (a reshape); a one-piece
pack. Their twins below keep a write card: the result's order or its summed axes are not on
the card."""
import numpy as np
import torch
from einops import einsum, pack, rearrange, reduce


def templated(g, x, y, q, k, img):
    a = np.einsum('pmqm->pq', g)
    b = einsum(x, y, 'P i, i Q -> P Q')
    c = torch.einsum('bi,bj->bij', x, y)
    d = rearrange(q, 'b (h d) -> b h d', h=4)
    e = reduce(img, 'b c (h 2) (w 2) -> b c h w', 'max')
    f, ps = pack([x], 'b *')
    return a, b, c, d, e, f


def twins(g, x, y, q, k, img):
    a = np.einsum('pmqm->qp', g)
    b = einsum(x, y, 'P i, i Q -> Q P')
    c = torch.einsum('bhid,bhjd->bhij', q, k)
    d = rearrange(q, 'b (h d) -> b d h', h=4)
    e = reduce(img, 'b c (h 2) (w 2) -> b h w c', 'max')
    f, ps = pack([x, y], '* b')
    return a, b, c, d, e, f
