"""A literal call whose function the file never imports (x-transformers' multi_input.py calls
`rearrange` with no import of it; the code raises NameError if run): found and parsed, listed
as found with no card and why, never dropped silently and never guessed into a card (t21c)."""
from einops import repeat


def chunk(x, mem_every):
    x = rearrange(x, 'b (n m) d -> (b n) m d', m = mem_every)  # noqa: F821 - as upstream
    return repeat(x, 'b n d -> b n d k', k=2)


def not_a_pattern(x):
    return rearrange(x, 'b ((n -> oops')  # noqa: F821 - no einops pattern: skipped, not found
