"""Pack and unpack write cards (issue 21): their shapes showed where `*` goes, so matching sizes
answered them. Stacked pieces leave `*` several places of the same shapes; the run decides."""
from einops import pack, unpack


def stack_kv(k, v):
    kv, ps = pack([k, v], 'b * d')
    return kv, ps


def split_heads(qkv, ps):
    q, k = unpack(qkv, ps, 'b h * d')
    return q, k


def add_axis(x):
    y, ps = pack([x], 'b *')  # one piece: its `*` is the one axis of length 1, whatever the sizes
    return y
