"""How einops' own tests import: through einops.einops and einops.packing."""
from einops.einops import rearrange, reduce as reduce_
from einops.packing import pack


def f(x, y):
    a = rearrange(x, "b c -> c b")  # expect: einops.rearrange
    b = reduce_(x, "b c -> b", "max")  # expect: einops.reduce
    c, ps = pack([x, y], "b *")  # expect: einops.pack
    return a, b, c, ps
