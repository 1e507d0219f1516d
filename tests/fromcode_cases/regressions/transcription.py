"""Cards whose answer was printed on them (issue 21): a plain reordering asked "what are the
result's axes?" next to its pattern; a result with an operand's exact axes asked for its shape,
printed in the snippet."""
import torch
from einops import rearrange, reduce


def f(x, a, b):
    y = rearrange(x, 'batch head query d -> batch query head d')
    z = reduce(x, 'b ... -> b', 'mean')
    w = torch.einsum('bij,bjk->bij', a, b)
    return y, z, w
