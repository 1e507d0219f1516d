"""Anonymous axes: ``1`` and ``()`` for axes of length 1, and numbers inside patterns.

``'b s d -> b 1 s d'`` inserts a unit axis like ``x[:, None]``; ``'b c () () -> b c'`` drops
two; ``reduce(x, 'b s d -> b () d', 'mean')`` keeps the reduced axis like ``keepdim=True``;
``repeat(x, 'b h w -> b 3 h w')`` makes 3 copies along a new axis; ``reduce(x, 'b (s 2) d ->
b s d', 'max')`` pools neighbouring pairs. A number other than 1 names no axis, so it needs
no keyword — and rearrange accepts none (see ``einops.invalid``).
"""
from __future__ import annotations

from exercises.base import Family
from exercises.checking import distinct_sizes
from exercises.einops._common import (
    FORMS,
    Problem,
    einops_maker,
    operand,
    pick_names,
    shape_text,
    wrong_pattern,
)

_PROSE = ("length-1 axis after batch unit axes left keepdim pooling feature map broadcast gray grayscale "
          "channels copies average maximum neighbouring pairs positions each example like anonymous name")
_UNIT = ("1", "()")


def _sizes(rng, form, names, fixed=None):
    fixed = fixed or {}
    free = [n for n in names if n not in fixed]
    if form == "value":
        drawn = [rng.choice([2, 3]) for _ in free]
        if free:
            drawn[0] = 1 if len(free) > 2 else drawn[0]  # keep value cards small
    else:
        drawn = distinct_sizes(rng, len(free))
    return {**dict(zip(free, drawn)), **fixed}


def problem(rng, form):
    kinds = ["unsqueeze", "squeeze", "expand_dims", "copies", "keepdim", "pairs"]
    if form == "value":  # moving length-1 axes changes no value: those cases are asked as write and shape
        kinds = ["copies", "keepdim", "pairs"]
    kind = rng.choice(kinds)
    x = rng.choice(["x", "t", "feats"])
    one = rng.choice(_UNIT)
    if kind == "unsqueeze":
        b, s, d = pick_names(rng, "batch", "seq", "model", avoid=_PROSE)
        lhs, rhs = f"{b} {s} {d}", f"{b} {one} {s} {d}"
        return Problem(
            op="rearrange", pattern=f"{lhs} -> {rhs}", operands=[operand(x, lhs, sizes := _sizes(rng, form, [b, s, d]))],
            sizes=sizes, roles={b: "batch", s: "seq", d: "model"},
            what=f"Insert a length-1 axis right after the batch axis of `{x}`, like `{x}[:, None]` "
                 f"(an anonymous axis: no new name).",
            idea="`1` or `()` in a pattern is an axis of length 1 that needs no name.",
            write_hints=["A new axis of length 1 is written `1` (or `()`) on the right only.",
                         f"`{x}[:, None]` puts it at position 1, between the batch and the rest."],
            explanation=f"`{one}` on the right adds an axis of length 1 where it is written — after `{b}`, as "
                        f"`{x}[:, None]` does.",
            wrong=[f"{lhs} -> {lhs}"],
            mistakes=[wrong_pattern("the unit axis at the end", f"{lhs} -> {lhs} {one}"),
                      wrong_pattern("the unit axis in front of the batch", f"{lhs} -> {one} {lhs}")],
        )
    if kind == "squeeze":
        b, c = pick_names(rng, "batch", "channel", avoid=_PROSE)
        lhs = f"{b} {c} {one} {one}"
        sizes = _sizes(rng, form, [b, c])
        return Problem(
            op="rearrange", pattern=f"{lhs} -> {b} {c}", operands=[operand(x, lhs, sizes)],
            sizes=sizes, roles={b: "batch", c: "channel"},
            what=f"`{x}` is what global pooling with keepdim left: two trailing axes of length 1. Drop both, "
                 f"like `{x}.squeeze(-1).squeeze(-1)`.",
            idea="`1` or `()` on the left matches an axis of length 1; leaving it out on the right drops it.",
            write_hints=["Write the two unit axes as `1` (or `()`) on the left.",
                         "An axis of length 1 may vanish in rearrange: it holds one entry."],
            explanation=f"`{one}` on the left matches an axis of length 1; it is absent on the right, so rearrange "
                        f"drops it (no values are lost).",
            wrong=[f"{lhs} -> {lhs}"],
            mistakes=[wrong_pattern("kept one of the unit axes", f"{lhs} -> {b} {c} {one}")],
        )
    if kind == "expand_dims":
        b, c = pick_names(rng, "batch", "channel", avoid=_PROSE)
        lhs, rhs = f"{b} {c}", f"{b} {c} {one} {one}"
        sizes = _sizes(rng, form, [b, c])
        return Problem(
            op="rearrange", pattern=f"{lhs} -> {rhs}", operands=[operand(x, lhs, sizes)],
            sizes=sizes, roles={b: "batch", c: "channel"},
            what=f"`{x}` holds one number per channel of each example. Reshape it like `{x}[:, :, None, None]` "
                 f"so that it broadcasts against a channels-first feature map.",
            idea="`1` or `()` on the right is a new axis of length 1.",
            write_hints=["`None` in an index is an axis of length 1: one `1` (or `()`) per `None`.",
                         "Both new axes come after the channels."],
            explanation=f"Each `{one}` on the right is a new axis of length 1, placed where `None` is in "
                        f"`{x}[:, :, None, None]`.",
            wrong=[f"{lhs} -> {lhs}"],
            mistakes=[wrong_pattern("the unit axes in front", f"{lhs} -> {one} {one} {lhs}"),
                      wrong_pattern("one unit axis only", f"{lhs} -> {lhs} {one}")],
        )
    if kind == "copies":
        b, h, w = pick_names(rng, "batch", "height", "width", avoid=_PROSE)
        k = rng.choice([2, 3, 4]) if form != "value" else rng.choice([2, 3])
        first = rng.random() < 0.5
        lhs = f"{b} {h} {w}"
        rhs = f"{b} {k} {h} {w}" if first else f"{b} {h} {w} {k}"
        other = f"{b} {h} {w} {k}" if first else f"{b} {k} {h} {w}"
        sizes = _sizes(rng, form, [b, h, w])
        layout = "channels-first (the copies right after the batch)" if first else "channels-last (the copies last)"
        return Problem(
            op="repeat", pattern=f"{lhs} -> {rhs}", operands=[operand(x, lhs, sizes)],
            sizes=sizes, roles={b: "batch", h: "height", w: "width"},
            what=f"`{x}` is a batch of grayscale images. Make {k} identical channels of each, {layout}, with a "
                 f"number in the pattern (no keyword).",
            idea="A number on the right of repeat is a new axis of that many copies; it needs no name.",
            write_hints=[f"The new axis is just `{k}`: repeat fills it with copies.",
                         "Put it where the channels go in the asked layout."],
            explanation=f"`{k}` on the right of repeat is a new anonymous axis of length {k}; every entry along it "
                        f"is the same pixel.",
            wrong=[f"{lhs} -> {other}"],
            mistakes=[wrong_pattern("the copies on the wrong side (channels-first and -last confused)",
                                    f"{lhs} -> {other}"),
                      wrong_pattern("the copies inside the width (tiled images) instead of a new axis",
                                    f"{lhs} -> {b} {h} ({k} {w})")],
        )
    if kind == "keepdim":
        b, s, d = pick_names(rng, "batch", "seq", "model", avoid=_PROSE)
        red = rng.choice(["mean", "max"])
        lhs, rhs = f"{b} {s} {d}", f"{b} {one} {d}"
        sizes = _sizes(rng, form, [b, s, d])
        word = "Average" if red == "mean" else "Take the maximum"
        return Problem(
            op="reduce", pattern=f"{lhs} -> {rhs}", operands=[operand(x, lhs, sizes)],
            sizes=sizes, roles={b: "batch", s: "seq", d: "model"}, reduction=red,
            what=f"{word} over the positions of each example of `{x}`, keeping that axis with length 1, like "
                 f"`{x}.{red}(1, keepdim=True)`" + (".values" if red == "max" else "") + ".",
            idea="An axis missing on the right is reduced; `1` or `()` keeps a place for it, of length 1.",
            write_hints=["Reduce the positions, then put a `1` (or `()`) where they were.",
                         "keepdim=True keeps the axis in place, with length 1."],
            explanation=f"The positions are missing on the right, so '{red}' runs over them; `{one}` in their "
                        f"place keeps an axis of length 1, as keepdim=True does.",
            wrong=[f"{lhs} -> {b} {d}"],
            mistakes=[wrong_pattern("reduced over the features instead", f"{lhs} -> {b} {s} {one}"),
                      wrong_pattern("dropped the reduced axis (no keepdim)", f"{lhs} -> {b} {d}")],
            value_hint=f"Each entry is the {red} over the positions of one feature of one example.",
        )
    b, s, d = pick_names(rng, "batch", "seq", "model", avoid=_PROSE)
    red = rng.choice(["mean", "max"])
    sizes = _sizes(rng, form, [b, s, d])
    lhs, rhs = f"{b} ({s} 2) {d}", f"{b} {s} {d}"
    word = "average" if red == "mean" else "maximum"
    shape = (sizes[b], 2 * sizes[s], sizes[d])
    return Problem(
        in_desc=f"`{x}` has shape {shape_text(shape)}: `{b}`={sizes[b]} examples, {shape[1]} positions and "
                f"`{d}`={sizes[d]} features; call the halved positions axis `{s}`.",
        op="reduce", pattern=f"{lhs} -> {rhs}", operands=[operand(x, lhs, sizes)],
        sizes=sizes, roles={b: "batch", s: "seq", d: "model"}, reduction=red,
        what=f"`{x}` holds a sequence of feature vectors per example (batch, positions, features). Replace each "
             f"pair of neighbouring positions (0 and 1, 2 and 3, …) by their {word}, halving the positions; "
             f"write the pair size as a number.",
        idea="A number inside a group on the left splits an axis into blocks of that size.",
        write_hints=["Split the positions into (new position, 2) and reduce the 2.",
                     "Neighbours are adjacent in memory, so the 2 is the fast part of the group."],
        explanation=f"`({s} 2)` splits the positions into pairs of neighbours (the 2 varies fastest); the 2 is "
                    f"missing on the right, so '{red}' runs over each pair.",
        wrong=[f"{b} (2 {s}) {d} -> {rhs}"],
        mistakes=[wrong_pattern("paired positions half a sequence apart: (2 s) instead of (s 2)",
                                f"{b} (2 {s}) {d} -> {rhs}")],
        value_hint=f"Each entry is the {red} of two neighbouring positions of one feature.",
    )


FAMILY = Family(
    id="einops.anonymous_axes",
    title="Anonymous axes: 1, () and numbers",
    forms=FORMS,
    difficulty=2,
    summary="`1`/`()` for length-1 axes (unsqueeze, squeeze, keepdim) and numbers for copies or blocks.",
    make=einops_maker(problem),
)
