"""Scenarios shared by the pack and unpack families: pieces packed along ``*``."""
from __future__ import annotations

import math

from exercises.einops._common import pick_names
from exercises.checking import distinct_sizes

# (pattern roles, "*" marking the packed axis; pieces as (name, roles of its axes that fall on *);
#  (what the pieces are, where they go))
SCENARIOS = [
    (("batch", "*", "model"), [("cls", ()), ("patches", ("items",))],
     ("a class token and the patch tokens of each image", "along the token axis")),
    (("batch", "*"), [("feats", ("feature",)), ("img", ("height", "width"))],
     ("a feature vector and a flattened image per example", "into one input vector per example")),
    (("*", "model"), [("bos", ()), ("tokens", ("items",)), ("grid", ("height", "width"))],
     ("a start vector, a list of token vectors and a grid of vectors", "into one list of vectors")),
    (("height", "width", "*"), [("rgb", ("channel",)), ("depth", ())],
     ("an RGB image and a depth map", "as channels, channels last")),
    (("batch", "*", "height", "width"), [("rgb", ("channel",)), ("depth", ())],
     ("a batch of RGB images and their depth maps", "as channels, channels first")),
    (("*", "batch", "model"), [("start", ()), ("steps", ("time",))],
     ("a start state and the states of every time step, time-major", "into one sequence of states")),
    (("batch", "seq", "*", "head_dim"), [("q", ("heads",)), ("k", ())],
     ("the query heads and the one shared key head of every position", "along the head axis")),
]


def packing_scenario(rng, form) -> dict:
    """Names and sizes, the pattern, each piece's layout and ``*`` shape, and the packed shape."""
    roles, pieces, words = rng.choice(SCENARIOS)
    outer = [r for r in roles if r != "*"]
    inner = [r for _, rs in pieces for r in rs]
    names = pick_names(rng, *outer, *inner)
    if form == "value":  # tiny: shared axes of 1-3, pieces of 1-3 along *
        sizes = [rng.choice([2, 3]) if len(outer) == 1 else rng.choice([1, 2, 3]) for _ in outer]
        sizes += [rng.choice([1, 2]) if len(rs) > 1 else rng.choice([2, 3]) for _, rs in pieces for _ in rs]
    else:
        sizes = distinct_sizes(rng, len(names))
    sizes = dict(zip(names, sizes))
    shared = iter(names[: len(outer)])
    pat = [next(shared) if r != "*" else "*" for r in roles]
    star = pat.index("*")
    own = iter(names[len(outer):])
    layouts, star_shapes = [], []
    for piece, rs in pieces:
        mine = [next(own) for _ in rs]
        layouts.append((piece, " ".join(pat[:star] + mine + pat[star + 1:])))
        star_shapes.append(tuple(sizes[n] for n in mine))
    packed = tuple(sizes[n] for n in pat[:star]) + (sum(math.prod(s) for s in star_shapes),) + tuple(
        sizes[n] for n in pat[star + 1:])
    return dict(pattern=" ".join(pat), star=star, sizes=sizes, layouts=layouts, star_shapes=star_shapes,
                packed_shape=packed, roles=dict(zip(names, [*outer, *inner])), words=words)


def moved_star(pattern: str) -> list[str]:
    """Wrong patterns: everything flattened (``*``), or ``*`` in another position."""
    named = [t for t in pattern.split() if t != "*"]
    star = pattern.split().index("*")
    return ["*"] + [" ".join(named[:q] + ["*"] + named[q:]) for q in range(len(named) + 1) if q != star]
