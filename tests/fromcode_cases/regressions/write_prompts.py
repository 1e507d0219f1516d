"""Write prompts show the result by a tiny example instead of listing its axes."""
import torch
from einops import rearrange, reduce, repeat
def attn(q, k, v, x, w):
    scores = torch.einsum('bqd,bkd->bqk', q, k)
    y = rearrange(x, 'b (h w) c -> b h w c', h=2)
    z = reduce(x, 'b n d -> b d', 'mean')
    r = repeat(w, 'd -> n d', n=3)
    t = torch.einsum('ij->ji', w)
