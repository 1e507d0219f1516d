"""The reduction comes in as a variable."""
from einops import reduce


def pool(x, reduction):
    return reduce(x, "b n d -> b d", reduction)
